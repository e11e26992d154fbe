import { cleanup, fireEvent, render, screen, waitFor, within } from "@solidjs/testing-library";
import { createRoot } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";
import type { Employee } from "../../edge/contract/employee.ts";
import type { MemberView, TeamRole } from "../../edge/contract/team.ts";
import { AutonomyPicker, AutonomySuggestion } from "../src/components/autonomy.tsx";
import { MemberList } from "../src/components/team-members.tsx";
import { ApiProvider } from "../src/lib/api-context.tsx";
import { createChatStore } from "../src/lib/chat-store.ts";
import { conversation, employee } from "./chat-fixtures.ts";
import { fakeApi, type Reply } from "./fake-api.ts";

afterEach(() => {
  cleanup();
  localStorage.clear();
});

const PATCH = "PATCH /api/employees/e1";
const ada = (over: Partial<Employee> = {}): Employee => ({ ...employee, autonomy: "ask", ...over });
const saved = (body: unknown): Reply => ({
  status: 200,
  body: { employee: ada(body as Partial<Employee>) },
});

function withApi(routes: Record<string, Reply | ((body: unknown) => Reply)>, ui: () => unknown) {
  const fake = fakeApi(routes);
  render(() => (
    <ApiProvider client={fake.client}>{ui() as import("solid-js").JSX.Element}</ApiProvider>
  ));
  return fake;
}

describe("an employee's autonomy", () => {
  it("offers the three levels, each with its sentence, and saves the one chosen", async () => {
    const changed: Employee[] = [];
    const { calls } = withApi({ [PATCH]: saved }, () => (
      <AutonomyPicker employee={ada()} manages onChange={(e) => changed.push(e)} />
    ));
    const radios = screen.getAllByRole("radio") as HTMLInputElement[];
    expect(radios.map((r) => r.value)).toEqual(["ask", "risky", "autonomous"]);
    expect(radios[0]?.checked).toBe(true);
    expect(
      screen.getByText("Every command waits until someone on your team approves it."),
    ).toBeTruthy();
    fireEvent.click(screen.getByRole("radio", { name: /Ask when risky/ }));
    await waitFor(() => expect(changed.at(-1)?.autonomy).toBe("risky"));
    expect(calls.find((c) => c.key === PATCH)?.body).toEqual({ autonomy: "risky" });
  });

  it("is only read to those who may not manage employees", () => {
    withApi({}, () => <AutonomyPicker employee={ada()} manages={false} onChange={() => {}} />);
    expect(screen.queryAllByRole("radio")).toHaveLength(0);
    expect(screen.getByTestId("autonomy-read-only").textContent).toBe(
      "Ada works in “Ask first” mode. Admins and the owner change it.",
    );
  });

  it("suggests widening after a run of approvals: one click takes it", async () => {
    const changed: Employee[] = [];
    const { calls } = withApi({ [PATCH]: saved }, () => (
      <AutonomySuggestion
        employee={ada({ autonomySuggestion: { level: "risky", approvedInARow: 10 } })}
        onChange={(e) => changed.push(e)}
      />
    ));
    const banner = screen.getByTestId("autonomy-suggestion");
    expect(banner.textContent).toContain(
      "Ada's last 10 requests were all approved. Let it decide low-risk commands itself?",
    );
    fireEvent.click(within(banner).getByRole("button", { name: "Yes, let it decide" }));
    await waitFor(() => expect(changed.at(-1)?.autonomy).toBe("risky"));
    expect(calls.find((c) => c.key === PATCH)?.body).toEqual({ autonomy: "risky" });
  });

  it("hides the suggestion when dismissed, until it changes", () => {
    const suggested = ada({ autonomySuggestion: { level: "risky", approvedInARow: 10 } });
    withApi({}, () => <AutonomySuggestion employee={suggested} onChange={() => {}} />);
    fireEvent.click(screen.getByRole("button", { name: "Not now" }));
    expect(screen.queryByTestId("autonomy-suggestion")).toBeNull();
    cleanup();
    withApi({}, () => <AutonomySuggestion employee={suggested} onChange={() => {}} />);
    expect(screen.queryByTestId("autonomy-suggestion")).toBeNull();
    cleanup();
    const later = ada({ autonomySuggestion: { level: "autonomous", approvedInARow: 20 } });
    withApi({}, () => <AutonomySuggestion employee={later} onChange={() => {}} />);
    expect(screen.getByTestId("autonomy-suggestion")).toBeTruthy();
  });
});

describe("who may decide approvals, on the Team page", () => {
  const person = (userId: string, role: TeamRole, canApprove = false): MemberView => ({
    userId,
    email: `${userId}@example.com`,
    name: null,
    role,
    joinedAt: "2026-01-02T10:00:00Z",
    canApprove,
  });
  const members = [person("olga", "owner"), person("adam", "admin"), person("mia", "member")];
  const list = (role: TeamRole, onChanged = () => {}) =>
    withApi(
      {
        "PATCH /api/team/members/mia": {
          status: 200,
          body: { member: person("mia", "member", true) },
        },
      },
      () => (
        <MemberList
          me={{
            userId: role === "owner" ? "olga" : role === "admin" ? "adam" : "mia",
            role,
            teamName: "Acme",
          }}
          load={{ state: "ready", value: members }}
          onRetry={() => {}}
          onChanged={onChanged}
          onMyRoleChanged={() => {}}
        />
      ),
    );
  const row = (email: string) => {
    const el = document.querySelector<HTMLElement>(`[data-member="${email}"]`);
    if (!el) throw new Error(email);
    return el;
  };

  it("is a switch per member for admins and the owner; owners and admins always decide", async () => {
    let changes = 0;
    const { calls } = list("admin", () => changes++);
    expect(within(row("olga@example.com")).getByTestId("approvals-always")).toBeTruthy();
    expect(within(row("adam@example.com")).getByTestId("approvals-always")).toBeTruthy();
    const box = within(row("mia@example.com")).getByRole("checkbox", {
      name: "May decide approvals (mia@example.com)",
    }) as HTMLInputElement;
    expect(box.checked).toBe(false);
    fireEvent.click(box);
    await waitFor(() => expect(changes).toBe(1));
    expect(calls.find((c) => c.key === "PATCH /api/team/members/mia")?.body).toEqual({
      canApprove: true,
    });
  });

  it("is not offered to members", () => {
    list("member");
    expect(screen.queryByRole("checkbox")).toBeNull();
    expect(screen.queryByTestId("approvals-always")).toBeNull();
  });
});

describe("a link to a conversation (the inbox's)", () => {
  it("opens the chat on that conversation rather than the latest", async () => {
    const { client, calls } = fakeApi({
      "GET /api/employees/e1/conversations": {
        status: 200,
        body: {
          conversations: [
            conversation({ id: "c2", updatedAt: "2026-01-03T10:00:00Z" }),
            conversation({ id: "c1" }),
          ],
          readiness: { state: "ready" },
        },
      },
      "GET /api/employees/e1/conversations/c1/messages": {
        status: 200,
        body: { conversation: conversation({ id: "c1" }), messages: [], nextBefore: null },
      },
    });
    await createRoot(async (dispose) => {
      const store = createChatStore({ api: client, employeeId: "e1", author: "Olga", open: "c1" });
      await store.load();
      expect(store.open()?.id).toBe("c1");
      expect(calls.map((c) => c.key)).not.toContain(
        "GET /api/employees/e1/conversations/c2/messages",
      );
      dispose();
    });
  });
});
