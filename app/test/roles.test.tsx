import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import type { Me } from "../../edge/contract/account.ts";
import type { Catalogue } from "../../edge/contract/catalogue.ts";
import type { Employee } from "../../edge/contract/employee.ts";
import type { MemberView, TeamRole } from "../../edge/contract/team.ts";
import { AccountSwitcher } from "../src/components/account-switcher.tsx";
import { BillingPanel } from "../src/components/billing-panel.tsx";
import { DeletionBanner } from "../src/components/deletion-banner.tsx";
import { EmployeeActions } from "../src/components/employee-actions.tsx";
import { KnowledgePanel } from "../src/components/knowledge-panel.tsx";
import { TeamView } from "../src/components/team-view.tsx";
import { ApiProvider } from "../src/lib/api-context.tsx";
import { fail, fakeApi, type Reply } from "./fake-api.ts";

afterEach(cleanup);

const ROLES: TeamRole[] = ["owner", "admin", "member"];

const employee: Employee = {
  id: "e1",
  name: "Ada",
  role: "researcher",
  tone: "friendly",
  skills: [],
  status: "running",
  statusReason: null,
  step: null,
  node: "n1",
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
};

const person = (userId: string, role: TeamRole): MemberView => ({
  userId,
  email: `${userId}@example.com`,
  name: null,
  role,
  joinedAt: "2026-01-02T10:00:00Z",
});
const members = [
  person("olga", "owner"),
  person("adam", "admin"),
  person("alex", "admin"),
  person("mia", "member"),
];
const meAs = (role: TeamRole) => ({ owner: "olga", admin: "adam", member: "mia" })[role];

function withApi(routes: Record<string, Reply>, ui: () => import("solid-js").JSX.Element) {
  const fake = fakeApi(routes);
  render(() => <ApiProvider client={fake.client}>{ui()}</ApiProvider>);
  return fake;
}

describe("an employee's lifecycle buttons and Fire", () => {
  it.each(ROLES)("are shown to those who manage employees only (%s)", (role) => {
    withApi({}, () => (
      <EmployeeActions employee={employee} role={role} onChange={() => {}} onFired={() => {}} />
    ));
    const names = screen.queryAllByRole("button").map((b) => b.textContent);
    if (role === "member") expect(names).toEqual([]);
    else expect(names).toEqual(["Restart", "Stop", "Fire"]);
  });
});

describe("the knowledge folders", () => {
  const files = {
    status: 200,
    body: {
      files: [
        {
          id: "f1",
          name: "prices.pdf",
          size: 2048,
          contentType: "application/pdf",
          scope: "team",
          createdAt: "2026-01-01T00:00:00Z",
        },
      ],
    },
  };

  it("are read-only for a member: files download, nothing uploads or deletes", async () => {
    withApi({ "GET /api/knowledge": files }, () => (
      <KnowledgePanel folder="team" title="Team knowledge" text="" manage={false} />
    ));
    expect((await screen.findByRole("link", { name: "prices.pdf" })).getAttribute("href")).toBe(
      "/api/knowledge/f1",
    );
    expect(screen.queryByRole("button", { name: "Delete prices.pdf" })).toBeNull();
    expect(screen.queryByLabelText("Add files")).toBeNull();
    expect(document.querySelector("input[type=file]")).toBeNull();
  });

  it("offer upload and delete to those who manage knowledge", async () => {
    withApi({ "GET /api/knowledge": files }, () => (
      <KnowledgePanel folder="team" title="Team knowledge" text="" manage />
    ));
    expect(await screen.findByRole("button", { name: "Delete prices.pdf" })).toBeTruthy();
    expect(screen.getByLabelText("Add files").getAttribute("type")).toBe("file");
  });
});

describe("the Team page by role", () => {
  const routes: Record<string, Reply> = {
    "GET /api/team/members": { status: 200, body: { members } },
    "GET /api/team/invites": { status: 200, body: { invites: [] } },
  };
  const view = (role: TeamRole) =>
    withApi(routes, () => (
      <TeamView
        me={{ userId: meAs(role), role, teamName: "Acme" }}
        onMyRoleChanged={() => {}}
        onLeft={() => {}}
      />
    ));
  const rowButtons = (email: string) =>
    [...(document.querySelector(`[data-member="${email}"]`)?.querySelectorAll("button") ?? [])].map(
      (b) => b.getAttribute("aria-label") ?? b.textContent,
    );

  it("gives a member the list and Leave, and never asks for the invitations", async () => {
    const { calls } = view("member");
    await screen.findByText("adam@example.com");
    for (const m of members) expect(rowButtons(m.email), m.email).toEqual([]);
    expect(document.querySelector("select")).toBeNull();
    expect(screen.queryByRole("button", { name: "Send invitation" })).toBeNull();
    expect(screen.getByRole("button", { name: "Leave Acme" })).toBeTruthy();
    expect(calls.map((c) => c.key)).not.toContain("GET /api/team/invites");
  });

  it("lets an admin invite and remove members, but not touch admins, the owner or roles", async () => {
    const { calls } = view("admin");
    await screen.findByText("mia@example.com");
    expect(rowButtons("mia@example.com")).toEqual(["Remove mia@example.com"]);
    expect(rowButtons("adam@example.com")).toEqual([]);
    expect(rowButtons("alex@example.com")).toEqual([]);
    expect(rowButtons("olga@example.com")).toEqual([]);
    expect(document.querySelector("select[name=role]")).not.toBeNull(); // the invite form's
    expect(screen.queryByLabelText("Role of mia@example.com")).toBeNull();
    expect(screen.getByRole("button", { name: "Leave Acme" })).toBeTruthy();
    await waitFor(() => expect(calls.map((c) => c.key)).toContain("GET /api/team/invites"));
  });

  it("lets the owner change roles, transfer and remove anyone else, and not leave", async () => {
    view("owner");
    await screen.findByText("mia@example.com");
    for (const email of ["adam@example.com", "alex@example.com", "mia@example.com"]) {
      expect(rowButtons(email)).toEqual(["Change role", `Make owner: ${email}`, `Remove ${email}`]);
    }
    expect(rowButtons("olga@example.com")).toEqual([]);
    expect(screen.getByLabelText("Role of mia@example.com")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Leave Acme" })).toBeNull();
  });
});

describe("billing on the Account page", () => {
  const catalogue: Catalogue = {
    plans: [
      {
        id: "trial",
        name: "Trial",
        priceCentsPerMonth: 0,
        currency: "eur",
        maxEmployees: 1,
        llmBudgetCentsPerMonth: 500,
        includes: [],
      },
      {
        id: "pro",
        name: "Pro",
        priceCentsPerMonth: 9900,
        currency: "eur",
        maxEmployees: 5,
        llmBudgetCentsPerMonth: 5000,
        includes: [],
      },
    ],
    roles: [],
    skills: [],
    tones: [],
    steps: [],
  } as unknown as Catalogue;
  const me = (role: TeamRole): Me => ({
    user: { id: meAs(role), email: `${meAs(role)}@example.com`, name: null },
    account: { id: "acc", name: "Acme", role },
    plan: "trial",
    trialEndsAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
    subscription: null,
    billingNotice: null,
    billingConfigured: true,
    limits: { maxEmployees: 1, llmBudgetCentsPerMonth: 500 },
    usage: {
      employees: 0,
      llmCostCentsThisMonth: 0,
      llmTokensThisMonth: 0,
      llmBudgetUsedPercent: 0,
      llmBudgetWarning: false,
      chatViews: null,
    },
  });

  it.each(ROLES)("shows the plan to everyone and its controls to the owner only (%s)", (role) => {
    withApi({}, () => <BillingPanel me={me(role)} catalogue={catalogue} />);
    expect(screen.getByTestId("plan").textContent).toBe("Trial");
    const choose = screen.queryByRole("button", { name: "Choose Pro" });
    if (role === "owner") {
      expect(choose).not.toBeNull();
      expect(screen.queryByTestId("owner-billing")).toBeNull();
    } else {
      expect(choose).toBeNull();
      expect(screen.getByTestId("owner-billing").textContent).toBe(
        "The owner of Acme manages billing.",
      );
    }
  });
});

describe("the header's account switcher", () => {
  const account = (id: string, name: string, role: TeamRole, active: boolean) => ({
    id,
    name,
    role,
    active,
    deletionScheduledFor: null,
  });

  it("is absent for a person in one account", () => {
    withApi({}, () => (
      <AccountSwitcher accounts={[account("a", "Mine", "owner", true)]} path="/dashboard" />
    ));
    expect(screen.queryByTestId("account-switcher")).toBeNull();
  });

  it("names the account acted in with my role there, offers the others, and says a refusal", async () => {
    const { calls } = withApi({ "POST /api/accounts/b/switch": fail(404, "not_found") }, () => (
      <AccountSwitcher
        accounts={[account("a", "Acme", "member", true), account("b", "Mine", "owner", false)]}
        path="/team"
      />
    ));
    const menu = screen.getByTestId("account-switcher");
    expect(menu.querySelector("summary")?.textContent).toContain("Acme · Member");
    const other = screen.getByRole("button", { name: /Mine/ });
    expect(other.textContent).toContain("Owner");
    expect(screen.queryByRole("button", { name: /Acme/ })).toBeNull();
    fireEvent.click(other);
    await waitFor(() => expect(calls.map((c) => c.key)).toEqual(["POST /api/accounts/b/switch"]));
    await waitFor(() => expect((other as HTMLButtonElement).disabled).toBe(false));
  });
});

// In the machine's time zone, as the page shows it.
const longDate = (iso: string) => new Date(iso).toLocaleDateString("en", { dateStyle: "long" });

describe("the deletion banner", () => {
  it("offers Cancel to the owner, who restores the account", async () => {
    let changed = 0;
    const { calls } = withApi(
      {
        "POST /api/account/restore": {
          status: 200,
          body: {
            account: {
              id: "a",
              name: "Acme",
              role: "owner",
              active: true,
              deletionScheduledFor: null,
            },
          },
        },
      },
      () => (
        <DeletionBanner
          name="Acme"
          scheduledFor="2026-01-12T12:00:00Z"
          canRestore
          onChanged={() => changed++}
        />
      ),
    );
    expect(screen.getByTestId("deletion-banner").textContent).toContain(
      `Acme is scheduled for deletion on ${longDate("2026-01-12T12:00:00Z")}.`,
    );
    fireEvent.click(screen.getByRole("button", { name: "Cancel the deletion" }));
    await waitFor(() => expect(changed).toBe(1));
    expect(calls.map((c) => c.key)).toEqual(["POST /api/account/restore"]);
  });

  it("tells everyone else that only the owner can cancel", () => {
    withApi({}, () => (
      <DeletionBanner
        name="Acme"
        scheduledFor="2026-01-12T12:00:00Z"
        canRestore={false}
        onChanged={() => {}}
      />
    ));
    expect(screen.queryByRole("button")).toBeNull();
    expect(screen.getByTestId("deletion-banner").textContent).toContain(
      "Only the owner can cancel it.",
    );
  });
});
