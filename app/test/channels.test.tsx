import { cleanup, fireEvent, render, screen, waitFor, within } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ChannelKind, ChannelView } from "../../edge/contract/channels.ts";
import { can, type TeamRole } from "../../edge/contract/team.ts";
import { ChannelsPanel } from "../src/components/channels/channels-panel.tsx";
import { ChatPanel } from "../src/components/chat/chat-panel.tsx";
import { TeamView } from "../src/components/team-view.tsx";
import { I18nProvider, type Lang } from "../src/i18n/i18n.tsx";
import { ApiProvider, useApi } from "../src/lib/api-context.tsx";
import { createPairingStore } from "../src/lib/pairing.ts";
import { channel, emailChannel, fakeChannelFeed, request } from "./channel-fixtures.ts";
import { conversation, employee, fakeFeed, message } from "./chat-fixtures.ts";
import { fail, fakeApi, type Reply } from "./fake-api.ts";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const LIST = "GET /api/employees/e1/channels";
const PAIRING = "GET /api/pairing-requests";
const put = (kind: ChannelKind) => `PUT /api/employees/e1/channels/${kind}`;
const listed = (channels: ChannelView[]): Reply => ({ status: 200, body: { channels } });
const answered = (c: ChannelView, authorizeUrl?: string): Reply => ({
  status: 200,
  body: { channel: c, ...(authorizeUrl ? { authorizeUrl } : {}) },
});
const rejected = (reason: string): Reply => ({
  status: 400,
  body: { error: { code: "channel_rejected", message: "Telegram refused.", fields: { reason } } },
});

function mount(
  routes: Record<string, Reply | ((body: unknown) => Reply)>,
  opts: { role?: TeamRole; lang?: Lang } = {},
) {
  const fake = fakeApi({ [PAIRING]: { status: 200, body: { requests: [] } }, ...routes });
  const live = fakeChannelFeed();
  const went: string[] = [];
  const role = opts.role ?? "admin";
  // As the workspace page does: the pairing requests are its, the tab shows them.
  function Workspace() {
    const pairing = createPairingStore({
      api: useApi(),
      employeeId: "e1",
      feed: live.feed,
      enabled: () => can(role, "employees.manage"),
    });
    return (
      <ChannelsPanel
        employee={employee}
        role={role}
        feed={live.feed}
        pairing={pairing}
        go={(url) => went.push(url)}
      />
    );
  }
  render(() => (
    <I18nProvider lang={opts.lang ?? "en"}>
      <ApiProvider client={fake.client}>
        <Workspace />
      </ApiProvider>
    </I18nProvider>
  ));
  return { ...fake, ...live, went };
}

const card = (kind: ChannelKind) => {
  const el = document.querySelector<HTMLElement>(`article[data-channel="${kind}"]`);
  if (!el) throw new Error(`no ${kind} card`);
  return el;
};
const status = (kind: ChannelKind) =>
  card(kind).querySelector("[data-testid=channel-status]")?.textContent;
const button = (root: HTMLElement, name: string) => within(root).getByRole("button", { name });
const shown = async () => waitFor(() => card("email"));
/** Until the card's action is over (its buttons are off while one runs). */
const idle = (kind: ChannelKind) =>
  waitFor(() => expect(card(kind).querySelector(".channel-actions button:disabled")).toBeNull());

describe("the Channels tab", () => {
  it("says it is loading, then a card per kind in its state, email first with its address", async () => {
    mount({
      [LIST]: listed([
        emailChannel(),
        channel("telegram", {
          status: "failing",
          statusReason: "Unauthorized: the bot token was revoked",
          display: "@ada_bot",
          credential: "123456:•••••XYZ",
        }),
        channel("slack", { status: "pending", statusReason: null, connectedAt: null }),
        channel("whatsapp", { status: "paused", paused: true, display: "+49 30 1234" }),
      ]),
    });
    expect(document.querySelector("[data-state=loading]")?.textContent).toBe("Loading…");
    await shown();
    const kinds = [...document.querySelectorAll("article[data-channel]")].map(
      (a) => (a as HTMLElement).dataset.channel,
    );
    expect(kinds).toEqual(["email", "telegram", "slack", "whatsapp"]);
    expect(status("email")).toBe("Connected");
    expect(card("email").textContent).toContain("ada@employees.example");
    expect(status("telegram")).toBe("Not working");
    expect(card("telegram").textContent).toContain(
      "The service said: Unauthorized: the bot token was revoked",
    );
    expect(card("telegram").querySelector("[data-testid=channel-credential]")?.textContent).toBe(
      "123456:•••••XYZ",
    );
    expect(status("slack")).toBe("Waiting for consent");
    expect(status("whatsapp")).toBe("Paused");
    expect(card("whatsapp").textContent).toContain("Paused: messages sent to Ada here");
    expect(button(card("whatsapp"), "Resume")).toBeTruthy();
  });

  it("shows a kind the API does not list as not connected, with its connect form", async () => {
    mount({ [LIST]: listed([emailChannel()]) });
    await shown();
    expect(status("telegram")).toBe("Not connected");
    expect(within(card("telegram")).getByLabelText("Bot token")).toBeTruthy();
    expect(within(card("telegram")).queryByRole("button", { name: "Remove" })).toBeNull();
    expect(button(card("slack"), "Add to Slack")).toBeTruthy();
    // Email is never removed: it is paused instead.
    expect(within(card("email")).queryByRole("button", { name: "Remove" })).toBeNull();
    expect(button(card("email"), "Pause")).toBeTruthy();
  });

  it("says a failed list in words, and tries again", async () => {
    let answer: Reply = fail(503, "channels_not_configured");
    const api = mount({ [LIST]: () => answer });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Channels are not set up on this server yet.");
    answer = listed([emailChannel()]);
    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    await shown();
    expect(api.calls.filter((c) => c.key === LIST)).toHaveLength(2);
  });

  it("connects Telegram with the pasted token and then shows only its masked form", async () => {
    const token = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
    const api = mount({
      [LIST]: listed([emailChannel()]),
      [put("telegram")]: answered(
        channel("telegram", { display: "@ada_bot", credential: "123456:•••••saw" }),
      ),
    });
    await shown();
    const input = within(card("telegram")).getByLabelText("Bot token") as HTMLInputElement;
    expect(input.type).toBe("password");
    fireEvent.input(input, { target: { value: ` ${token} ` } });
    fireEvent.click(button(card("telegram"), "Connect"));
    await waitFor(() => expect(status("telegram")).toBe("Connected"));
    const sent = api.calls.find((c) => c.key === put("telegram"));
    expect(sent?.body).toEqual({ botToken: token });
    expect(card("telegram").querySelector("[data-testid=channel-credential]")?.textContent).toBe(
      "123456:•••••saw",
    );
    expect(card("telegram").textContent).toContain("@ada_bot");
    // The token itself is gone from the page, the field included.
    expect(document.body.innerHTML).not.toContain(token);
    expect([...document.querySelectorAll("input")].some((i) => i.value.includes("AAHdq"))).toBe(
      false,
    );
  });

  it("says the server's error codes in words, with the provider's own reason", async () => {
    let answer: Reply = fail(409, "channel_in_use");
    mount({ [LIST]: listed([emailChannel()]), [put("telegram")]: () => answer });
    await shown();
    const input = within(card("telegram")).getByLabelText("Bot token");
    fireEvent.input(input, { target: { value: "1:abc" } });
    fireEvent.click(button(card("telegram"), "Connect"));
    const error = await waitFor(() => within(card("telegram")).getByRole("alert"));
    expect(error.textContent).toBe(
      "This bot or number is already connected to another employee. Disconnect it there first.",
    );
    answer = rejected("Unauthorized");
    await idle("telegram");
    fireEvent.click(button(card("telegram"), "Connect"));
    await waitFor(() =>
      expect(within(card("telegram")).getByRole("alert").textContent).toContain(
        "The service said: Unauthorized",
      ),
    );
    expect(within(card("telegram")).getByRole("alert").textContent).toContain(
      "The service refused these details.",
    );
    // A refused field is named in the edge's words (English readers).
    answer = {
      status: 400,
      body: {
        error: {
          code: "invalid_input",
          message: "Some values are invalid.",
          fields: { botToken: "Paste it without spaces." },
        },
      },
    };
    await idle("telegram");
    fireEvent.click(button(card("telegram"), "Connect"));
    await waitFor(() =>
      expect(within(card("telegram")).getByRole("alert").textContent).toContain(
        "Paste it without spaces.",
      ),
    );
    // What was typed stays, to be corrected.
    expect((input as HTMLInputElement).value).toBe("1:abc");
  });

  it("says a taken address in German", async () => {
    mount(
      {
        [LIST]: listed([emailChannel()]),
        [put("email")]: fail(409, "address_taken"),
      },
      { lang: "de" },
    );
    await shown();
    fireEvent.click(within(card("email")).getByText("Adresse ändern", { selector: "summary" }));
    fireEvent.input(within(card("email")).getByLabelText("Neue Adresse"), {
      target: { value: "Sales" },
    });
    fireEvent.submit(card("email").querySelector("form") as HTMLFormElement);
    await waitFor(() =>
      expect(within(card("email")).getByRole("alert").textContent).toBe(
        "Diese Adresse gehört einem anderen Mitarbeiter. Wählen Sie eine andere.",
      ),
    );
  });

  it("asks before removing a channel, and removes it only when confirmed", async () => {
    const api = mount({
      [LIST]: listed([emailChannel(), channel("telegram", { display: "@ada_bot" })]),
      "DELETE /api/employees/e1/channels/telegram": { status: 204 },
    });
    await shown();
    const deletes = () =>
      api.calls.filter((c) => c.key === "DELETE /api/employees/e1/channels/telegram");
    fireEvent.click(button(card("telegram"), "Remove"));
    let dialog = screen.getByRole("dialog");
    expect(dialog.textContent).toContain("Remove Telegram from Ada?");
    expect(dialog.textContent).toContain("People who write to @ada_bot no longer reach Ada");
    fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(deletes()).toHaveLength(0);
    expect(status("telegram")).toBe("Connected");

    fireEvent.click(button(card("telegram"), "Remove"));
    dialog = screen.getByRole("dialog");
    fireEvent.click(within(dialog).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(status("telegram")).toBe("Not connected");
    expect(deletes()).toHaveLength(1);
  });

  it("warns before anyone may write, saves it, and keeps saying so on the card", async () => {
    const api = mount({
      [LIST]: listed([emailChannel(), channel("telegram", { display: "@ada_bot" })]),
      [put("telegram")]: (body) => {
        const settings = (body as { settings: ChannelView["settings"] }).settings;
        return answered(channel("telegram", { display: "@ada_bot", settings }));
      },
    });
    await shown();
    const tg = card("telegram");
    fireEvent.click(within(tg).getByText("Settings", { selector: "summary" }));
    expect(within(tg).queryByTestId("channel-anyone-warning")).toBeNull();
    expect(
      (within(tg).getByLabelText("Members of the team only", { exact: false }) as HTMLInputElement)
        .checked,
    ).toBe(true);
    fireEvent.click(within(tg).getByLabelText("Anyone"));
    const warning = within(tg).getByTestId("channel-anyone-warning");
    expect(warning.textContent).toContain(
      "Anyone who finds this Telegram can talk to Ada, use what Ada knows and can do, and spend your team's AI budget.",
    );
    fireEvent.change(within(tg).getByLabelText("Say “answering shortly” after"), {
      target: { value: "300" },
    });
    fireEvent.click(button(tg, "Save settings"));
    await waitFor(() =>
      expect(within(tg).getByTestId("channel-anyone").textContent).toBe(
        "Anyone may write to Ada here.",
      ),
    );
    expect(api.calls.find((c) => c.key === put("telegram"))?.body).toEqual({
      settings: { noticeAfterSeconds: 300, policy: "anyone" },
    });
  });

  it("pauses and resumes, tests, and follows live frames", async () => {
    const api = mount({
      [LIST]: listed([emailChannel(), channel("telegram", { display: "@ada_bot" })]),
      [put("telegram")]: (body) =>
        answered(
          channel("telegram", {
            paused: (body as { paused: boolean }).paused,
            status: (body as { paused: boolean }).paused ? "paused" : "connected",
          }),
        ),
      "POST /api/employees/e1/channels/telegram/test": answered(
        channel("telegram", {
          status: "failing",
          statusReason: "Conflict: terminated by other getUpdates request",
        }),
      ),
    });
    await shown();
    fireEvent.click(button(card("telegram"), "Pause"));
    await waitFor(() => expect(status("telegram")).toBe("Paused"));
    expect(api.calls.find((c) => c.key === put("telegram"))?.body).toEqual({ paused: true });
    await idle("telegram");
    fireEvent.click(button(card("telegram"), "Resume"));
    await waitFor(() => expect(status("telegram")).toBe("Connected"));
    expect(api.calls.filter((c) => c.key === put("telegram")).at(-1)?.body).toEqual({
      paused: false,
    });

    await idle("telegram");
    fireEvent.click(button(card("telegram"), "Test"));
    await waitFor(() => expect(status("telegram")).toBe("Not working"));
    expect(card("telegram").textContent).toContain("Conflict: terminated by other getUpdates");

    api.emit({ type: "channel", employeeId: "e1", channel: channel("telegram") });
    await waitFor(() => expect(status("telegram")).toBe("Connected"));
    // Another employee's channel is not this tab's.
    api.emit({
      type: "channel",
      employeeId: "e2",
      channel: channel("telegram", { status: "failing", statusReason: "elsewhere" }),
    });
    expect(status("telegram")).toBe("Connected");
  });

  it("sends Slack's Add to Slack to its consent page", async () => {
    const url = "https://slack.com/oauth/v2/authorize?client_id=1&state=sealed";
    const api = mount({
      [LIST]: listed([emailChannel()]),
      [put("slack")]: answered(channel("slack", { status: "pending", connectedAt: null }), url),
    });
    await shown();
    fireEvent.click(button(card("slack"), "Add to Slack"));
    await waitFor(() => expect(api.went).toEqual([url]));
    expect(api.calls.find((c) => c.key === put("slack"))?.body).toEqual({});
    expect(status("slack")).toBe("Waiting for consent");
  });

  it("connects WhatsApp with the three details and shows what to paste in Meta", async () => {
    const api = mount({
      [LIST]: listed([emailChannel()]),
      [put("whatsapp")]: answered(
        channel("whatsapp", {
          display: "+49 30 1234",
          credential: "EAAG•••••ZD",
          webhook: { url: "https://app.example/channels/whatsapp/ch1", verifyToken: "vt-123" },
        }),
      ),
    });
    await shown();
    const wa = card("whatsapp");
    fireEvent.input(within(wa).getByLabelText("Phone number id"), { target: { value: "1065" } });
    fireEvent.input(within(wa).getByLabelText("Access token"), { target: { value: "EAAGsecret" } });
    fireEvent.input(within(wa).getByLabelText("App secret"), { target: { value: "s3cr3t" } });
    fireEvent.click(button(wa, "Connect"));
    await waitFor(() => expect(status("whatsapp")).toBe("Connected"));
    expect(api.calls.find((c) => c.key === put("whatsapp"))?.body).toEqual({
      phoneNumberId: "1065",
      accessToken: "EAAGsecret",
      appSecret: "s3cr3t",
    });
    expect((within(wa).getByLabelText("Callback URL") as HTMLInputElement).value).toBe(
      "https://app.example/channels/whatsapp/ch1",
    );
    expect((within(wa).getByLabelText("Verify token") as HTMLInputElement).value).toBe("vt-123");
    expect(document.body.innerHTML).not.toContain("EAAGsecret");
  });

  it("shows members the cards without a way to change them, and no pairing requests", async () => {
    const api = mount({ [LIST]: listed([emailChannel()]) }, { role: "member" });
    await shown();
    expect(screen.getByTestId("channels-read-only").textContent).toBe(
      "Admins and the owner connect, change and remove channels.",
    );
    expect(document.querySelectorAll("form")).toHaveLength(0);
    expect(screen.queryByRole("button", { name: "Add to Slack" })).toBeNull();
    expect(screen.queryByTestId("pairing")).toBeNull();
    expect(api.calls.some((c) => c.key === PAIRING)).toBe(false);
  });
});

describe("pairing requests", () => {
  const members = {
    status: 200,
    body: {
      members: [
        {
          userId: "u2",
          email: "mallory@acme.example",
          name: "Mallory",
          role: "member",
          joinedAt: "2026-11-01T00:00:00Z",
        },
      ],
    },
  } satisfies Reply;

  it("lists this employee's waiting senders, allows one linked to a member and blocks another", async () => {
    const api = mount({
      [LIST]: listed([emailChannel()]),
      [PAIRING]: {
        status: 200,
        body: {
          requests: [
            request(),
            request({
              id: "p2",
              kind: "email",
              sender: { id: "spam@x.example", name: null, email: "spam@x.example" },
              preview: "Cheap pills",
              messageCount: 1,
              createdAt: "2026-12-02T10:00:00Z",
            }),
            request({ id: "p3", employeeId: "e2", employeeName: "Bob" }),
            request({ id: "p4", status: "allowed" }),
          ],
        },
      },
      "GET /api/team/members": members,
      "POST /api/pairing-requests/p1": (body) => ({
        status: 200,
        body: { request: request({ status: "allowed", ...(body as object) }) },
      }),
      "POST /api/pairing-requests/p2": {
        status: 200,
        body: { request: request({ id: "p2", status: "blocked" }) },
      },
    });
    const list = await screen.findByTestId("pairing");
    await waitFor(() => expect(list.querySelectorAll("li.pairing-item")).toHaveLength(2));
    // Newest first; another employee's and a decided one are not here.
    const ids = [...list.querySelectorAll<HTMLElement>("li.pairing-item")].map(
      (li) => li.dataset.request,
    );
    expect(ids).toEqual(["p2", "p1"]);
    const p1 = list.querySelector<HTMLElement>('[data-request="p1"]') as HTMLElement;
    expect(p1.textContent).toContain("Mallory Stranger on Telegram");
    expect(p1.textContent).toContain("Hi, can you send me your price list?");
    expect(p1.textContent).toContain("2 messages waiting");

    const link = await waitFor(() => within(p1).getByLabelText("Who is this?"));
    fireEvent.change(link, { target: { value: "u2" } });
    fireEvent.click(within(p1).getByRole("button", { name: "Allow Mallory Stranger" }));
    await waitFor(() => expect(list.querySelector('[data-request="p1"]')).toBeNull());
    expect(api.calls.find((c) => c.key === "POST /api/pairing-requests/p1")?.body).toEqual({
      decision: "allow",
      userId: "u2",
    });

    const p2 = list.querySelector<HTMLElement>('[data-request="p2"]') as HTMLElement;
    fireEvent.click(within(p2).getByRole("button", { name: "Block spam@x.example" }));
    await waitFor(() => expect(list.textContent).toContain("Nobody is waiting."));
    expect(api.calls.find((c) => c.key === "POST /api/pairing-requests/p2")?.body).toEqual({
      decision: "block",
    });
  });

  it("adds a request the moment a stranger writes, and drops one decided elsewhere", async () => {
    const api = mount({ [LIST]: listed([emailChannel()]), "GET /api/team/members": members });
    const list = await screen.findByTestId("pairing");
    await waitFor(() => expect(list.textContent).toContain("Nobody is waiting."));
    api.emit({ type: "channel.pairing", request: request() });
    await waitFor(() => expect(list.querySelectorAll("li.pairing-item")).toHaveLength(1));
    expect(list.querySelector("h3 .badge")?.textContent).toBe("1");
    api.emit({ type: "channel.pairing", request: request({ id: "p9", employeeId: "e2" }) });
    expect(list.querySelectorAll("li.pairing-item")).toHaveLength(1);
    api.emit({ type: "channel.pairing", request: request({ status: "blocked" }) });
    await waitFor(() => expect(list.querySelectorAll("li.pairing-item")).toHaveLength(0));
  });

  it("says a refused decision in words and keeps the request", async () => {
    mount({
      [LIST]: listed([emailChannel()]),
      [PAIRING]: { status: 200, body: { requests: [request()] } },
      "POST /api/pairing-requests/p1": fail(403, "forbidden_role"),
    });
    const list = await screen.findByTestId("pairing");
    const allow = await waitFor(() =>
      within(list).getByRole("button", { name: "Allow Mallory Stranger" }),
    );
    fireEvent.click(allow);
    const alert = await waitFor(() => within(list).getByRole("alert"));
    expect(alert.textContent).toContain("Your role");
    expect(list.querySelector('[data-request="p1"]')).not.toBeNull();
  });
});

describe("pairing requests on the Team page", () => {
  function team(routes: Record<string, Reply>, role: TeamRole = "admin") {
    const fake = fakeApi({
      "GET /api/team/members": { status: 200, body: { members: [] } },
      "GET /api/team/invites": { status: 200, body: { invites: [] } },
      ...routes,
    });
    render(() => (
      <I18nProvider lang="en">
        <ApiProvider client={fake.client}>
          <TeamView
            me={{ userId: "u1", role, teamName: "Acme" }}
            onMyRoleChanged={() => {}}
            onLeft={() => {}}
          />
        </ApiProvider>
      </I18nProvider>
    ));
    return fake;
  }

  it("lists every employee's waiting senders for admins, naming the employee", async () => {
    const api = team({
      [PAIRING]: {
        status: 200,
        body: {
          requests: [request(), request({ id: "p3", employeeId: "e2", employeeName: "Bob" })],
        },
      },
      "POST /api/pairing-requests/p3": {
        status: 200,
        body: { request: request({ id: "p3", employeeId: "e2", status: "blocked" }) },
      },
    });
    const list = await screen.findByTestId("pairing");
    expect(list.textContent).toContain("Mallory Stranger on Telegram, to Ada");
    expect(list.textContent).toContain("People outside the team wrote to your employees.");
    const bob = list.querySelector<HTMLElement>('[data-request="p3"]') as HTMLElement;
    expect(bob.textContent).toContain("to Bob");
    fireEvent.click(within(bob).getByRole("button", { name: "Block Mallory Stranger" }));
    await waitFor(() => expect(list.querySelector('[data-request="p3"]')).toBeNull());
    expect(api.calls.find((c) => c.key === "POST /api/pairing-requests/p3")?.body).toEqual({
      decision: "block",
    });
  });

  it("says nothing while nobody waits, and asks nothing for members", async () => {
    const api = team({ [PAIRING]: { status: 200, body: { requests: [] } } });
    await screen.findByText("No open invitations.");
    await waitFor(() => expect(api.calls.some((c) => c.key === PAIRING)).toBe(true));
    expect(screen.queryByTestId("pairing")).toBeNull();
    cleanup();
    const member = team({ [PAIRING]: { status: 200, body: { requests: [request()] } } }, "member");
    await screen.findByText("Nobody is in this team yet.");
    expect(member.calls.some((c) => c.key === PAIRING)).toBe(false);
    expect(screen.queryByTestId("pairing")).toBeNull();
  });
});

describe("a channel's conversation in the chat", () => {
  const tg = conversation({
    id: "c2",
    source: "telegram",
    title: "Price list",
    updatedAt: "2026-01-03T10:00:00Z",
    channel: { kind: "telegram", peer: "Mallory (@mallory)" },
  });

  // A peer the edge does not know is "": the kind alone.
  const mail = conversation({
    id: "c3",
    source: "email",
    title: "Invoice",
    updatedAt: "2026-01-01T10:00:00Z",
    channel: { kind: "email", peer: "" },
  });
  const owner: TeamRole = "owner";
  function chat() {
    const fake = fakeApi({
      "GET /api/employees/e1/conversations": {
        status: 200,
        body: { conversations: [conversation(), tg, mail], readiness: { state: "ready" } },
      },
      "GET /api/employees/e1/conversations/c2/messages": {
        status: 200,
        body: {
          conversation: tg,
          messages: [
            message({
              id: "m9",
              conversationId: "c2",
              author: "Mallory (telegram)",
              text: "Send the list",
            }),
          ],
          nextBefore: null,
        },
      },
      "GET /api/employees/e1/conversations/c1/messages": {
        status: 200,
        body: { conversation: conversation(), messages: [message()], nextBefore: null },
      },
    });
    const live = fakeFeed();
    render(() => (
      <I18nProvider lang="en">
        <ApiProvider client={fake.client}>
          <ChatPanel
            employee={employee}
            role={owner}
            author="Olga"
            feed={live.feed}
            onEmployeeChange={() => {}}
          />
        </ApiProvider>
      </I18nProvider>
    ));
    return fake;
  }

  it("is marked with its channel in the list and read-only, with no composer", async () => {
    chat();
    await screen.findByText("Send the list");
    expect(screen.getAllByTestId("conversation-channel").map((b) => b.textContent)).toEqual([
      "Telegram · Mallory (@mallory)",
      "Email",
    ]);
    expect(screen.getByTestId("chat-read-only").textContent).toBe(
      "This conversation is on Telegram: Ada answers there. Replies go through Telegram, not from here.",
    );
    expect(screen.queryByRole("textbox", { name: "Message to Ada" })).toBeNull();

    // The web conversation has the composer back, and no channel line.
    fireEvent.click(screen.getByRole("button", { name: /^Prices/ }));
    await screen.findByText("What do our competitors charge?");
    expect(screen.getByRole("textbox", { name: "Message to Ada" })).toBeTruthy();
    expect(screen.queryByTestId("chat-read-only")).toBeNull();
  });
});
