import { cleanup, fireEvent, render, screen, within } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Me } from "../../edge/contract/account.ts";
import { AccountMenu, PlanUsage, trialDaysLeft } from "../src/components/account-bar.tsx";
import { I18nProvider } from "../src/i18n/i18n.tsx";
import { ApiProvider } from "../src/lib/api-context.tsx";
import { fakeApi } from "./fake-api.ts";

// The header's plan and usage, and the account menu: what the account has and uses is in sight
// on every page, and signing out is one click away.

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const DAY = 86_400_000;

function me(over: Partial<Me> = {}, usage: Partial<Me["usage"]> = {}): Me {
  return {
    user: { id: "u1", email: "ada@example.com", name: "Ada Lovelace" },
    account: { id: "a1", name: "Acme", role: "owner" },
    plan: "trial",
    trialEndsAt: new Date(Date.now() + 4.5 * DAY).toISOString(),
    subscription: null,
    billingNotice: null,
    billingConfigured: true,
    limits: { maxEmployees: 1, llmBudgetCentsPerMonth: 500 },
    usage: {
      employees: 1,
      llmCostCentsThisMonth: 0,
      llmTokensThisMonth: 0,
      llmBudgetUsedPercent: 0,
      llmBudgetWarning: false,
      chatViews: { used: 2, limit: 3 },
      ...usage,
    },
    ...over,
  };
}

describe("the header's plan and usage", () => {
  it("shows the plan, the trial's days left, chats and employees used of their limits", () => {
    render(() => <PlanUsage me={me()} />);
    const usage = screen.getByRole("list", { name: "Plan and usage" });
    expect(within(usage).getByText("Trial")).toBeTruthy();
    expect(screen.getByTestId("trial-days").textContent).toBe("5 days left");
    expect(screen.getByTestId("chats-used").textContent).toBe("Chats 2/3");
    expect(screen.getByTestId("employees-used").textContent).toBe("Employees 1/1");
    // A limit reached is marked; one with room left is not.
    expect(screen.getByTestId("employees-used").dataset.state).toBe("full");
    expect(screen.getByTestId("chats-used").dataset.state).toBeUndefined();
    expect(screen.getByTestId("upgrade").getAttribute("href")).toBe("/account#plans");
  });

  it("in German, on a paid plan: no trial, no chat limit, no upgrade", () => {
    render(() => (
      <I18nProvider lang="de">
        <PlanUsage
          me={me(
            { plan: "pro", limits: { maxEmployees: 3, llmBudgetCentsPerMonth: 7500 } },
            { chatViews: null, employees: 2 },
          )}
        />
      </I18nProvider>
    ));
    expect(screen.getByText("Pro")).toBeTruthy();
    expect(screen.queryByTestId("trial-days")).toBeNull();
    expect(screen.queryByTestId("chats-used")).toBeNull();
    expect(screen.getByTestId("employees-used").textContent).toBe("Mitarbeiter 2/3");
    expect(screen.queryByTestId("upgrade")).toBeNull();
  });

  it("says when the trial has ended, and offers no upgrade to those who may not buy", () => {
    render(() => (
      <PlanUsage
        me={me({
          trialEndsAt: new Date(Date.now() - DAY).toISOString(),
          account: { id: "a1", name: "Acme", role: "member" },
        })}
      />
    ));
    expect(screen.getByTestId("trial-days").textContent).toBe("Trial ended");
    expect(screen.queryByTestId("upgrade")).toBeNull();
  });

  it("counts a started day as a day left", () => {
    const now = Date.parse("2026-12-02T12:00:00Z");
    expect(trialDaysLeft("2026-12-09T11:00:00Z", now)).toBe(7);
    expect(trialDaysLeft("2026-12-02T12:00:01Z", now)).toBe(1);
    expect(trialDaysLeft("2026-12-01T12:00:00Z", now)).toBe(0);
  });
});

describe("the account menu", () => {
  it("says who is signed in, in which team, and signs out", async () => {
    const fake = fakeApi({ "POST /api/auth/logout": { status: 204 } });
    const assign = vi.fn();
    vi.stubGlobal("location", { ...location, assign });
    render(() => (
      <ApiProvider client={fake.client}>
        <AccountMenu me={me()} path="/dashboard" />
      </ApiProvider>
    ));
    const menu = screen.getByTestId("account-menu");
    expect(menu.querySelector("summary")?.textContent).toBe("AAccount menu: Ada Lovelace");
    expect(menu.textContent).toContain("ada@example.com");
    expect(menu.textContent).toContain("Acme · Owner");
    expect(within(menu).getByRole("link", { name: "Audit log" }).getAttribute("href")).toBe(
      "/audit",
    );
    expect(within(menu).getByRole("link", { name: "DE" }).getAttribute("href")).toBe(
      "/lang/de?back=%2Fdashboard",
    );
    fireEvent.click(screen.getByRole("button", { name: "Sign out" }));
    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith("/"));
    expect(fake.calls.map((c) => c.key)).toEqual(["POST /api/auth/logout"]);
  });

  it("closes on Escape, and shows no audit log to a member", () => {
    render(() => (
      <AccountMenu me={me({ account: { id: "a1", name: "Acme", role: "member" } })} path="/team" />
    ));
    const menu = screen.getByTestId("account-menu") as HTMLDetailsElement;
    menu.open = true;
    fireEvent.keyDown(document, { key: "Escape" });
    expect(menu.open).toBe(false);
    expect(within(menu).queryByRole("link", { name: "Audit log" })).toBeNull();
  });
});
