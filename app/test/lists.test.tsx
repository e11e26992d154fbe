import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import type { JSX } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";
import type { AuditEventView } from "../../edge/contract/audit.ts";
import type { MemberView, SessionView } from "../../edge/contract/team.ts";
import { DeleteAccount } from "../src/components/account-owner.tsx";
import { AuditLog, auditCsvHref } from "../src/components/audit-log.tsx";
import { SessionsPanel } from "../src/components/sessions-panel.tsx";
import { TeamView } from "../src/components/team-view.tsx";
import { ApiProvider } from "../src/lib/api-context.tsx";
import { fail, fakeApi, type Reply } from "./fake-api.ts";

afterEach(cleanup);

function withApi(
  routes: Record<string, Reply | ((body: unknown) => Reply)>,
  ui: () => JSX.Element,
) {
  const fake = fakeApi(routes);
  render(() => <ApiProvider client={fake.client}>{ui()}</ApiProvider>);
  return fake;
}
const keys = (calls: { key: string }[]) => calls.map((c) => c.key);

const session = (id: string, current: boolean): SessionView => ({
  id,
  device: current ? "Firefox · Linux" : `Chrome · Android ${id}`,
  ip: "203.0.113.7",
  createdAt: "2026-01-01T08:00:00Z",
  lastSeenAt: "2026-01-03T09:30:00Z",
  current,
});

describe("Where you're signed in", () => {
  it("says it is loading while the list is on its way", () => {
    withApi({ "GET /api/sessions": "pending" }, () => <SessionsPanel />);
    expect(screen.getByText("Loading…").dataset.state).toBe("loading");
  });

  it("says what went wrong in the visitor's words, and tries again on request", async () => {
    let answer: Reply = fail(403, "forbidden_role");
    const { calls } = withApi({ "GET /api/sessions": () => answer }, () => <SessionsPanel />);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Your role in this team does not allow this.");
    answer = { status: 200, body: { sessions: [session("a", true)] } };
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("This device")).toBeTruthy();
    expect(keys(calls)).toEqual(["GET /api/sessions", "GET /api/sessions"]);
  });

  it("marks this device, ends another one, and asks before ending all others", async () => {
    const { calls } = withApi(
      {
        "GET /api/sessions": {
          status: 200,
          body: { sessions: [session("a", true), session("b", false), session("c", false)] },
        },
        "DELETE /api/sessions/b": { status: 204 },
        "DELETE /api/sessions": { status: 204 },
      },
      () => <SessionsPanel />,
    );
    await screen.findByText("This device");
    const current = document.querySelector("[data-current=true]");
    expect(current?.textContent).toContain("Firefox · Linux");
    expect(current?.querySelector("button")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Sign out Chrome · Android b" }));
    await waitFor(() => expect(document.querySelector("[data-session=b]")).toBeNull());
    expect(keys(calls)).toContain("DELETE /api/sessions/b");

    fireEvent.click(screen.getByRole("button", { name: "Sign out everywhere else" }));
    const dialog = screen.getByRole("dialog");
    expect(dialog.textContent).toContain("This one stays signed in.");
    expect(keys(calls)).not.toContain("DELETE /api/sessions");
    fireEvent.click(
      [...dialog.querySelectorAll("button")].find(
        (b) => b.textContent === "Sign out everywhere else",
      ) as HTMLButtonElement,
    );
    await waitFor(() => expect(keys(calls)).toContain("DELETE /api/sessions"));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });
});

describe("the Team page's lists", () => {
  const owner: MemberView = {
    userId: "olga",
    email: "olga@example.com",
    name: "Olga",
    role: "owner",
    joinedAt: "2026-01-02T10:00:00Z",
  };
  const mia: MemberView = {
    ...owner,
    userId: "mia",
    email: "mia@example.com",
    name: null,
    role: "member",
  };
  const me = { userId: "olga", role: "owner" as const, teamName: "Acme" };
  const view = () => <TeamView me={me} onMyRoleChanged={() => {}} onLeft={() => {}} />;

  it("shows loading, then the members with role and joined date, and an empty invitation list", async () => {
    withApi(
      {
        "GET /api/team/members": { status: 200, body: { members: [owner, mia] } },
        "GET /api/team/invites": { status: 200, body: { invites: [] } },
      },
      view,
    );
    expect(screen.getAllByText("Loading…").length).toBe(2);
    const row = await screen.findByText("Olga");
    expect(row.closest("li")?.textContent).toContain("Owner");
    const joined = new Date(owner.joinedAt).toLocaleDateString("en", { dateStyle: "long" });
    expect(row.closest("li")?.textContent).toContain(`Joined ${joined}`);
    expect(row.closest("li")?.textContent).toContain("(you)");
    expect((await screen.findByText("No open invitations.")).dataset.state).toBe("empty");
  });

  it("shows a failed member list as an error with a retry", async () => {
    withApi(
      {
        "GET /api/team/members": fail(500, "internal_error"),
        "GET /api/team/invites": { status: 200, body: { invites: [] } },
      },
      view,
    );
    const alert = await screen.findByRole("alert");
    expect(alert.dataset.state).toBe("error");
    expect(alert.textContent).toContain("The edge said internal_error.");
  });

  it("removes a member only after the confirmation, then lists the team again", async () => {
    let list = [owner, mia];
    const { calls } = withApi(
      {
        "GET /api/team/members": () => ({ status: 200, body: { members: list } }),
        "GET /api/team/invites": { status: 200, body: { invites: [] } },
        "DELETE /api/team/members/mia": () => {
          list = [owner];
          return { status: 204 };
        },
      },
      view,
    );
    fireEvent.click(await screen.findByRole("button", { name: "Remove mia@example.com" }));
    const dialog = screen.getByRole("dialog");
    expect(dialog.textContent).toContain("mia@example.com loses access to Acme");
    expect(keys(calls)).not.toContain("DELETE /api/team/members/mia");
    fireEvent.click(
      [...dialog.querySelectorAll("button")].find((b) => b.textContent === "Remove") as HTMLElement,
    );
    await waitFor(() => expect(screen.queryByText("mia@example.com")).toBeNull());
    expect(keys(calls).filter((k) => k === "GET /api/team/members")).toHaveLength(2);
  });

  it("says who is already a member when an invitation conflicts, and lists a sent one", async () => {
    let invites: unknown[] = [];
    const { calls } = withApi(
      {
        "GET /api/team/members": { status: 200, body: { members: [owner, mia] } },
        "GET /api/team/invites": () => ({ status: 200, body: { invites } }),
        "POST /api/team/invites": (body) => {
          const { email, role } = body as { email: string; role: string };
          if (email === "mia@example.com") return fail(409, "invalid_state");
          const invite = {
            id: "i1",
            email,
            role,
            invitedBy: "olga@example.com",
            createdAt: "2026-01-05T00:00:00Z",
            expiresAt: "2026-01-12T00:00:00Z",
          };
          invites = [invite];
          return { status: 201, body: { invite } };
        },
      },
      view,
    );
    await screen.findByText("No open invitations.");
    const role = screen.getByLabelText("Role", { selector: "select[name=role]" });
    expect((role as HTMLSelectElement).value).toBe("member");
    const email = screen.getByLabelText("Email address");
    fireEvent.input(email, { target: { value: "mia@example.com" } });
    fireEvent.click(screen.getByRole("button", { name: "Send invitation" }));
    expect((await screen.findByText("mia@example.com is already in this team.")).id).toBe(
      "invite-error",
    );
    fireEvent.input(email, { target: { value: "sam@example.com" } });
    fireEvent.change(role, { target: { value: "admin" } });
    fireEvent.click(screen.getByRole("button", { name: "Send invitation" }));
    const row = await waitFor(() => {
      const li = document.querySelector('[data-invite="sam@example.com"]');
      if (!li) throw new Error("not listed yet");
      return li;
    });
    expect(row.textContent).toContain("Admin · invited by olga@example.com");
    expect(calls.find((c) => c.key === "POST /api/team/invites" && c.body)?.body).toEqual({
      email: "mia@example.com",
      role: "member",
    });
    expect(calls.filter((c) => c.key === "POST /api/team/invites").at(-1)?.body).toEqual({
      email: "sam@example.com",
      role: "admin",
    });
  });
});

describe("deleting the account", () => {
  it("stays off until the account's name is typed", async () => {
    const { calls } = withApi(
      {
        "DELETE /api/account": {
          status: 202,
          body: {
            account: {
              id: "acc",
              name: "Acme",
              role: "owner",
              active: true,
              deletionScheduledFor: "2026-01-12T00:00:00Z",
            },
          },
        },
      },
      () => <DeleteAccount name="Acme" scheduledFor={null} onChanged={() => {}} />,
    );
    fireEvent.click(screen.getByRole("button", { name: "Delete Acme…" }));
    const confirm = screen.getByRole("button", { name: "Delete the account" }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    fireEvent.input(screen.getByLabelText(/Type the account's name/), {
      target: { value: "Acm" },
    });
    expect(confirm.disabled).toBe(true);
    fireEvent.input(screen.getByLabelText(/Type the account's name/), {
      target: { value: "Acme" },
    });
    expect(confirm.disabled).toBe(false);
    fireEvent.click(confirm);
    await waitFor(() => expect(keys(calls)).toEqual(["DELETE /api/account"]));
  });
});

describe("the audit log", () => {
  const event = (id: string, action: string, at: string): AuditEventView => ({
    id,
    at,
    actor: { userId: "olga", email: "olga@example.com" },
    action,
    target: { type: "employee", id: "e1" },
    detail: { name: "Ada" },
    ip: "203.0.113.7",
    userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
  });

  it("says each event in words, pages back with `before`, and links the CSV with the same filters", async () => {
    const filters = { action: "employee.hire", actor: "olga@example.com", from: "2026-01-01" };
    let pages = 0;
    const { calls } = withApi(
      {
        "GET /api/audit": () =>
          ++pages === 1
            ? {
                status: 200,
                body: {
                  events: [event("2", "employee.hire", "2026-01-03T10:00:00Z")],
                  nextBefore: "2026-01-03T10:00:00Z",
                },
              }
            : {
                status: 200,
                body: {
                  events: [event("1", "brand.new", "2026-01-02T10:00:00Z")],
                  nextBefore: null,
                },
              },
      },
      () => <AuditLog filters={filters} onApply={() => {}} />,
    );
    const row = await waitFor(() => {
      const tr = document.querySelector("tr[data-action='employee.hire']");
      if (!tr) throw new Error("no row yet");
      return tr;
    });
    expect(row.textContent).toContain("olga@example.com");
    expect(row.textContent).toContain("Hired an employee");
    expect(row.textContent).toContain("Employee Ada");
    expect(row.textContent).toContain("203.0.113.7");
    expect(row.textContent).toContain("Firefox · Linux");
    const first = new URLSearchParams(calls[0]?.query);
    expect(first.get("action")).toBe("employee.hire");
    expect(first.get("actor")).toBe("olga@example.com");
    expect(first.get("from")).toBe(new Date("2026-01-01T00:00:00").toISOString());
    expect(first.get("before")).toBeNull();

    fireEvent.click(screen.getByRole("button", { name: "Older events" }));
    await screen.findByText("brand.new");
    expect(new URLSearchParams(calls[1]?.query).get("before")).toBe("2026-01-03T10:00:00Z");
    expect(screen.queryByRole("button", { name: "Older events" })).toBeNull();

    const csv = screen.getByRole("link", { name: "Download as CSV" }).getAttribute("href") ?? "";
    expect(csv).toBe(auditCsvHref(filters));
    const q = new URL(csv, "http://app.test").searchParams;
    expect(q.get("format")).toBe("csv");
    expect(q.get("action")).toBe("employee.hire");
    expect(q.get("actor")).toBe("olga@example.com");
  });

  it("shows an empty log as such and a refusal in words", async () => {
    withApi({ "GET /api/audit": { status: 200, body: { events: [], nextBefore: null } } }, () => (
      <AuditLog filters={{}} onApply={() => {}} />
    ));
    expect((await screen.findByText("No events match these filters.")).dataset.state).toBe("empty");
    cleanup();
    withApi({ "GET /api/audit": fail(403, "forbidden_role") }, () => (
      <AuditLog filters={{}} onApply={() => {}} />
    ));
    expect((await screen.findByRole("alert")).textContent).toContain(
      "Your role in this team does not allow this.",
    );
  });
});
