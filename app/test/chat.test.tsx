import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ChatMessage, ChatState } from "../../edge/contract/chat.ts";
import type { Employee } from "../../edge/contract/employee.ts";
import type { TeamRole } from "../../edge/contract/team.ts";
import { AdvancedConsole } from "../src/components/chat/advanced-console.tsx";
import { ChatPanel } from "../src/components/chat/chat-panel.tsx";
import { I18nProvider, type Lang } from "../src/i18n/i18n.tsx";
import { ApiFailure } from "../src/lib/api.ts";
import { ApiProvider } from "../src/lib/api-context.tsx";
import type { Uploader } from "../src/lib/chat-upload.ts";
import { answer, conversation, employee, fakeFeed, message } from "./chat-fixtures.ts";
import { fail, fakeApi, type Reply } from "./fake-api.ts";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const LIST = "GET /api/employees/e1/conversations";
const PAGE = "GET /api/employees/e1/conversations/c1/messages";
const SEND = "POST /api/employees/e1/conversations/c1/messages";
const STOP = "POST /api/employees/e1/conversations/c1/stop";

const listed = (state: ChatState = "ready", busy = false): Reply => ({
  status: 200,
  body: { conversations: [conversation({ busy })], readiness: { state } },
});
const page = (messages: ChatMessage[], busy = false): Reply => ({
  status: 200,
  body: { conversation: conversation({ busy }), messages, nextBefore: null },
});

function chat(
  routes: Record<string, Reply | ((body: unknown) => Reply)>,
  opts: { role?: TeamRole; lang?: Lang; employee?: Employee; upload?: Uploader } = {},
) {
  const fake = fakeApi(routes);
  const live = fakeFeed();
  render(() => (
    <I18nProvider lang={opts.lang ?? "en"}>
      <ApiProvider client={fake.client}>
        <ChatPanel
          employee={opts.employee ?? employee}
          role={opts.role ?? "owner"}
          author="Olga"
          feed={live.feed}
          onEmployeeChange={() => {}}
          {...(opts.upload ? { upload: opts.upload } : {})}
        />
      </ApiProvider>
    </I18nProvider>
  ));
  return { ...fake, ...live };
}

const textbox = () => screen.getByRole("textbox", { name: "Message to Ada" });

describe("the chat's messages", () => {
  it("streams an answer in place from live frames that arrive out of order, then renders its markdown", async () => {
    const live = chat({
      [LIST]: listed("ready", true),
      [PAGE]: page([message(), answer({ text: "Look" })], true),
    });
    await screen.findByText("What do our competitors charge?");
    expect(screen.getByText("Olga")).toBeTruthy();
    const item = () => document.querySelector('[data-id="m2"]') as HTMLElement;
    expect(item().textContent).toContain("Ada is writing…");
    live.emit({
      type: "chat.message",
      message: answer({
        text: "Looking at three",
        tools: [{ id: "t1", kind: "web", summary: "Searched the web for prices", status: "done" }],
      }),
    });
    await waitFor(() => expect(item().textContent).toContain("Looking at three"));
    expect(item().querySelector("details summary")?.textContent).toBe("1 step taken");
    expect(item().textContent).toContain("Searched the web for prices");
    const before = item();
    live.emit({
      type: "chat.message",
      message: answer({
        text: "They charge **€20** a month.",
        status: "done",
        completedAt: "2026-01-02T10:00:09Z",
      }),
    });
    // A streaming frame that was overtaken by the final one changes nothing.
    live.emit({ type: "chat.message", message: answer({ text: "Looking at" }) });
    await waitFor(() =>
      expect(item().querySelector(".chat-markdown strong")?.textContent).toBe("€20"),
    );
    expect(item()).toBe(before);
    expect(item().textContent).not.toContain("is writing");
    expect(item().getAttribute("data-status")).toBe("done");
  });

  it("renders an answer's markdown safely: no tags, no script links, links in a new tab", async () => {
    chat({
      [LIST]: listed(),
      [PAGE]: page([
        answer({
          status: "done",
          text: '<img src=x onerror="alert(1)"> [bad](javascript:alert(1)) see https://example.com ![pixel](https://tracker.example/p.png?d=secret)',
        }),
      ]),
    });
    const item = await waitFor(() => {
      const el = document.querySelector('[data-id="m2"] .chat-markdown');
      if (!el) throw new Error("not yet");
      return el;
    });
    expect(item.querySelector("img")).toBeNull();
    expect(item.textContent).toContain("<img");
    const links = [...item.querySelectorAll("a")];
    // An image the answer names is not fetched by the reader's browser (a beacon): a link.
    expect(links.map((a) => a.getAttribute("href"))).toEqual([
      "https://example.com",
      "https://tracker.example/p.png?d=secret",
    ]);
    expect(links[0]?.getAttribute("target")).toBe("_blank");
    expect(links[0]?.getAttribute("rel")).toBe("noopener noreferrer");
  });

  it("shows a sent message at once as queued; Enter sends, Shift+Enter does not", async () => {
    const { calls } = chat({ [LIST]: listed("asleep"), [PAGE]: page([]), [SEND]: "pending" });
    await screen.findByText("Start a conversation with Ada");
    fireEvent.input(textbox(), { target: { value: "first line" } });
    fireEvent.keyDown(textbox(), { key: "Enter", shiftKey: true });
    expect(calls.filter((c) => c.key === SEND)).toHaveLength(0);
    fireEvent.keyDown(textbox(), { key: "Enter" });
    await waitFor(() => expect(calls.filter((c) => c.key === SEND)).toHaveLength(1));
    expect(calls.find((c) => c.key === SEND)?.body).toEqual({ text: "first line" });
    const mine = screen.getByText("first line").closest("li");
    expect(mine?.getAttribute("data-status")).toBe("queued");
    expect(mine?.textContent).toContain("Waiting to be delivered");
    expect((textbox() as HTMLTextAreaElement).value).toBe("");
  });

  it("offers three first messages for the employee's role", async () => {
    chat({ [LIST]: { status: 200, body: { conversations: [], readiness: { state: "ready" } } } });
    await screen.findByText("Start a conversation with Ada");
    const offered = screen
      .getAllByRole("button")
      .filter((b) => b.closest(".chat-suggestions"))
      .map((b) => b.textContent);
    expect(offered).toHaveLength(3);
    expect(offered[0]).toMatch(/trends in our industry/);
    fireEvent.click(screen.getByText(offered[0] ?? ""));
    expect((textbox() as HTMLTextAreaElement).value).toBe(offered[0]);
  });

  it("says a failed answer's error in our words and tries again with the same question", async () => {
    const sent: unknown[] = [];
    const live = chat({
      [LIST]: listed(),
      [PAGE]: page([message(), answer()]),
      [SEND]: (body) => {
        sent.push(body);
        return {
          status: 202,
          body: {
            message: message({ id: "m3", createdAt: "2026-01-02T10:01:00Z" }),
            reply: answer({ id: "m4", status: "queued", createdAt: "2026-01-02T10:01:01Z" }),
          },
        };
      },
    });
    await screen.findByText("What do our competitors charge?");
    live.emit({
      type: "chat.message",
      message: answer({
        status: "failed",
        completedAt: "2026-01-02T10:00:30Z",
        error: { code: "timed_out", message: "run timed out after 600s" },
      }),
    });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("No answer came in time.");
    expect(alert.querySelector("p")?.textContent).not.toContain("600s");
    expect(alert.querySelector("details p")?.textContent).toBe("run timed out after 600s");
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(sent).toEqual([{ text: "What do our competitors charge?" }]));
    await waitFor(() => expect(document.querySelector('[data-id="m4"]')).not.toBeNull());
  });

  it("keeps a message the edge refused, says why in the reader's language, and sends it again", async () => {
    let refuse = true;
    const { calls } = chat(
      {
        [LIST]: listed(),
        [PAGE]: page([]),
        [SEND]: () =>
          refuse
            ? fail(429, "rate_limited")
            : {
                status: 202,
                body: { message: message({ id: "m9" }), reply: answer({ id: "m10" }) },
              },
      },
      { lang: "de" },
    );
    const box = await screen.findByRole("textbox", { name: "Nachricht an Ada" });
    fireEvent.input(box, { target: { value: "Hallo" } });
    fireEvent.click(screen.getByRole("button", { name: "Senden" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toMatch(/^Nicht gesendet: /);
    refuse = false;
    fireEvent.click(screen.getByRole("button", { name: "Erneut versuchen" }));
    await waitFor(() => expect(document.querySelector('[data-id="m9"]')).not.toBeNull());
    expect(calls.filter((c) => c.key === SEND)).toHaveLength(2);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("stops an answer being written; the stop button goes when the conversation is idle", async () => {
    const live = chat({
      [LIST]: listed("ready", true),
      [PAGE]: page([message(), answer({ text: "Working on" })], true),
      [STOP]: { status: 202, body: { conversation: conversation({ busy: true }) } },
    });
    const stop = await screen.findByRole("button", { name: /Stop/ });
    fireEvent.click(stop);
    await waitFor(() => expect(live.calls.map((c) => c.key)).toContain(STOP));
    live.emit({
      type: "chat.message",
      message: answer({
        text: "Working on",
        status: "aborted",
        completedAt: "2026-01-02T10:00:04Z",
      }),
    });
    live.emit({ type: "chat.conversation", conversation: conversation({ busy: false }) });
    await screen.findByText("Stopped before the answer was finished.");
    expect(screen.queryByRole("button", { name: /Stop/ })).toBeNull();
  });

  it("loads earlier messages, and refetches the open conversation after the socket reconnects", async () => {
    const older = message({
      id: "m0",
      text: "An older question",
      createdAt: "2026-01-01T09:00:00Z",
    });
    const live = chat({
      [LIST]: listed(),
      [PAGE]: {
        status: 200,
        body: { conversation: conversation(), messages: [message()], nextBefore: "m1" },
      },
    });
    await screen.findByText("What do our competitors charge?");
    live.calls.length = 0;
    // The older page is answered by the same scripted route; its query says which page it is.
    fireEvent.click(screen.getByRole("button", { name: "Load earlier messages" }));
    await waitFor(() => expect(live.calls.map((c) => c.query)).toContain("?before=m1"));
    live.calls.length = 0;
    live.emit({ type: "chat.message", message: older });
    await screen.findByText("An older question");
    live.reconnect();
    await waitFor(() =>
      expect(live.calls.some((c) => c.key === PAGE && c.query === "")).toBe(true),
    );
    expect(live.calls.map((c) => c.key)).toContain(LIST);
  });
});

describe("the chat's notices", () => {
  const notice = () => document.querySelector(".chat-notice") as HTMLElement | null;

  it("says nothing when the employee is ready", async () => {
    chat({ [LIST]: listed("ready"), [PAGE]: page([]) });
    await screen.findByText("Start a conversation with Ada");
    expect(notice()).toBeNull();
  });

  it.each([
    ["starting", "owner", /Ada is starting\. Messages wait/, null],
    ["asleep", "owner", /Messages wait and are delivered when Ada is back/, "Start Ada"],
    ["asleep", "member", /An admin or the owner can start Ada/, null],
    ["unavailable", "admin", /cannot answer right now/, "Restart Ada"],
    ["unavailable", "member", /Ask an admin or the owner to restart Ada/, null],
    ["no_model", "owner", /No AI model is connected/, null],
    ["budget_spent", "owner", /budget is used up/, null],
    ["budget_spent", "admin", /owner can upgrade the plan/, null],
  ] as const)(
    "%s, seen by the %s, says what is happening and what to do",
    async (state, role, text, button) => {
      const status =
        state === "asleep" ? "stopped" : state === "starting" ? "provisioning" : "running";
      chat(
        { [LIST]: listed(state), [PAGE]: page([]) },
        { role, employee: { ...employee, status } },
      );
      await waitFor(() => expect(notice()?.getAttribute("data-state")).toBe(state));
      expect(notice()?.textContent).toMatch(text);
      const buttons = [...(notice()?.querySelectorAll("button") ?? [])].map((b) => b.textContent);
      expect(buttons).toEqual(button ? [button] : []);
      if (state === "budget_spent" && role === "owner")
        expect(notice()?.querySelector("a")?.getAttribute("href")).toBe("/account");
      // Writing stays possible: messages wait.
      expect((textbox() as HTMLTextAreaElement).disabled).toBe(false);
    },
  );

  it("follows chat.readiness frames, and says so in German", async () => {
    const live = chat({ [LIST]: listed("ready"), [PAGE]: page([]) }, { lang: "de" });
    await screen.findByText("Beginnen Sie eine Unterhaltung mit Ada");
    live.emit({ type: "chat.readiness", readiness: { state: "asleep" } });
    await waitFor(() => expect(notice()?.textContent).toMatch(/Ada schläft/));
    live.emit({ type: "chat.readiness", readiness: { state: "ready" } });
    await waitFor(() => expect(notice()).toBeNull());
  });

  it("says when the connection is lost and reconnects on request", async () => {
    const live = chat({ [LIST]: listed("ready"), [PAGE]: page([]) });
    await screen.findByText("Start a conversation with Ada");
    live.setLost(true);
    expect(notice()?.textContent).toContain("The connection to the workspace was lost");
    fireEvent.click(screen.getByRole("button", { name: "Reconnect now" }));
    expect(live.retry).toHaveBeenCalledOnce();
  });
});

describe("attachments", () => {
  const choose = (...files: File[]) => {
    const input = document.querySelector('.chat-composer input[type="file"]') as HTMLInputElement;
    Object.defineProperty(input, "files", { value: files, configurable: true });
    fireEvent.change(input);
  };
  const file = (name: string, bytes = 10) => {
    const f = new File(["x"], name, { type: "text/plain" });
    Object.defineProperty(f, "size", { value: bytes });
    return f;
  };

  it("names the file the size limit or the edge refused, and sends the ones that went up", async () => {
    const upload: Uploader = (_id, f, onProgress) => {
      onProgress(0.5);
      return {
        abort: () => {},
        done:
          f.name === "virus.exe"
            ? Promise.reject(new ApiFailure(415, "invalid_file", "That type of file is not taken."))
            : Promise.resolve({
                id: `a-${f.name}`,
                name: f.name,
                size: f.size,
                contentType: "text/plain",
                path: null,
              }),
      };
    };
    const sent: unknown[] = [];
    chat(
      {
        [LIST]: listed(),
        [PAGE]: page([]),
        [SEND]: (body) => {
          sent.push(body);
          return {
            status: 202,
            body: { message: message({ id: "m5" }), reply: answer({ id: "m6" }) },
          };
        },
      },
      { upload },
    );
    await screen.findByText("Start a conversation with Ada");
    choose(file("huge.pdf", 11 * 1024 * 1024), file("notes.txt"), file("virus.exe"));
    const errors = await screen.findByRole("alert");
    expect(errors.textContent).toContain("huge.pdf is larger than 10.0 MB");
    await waitFor(() => expect(errors.textContent).toContain("virus.exe could not be uploaded"));
    await waitFor(() =>
      expect(screen.getByRole("button", { name: "Remove notes.txt" })).toBeTruthy(),
    );
    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    await waitFor(() => expect(sent).toEqual([{ text: "", attachmentIds: ["a-notes.txt"] }]));
  });

  it("shows progress while uploading, holds Send until done, and removes a chip before sending", async () => {
    const abort = vi.fn();
    const upload: Uploader = (_id, _f, onProgress) => {
      onProgress(0.4);
      return { abort, done: new Promise(() => {}) };
    };
    chat({ [LIST]: listed(), [PAGE]: page([]) }, { upload });
    await screen.findByText("Start a conversation with Ada");
    fireEvent.input(textbox(), { target: { value: "see attached" } });
    choose(file("report.pdf"));
    const bar = await screen.findByRole("progressbar", { name: "Uploading report.pdf" });
    expect(bar.getAttribute("value")).toBe("0.4");
    expect((screen.getByRole("button", { name: "Send" }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole("button", { name: "Remove report.pdf" }));
    expect(abort).toHaveBeenCalledOnce();
    expect((screen.getByRole("button", { name: "Send" }) as HTMLButtonElement).disabled).toBe(
      false,
    );
  });
});

describe("the chat on a phone", () => {
  it("turns the conversation list into a select at 375 px", async () => {
    vi.stubGlobal("matchMedia", (query: string) => ({
      matches: query.includes("max-width"),
      media: query,
      addEventListener: () => {},
      removeEventListener: () => {},
    }));
    chat({ [LIST]: listed(), [PAGE]: page([message()]) });
    await screen.findByText("What do our competitors charge?");
    expect(document.querySelector(".chat")?.classList.contains("chat-narrow")).toBe(true);
    expect(screen.getByRole("combobox", { name: "Conversation" })).toBeTruthy();
    expect(screen.queryByRole("navigation", { name: "Conversations" })).toBeNull();
  });

  it("opens another conversation from the select, and starts a new one", async () => {
    vi.stubGlobal("matchMedia", () => ({
      matches: true,
      addEventListener: () => {},
      removeEventListener: () => {},
    }));
    const other = conversation({
      id: "c2",
      title: "Newsletter",
      updatedAt: "2026-01-01T00:00:00Z",
    });
    const fresh = conversation({ id: "c3", title: "", updatedAt: "2026-01-03T00:00:00Z" });
    const live = chat({
      [LIST]: {
        status: 200,
        body: { conversations: [conversation(), other], readiness: { state: "ready" } },
      },
      [PAGE]: page([message()]),
      "GET /api/employees/e1/conversations/c2/messages": {
        status: 200,
        body: {
          conversation: other,
          messages: [message({ id: "n1", conversationId: "c2", text: "Draft the newsletter" })],
          nextBefore: null,
        },
      },
      "POST /api/employees/e1/conversations": { status: 201, body: { conversation: fresh } },
    });
    await screen.findByText("What do our competitors charge?");
    const select = screen.getByRole("combobox", { name: "Conversation" }) as HTMLSelectElement;
    expect(select.value).toBe("c1");
    fireEvent.change(select, { target: { value: "c2" } });
    await screen.findByText("Draft the newsletter");
    expect(screen.queryByText("What do our competitors charge?")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: /New conversation/ }));
    await screen.findByText("Start a conversation with Ada");
    expect(live.calls.map((c) => c.key)).toContain("POST /api/employees/e1/conversations");
    expect(
      (screen.getByRole("combobox", { name: "Conversation" }) as HTMLSelectElement).value,
    ).toBe("c3");
    expect(document.activeElement).toBe(textbox());
  });

  it("keeps the list beside the messages on a wide screen", async () => {
    chat({ [LIST]: listed(), [PAGE]: page([message()]) });
    await screen.findByText("What do our competitors charge?");
    expect(document.querySelector(".chat")?.classList.contains("chat-narrow")).toBe(false);
    const nav = screen.getByRole("navigation", { name: "Conversations" });
    expect(nav.querySelector('[aria-current="true"]')?.textContent).toContain("Prices");
  });
});

describe("the engine's own console", () => {
  it.each(["owner", "admin", "member"] as const)(
    "is offered to those who manage employees (%s)",
    (role) => {
      render(() => <AdvancedConsole employeeId="e1" role={role} />);
      const shown = screen.queryByRole("button", { name: /Open the OpenClaw console/ }) !== null;
      expect(shown).toBe(role !== "member");
    },
  );

  it("opens the chat URL in a new tab cut from this page, and never in a frame", async () => {
    const admin: TeamRole = "admin";
    const tab = { opener: {} as unknown, location: { href: "" }, close: vi.fn() };
    const open = vi.fn(() => tab);
    vi.stubGlobal("open", open);
    const fake = fakeApi({
      "POST /api/employees/e1/access": {
        status: 200,
        body: {
          chatUrl: "https://n1.example/chat?token=t",
          browserUrl: "https://n1.example/browser?token=t",
          expiresAt: "2026-01-02T11:00:00Z",
        },
      },
    });
    render(() => (
      <ApiProvider client={fake.client}>
        <AdvancedConsole employeeId="e1" role={admin} />
      </ApiProvider>
    ));
    expect(screen.getByText(/operator view, for troubleshooting/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: /Open the OpenClaw console/ }));
    await waitFor(() => expect(tab.location.href).toBe("https://n1.example/chat?token=t"));
    expect(open).toHaveBeenCalledWith("", "_blank");
    expect(tab.opener).toBeNull();
    expect(fake.calls[0]?.query).toBe("?service=chat");
    expect(document.querySelector("iframe")).toBeNull();
  });
});

describe("the first messages offered", () => {
  it("exist for every catalogue role, three in each language", async () => {
    const { roles } = await import("../../templates/catalogue.ts");
    const { chatSuggestions, SUGGESTION_ROLES } = await import("../src/i18n/chat-suggestions.ts");
    for (const role of roles) {
      expect(SUGGESTION_ROLES).toContain(role.id);
      for (const lang of ["en", "de"] as const)
        expect(new Set(chatSuggestions(lang, role.id)).size, `${role.id} ${lang}`).toBe(3);
    }
    expect(chatSuggestions("de", "unknown-role")).toHaveLength(3);
  });
});
