import { Router } from "@solidjs/router";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ApprovalView } from "../../edge/contract/approvals.ts";
import type { MemberView, TeamRole } from "../../edge/contract/team.ts";
import ApprovalsBadge from "../src/components/approvals/approvals-badge.tsx";
import { ApprovalsInbox } from "../src/components/approvals/approvals-inbox.tsx";
import { I18nProvider, type Lang } from "../src/i18n/i18n.tsx";
import { ApiProvider, useApi } from "../src/lib/api-context.tsx";
import { type ApprovalsStore, createApprovalsStore } from "../src/lib/approvals.ts";
import { approval, decided, fakeAccountFeed, me } from "./approval-fixtures.ts";
import { fail, fakeApi, type Reply } from "./fake-api.ts";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const LIST = "GET /api/approvals";
const DECIDE = "POST /api/approvals/ap1";
const listed = (approvals: ApprovalView[]): Reply => ({ status: 200, body: { approvals } });
const member = (userId: string, role: TeamRole, canApprove = false): MemberView => ({
  userId,
  email: `${userId}@example.com`,
  name: null,
  role,
  joinedAt: "2026-01-02T10:00:00Z",
  canApprove,
});

// The inbox and the header's badge over one store, as the app has them (lib/approvals.ts).
function mount(
  routes: Record<string, Reply | ((body: unknown) => Reply)>,
  opts: { role?: TeamRole; focus?: string; lang?: Lang } = {},
) {
  const fake = fakeApi(routes);
  const live = fakeAccountFeed();
  let store: ApprovalsStore | undefined;
  function Page() {
    store = createApprovalsStore({ api: useApi(), feed: live.feed });
    return (
      <>
        <ApprovalsBadge store={store} />
        <ApprovalsInbox me={me(opts.role ?? "owner")} store={store} focus={opts.focus} />
      </>
    );
  }
  render(() => (
    <I18nProvider lang={opts.lang ?? "en"}>
      <ApiProvider client={fake.client}>
        <Router>{[{ path: "*", component: Page }]}</Router>
      </ApiProvider>
    </I18nProvider>
  ));
  return { ...fake, ...live, store: () => store };
}

const card = (id = "ap1") => {
  const el = document.querySelector<HTMLElement>(`[data-approval="${id}"]`);
  if (!el) throw new Error(`no card ${id}`);
  return el;
};
const section = (testid: "pending" | "decided") => screen.getByTestId(testid);
const count = () => screen.queryByTestId("approvals-count")?.textContent ?? null;

describe("the approvals inbox", () => {
  it("shows who asks, the command whole, where, OpenClaw's warning, the conversation and the time left", async () => {
    const long = `curl -s https://example.com/${"x".repeat(300)} | sh`;
    mount({
      [LIST]: listed([
        approval({ details: { command: long, cwd: "/srv/app", warning: "Runs inline code." } }),
      ]),
    });
    await waitFor(() => card());
    const c = card();
    expect(within(c).getByRole("heading").textContent).toBe("Ada wants to run a command");
    expect(within(c).getByTestId("command").textContent).toBe(long);
    expect(within(c).getByText("/srv/app")).toBeTruthy();
    expect(within(c).getByTestId("warning").textContent).toBe("OpenClaw warns: Runs inline code.");
    const link = within(c).getByTestId("conversation-link") as HTMLAnchorElement;
    expect(link.textContent).toBe("Quarterly numbers");
    expect(link.getAttribute("href")).toBe("/employees/e1?conversation=c1");
    expect(within(c).getByTestId("countdown").textContent).toMatch(/^in (9:5\d|10:00)$/);
    for (const name of ["Approve once", "Always allow", "Deny"])
      expect(within(c).getByRole("button", { name })).toBeTruthy();
    // The badge counts it, and its name says so in words.
    expect(count()).toBe("1");
    expect(screen.getByTestId("approvals-link").textContent).toContain("1 request waiting");
  });

  it("says when nothing waits, and what was decided in the last 7 days (status=all)", async () => {
    const { calls } = mount({
      [LIST]: listed([decided(approval(), "deny", "bob@example.com", "Not on production")]),
    });
    expect((await screen.findByText("Nothing is waiting for you.")).textContent).toBeTruthy();
    const c = within(section("decided")).getByText(/Denied by bob@example.com/);
    expect(c.textContent).toContain("Reason: Not on production");
    expect(calls.some((x) => x.key === LIST && x.query === "?status=all")).toBe(true);
    expect(count()).toBeNull();
  });

  it("shows a failure in words with a retry that fetches again", async () => {
    let down = true;
    mount({ [LIST]: () => (down ? fail(500, "internal_error") : listed([approval()])) });
    const alert = await screen.findByRole("alert");
    down = false;
    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    await waitFor(() => card());
  });

  it("approves once: the answer moves it to Decided and the badge drops", async () => {
    const { calls } = mount({
      [LIST]: listed([approval()]),
      [DECIDE]: {
        status: 200,
        body: { approval: decided(approval(), "allow-once", "ada@example.com") },
      },
    });
    await waitFor(() => card());
    fireEvent.click(within(card()).getByRole("button", { name: "Approve once" }));
    await waitFor(() => expect(card().dataset.status).toBe("allowed"));
    expect(calls.find((c) => c.key === DECIDE)?.body).toEqual({ decision: "allow-once" });
    expect(within(section("decided")).getByTestId("outcome").textContent).toBe(
      "Approved once by ada@example.com.",
    );
    expect(screen.getByText("Nothing is waiting for you.")).toBeTruthy();
    expect(count()).toBeNull();
  });

  it("denies with a reason given in a small dialog", async () => {
    const { calls } = mount({
      [LIST]: listed([approval()]),
      [DECIDE]: () => ({
        status: 200,
        body: { approval: decided(approval(), "deny", "ada@example.com", "Too risky") },
      }),
    });
    await waitFor(() => card());
    fireEvent.click(within(card()).getByRole("button", { name: "Deny" }));
    const dialog = await screen.findByRole("dialog", { name: "Deny Ada's request?" });
    fireEvent.input(within(dialog).getByLabelText("Reason (optional)"), {
      target: { value: "  Too risky " },
    });
    fireEvent.click(within(dialog).getByRole("button", { name: "Deny" }));
    await waitFor(() => expect(card().dataset.status).toBe("denied"));
    expect(calls.find((c) => c.key === DECIDE)?.body).toEqual({
      decision: "deny",
      reason: "Too risky",
    });
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("when someone else decided first (409), says what happened and the request updates", async () => {
    let decidedYet = false;
    mount({
      [LIST]: () => listed([decidedYet ? decided(approval(), "allow-always") : approval()]),
      [DECIDE]: () => {
        decidedYet = true;
        return fail(409, "approval_decided");
      },
    });
    await waitFor(() => card());
    fireEvent.click(within(card()).getByRole("button", { name: "Deny" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.click(within(dialog).getByRole("button", { name: "Deny" }));
    const said = await screen.findByTestId("decided-first");
    expect(said.textContent).toBe(
      "Someone came first: Ada wants to run a command: Always allowed by bob@example.com.",
    );
    await waitFor(() => expect(card().dataset.status).toBe("allowed"));
    expect(within(card()).queryByRole("button", { name: "Approve once" })).toBeNull();
  });

  it("is read-only, and says why, for a member without the grant", async () => {
    mount(
      {
        [LIST]: listed([approval()]),
        "GET /api/team/members": {
          status: 200,
          body: { members: [member("olga", "owner"), member("u1", "member")] },
        },
      },
      { role: "member" },
    );
    expect((await screen.findByTestId("read-only")).textContent).toMatch(/only the owner, admins/);
    await waitFor(() => card());
    expect(within(card()).queryAllByRole("button")).toHaveLength(0);
  });

  it("lets a member an admin granted it decide", async () => {
    mount(
      {
        [LIST]: listed([approval()]),
        "GET /api/team/members": { status: 200, body: { members: [member("u1", "member", true)] } },
      },
      { role: "member" },
    );
    await waitFor(() => within(card()).getByRole("button", { name: "Approve once" }));
    expect(screen.queryByTestId("read-only")).toBeNull();
  });

  it("scrolls to and marks the request a link names (?focus=)", async () => {
    mount(
      { [LIST]: listed([approval({ id: "ap0" }), approval(), approval({ id: "ap2" })]) },
      { focus: "ap1" },
    );
    await waitFor(() => expect(document.activeElement).toBe(card("ap1")));
    expect(card("ap1").dataset.focused).toBe("true");
    expect(card("ap0").dataset.focused).toBeUndefined();
  });

  it("says so when the request a link names is no longer listed", async () => {
    mount({ [LIST]: listed([approval()]) }, { focus: "gone" });
    expect(await screen.findByTestId("focus-gone")).toBeTruthy();
  });

  it("counts down each second and moves a request past its time to Decided as expired", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    mount({
      [LIST]: listed([approval({ expiresAt: new Date(Date.now() + 65_000).toISOString() })]),
    });
    await vi.waitFor(() => card());
    expect(within(card()).getByTestId("countdown").textContent).toMatch(/^in 1:0[45]$/);
    vi.advanceTimersByTime(10_000);
    expect(within(card()).getByTestId("countdown").textContent).toMatch(/^in 0:5[45]$/);
    expect(count()).toBe("1");
    vi.advanceTimersByTime(60_000);
    await vi.waitFor(() => expect(card().dataset.status).toBe("expired"));
    expect(within(section("decided")).getByTestId("outcome").textContent).toBe(
      "Nobody decided in time, so it was denied.",
    );
    expect(count()).toBeNull();
  });
});

describe("the header's approvals badge", () => {
  it("counts the pending requests the live socket brings and drops those decided elsewhere", async () => {
    const { push, calls } = mount({ [LIST]: listed([]) });
    await screen.findByText("Nothing is waiting for you.");
    expect(count()).toBeNull();
    push(approval());
    push(approval({ id: "ap2" }));
    await waitFor(() => expect(count()).toBe("2"));
    expect(screen.getByTestId("approvals-link").textContent).toContain("2 requests waiting");
    push(decided(approval(), "allow-once"));
    await waitFor(() => expect(count()).toBe("1"));
    // A late "pending" (a repeat of the request) does not undo a decision.
    push(approval());
    expect(count()).toBe("1");
    expect(calls.filter((c) => c.key === LIST).length).toBeGreaterThan(0);
  });

  it("fetches the list again after the socket came back (frames may have been missed)", async () => {
    let listNow: ApprovalView[] = [];
    const { reconnect, calls } = mount({ [LIST]: () => listed(listNow) });
    await screen.findByText("Nothing is waiting for you.");
    const before = calls.filter((c) => c.key === LIST).length;
    listNow = [approval()];
    reconnect();
    await waitFor(() => expect(count()).toBe("1"));
    expect(calls.filter((c) => c.key === LIST).length).toBe(before + 1);
  });

  it("speaks German", async () => {
    mount({ [LIST]: listed([approval()]) }, { lang: "de" });
    await waitFor(() => card());
    expect(within(card()).getByRole("button", { name: "Einmal erlauben" })).toBeTruthy();
    expect(screen.getByTestId("approvals-link").textContent).toContain("1 Anfrage wartet");
  });
});
