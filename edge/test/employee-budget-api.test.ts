import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { Employee, ListedEmployee } from "../contract/employee.ts";
import { MAX_EMPLOYEE_BUDGET_CENTS } from "../contract/employee-input.ts";
import { budgetTeam, ownSpent, setBudget } from "./employee-budget-helpers.ts";
import { api, auditOf, employee, errorOf, removeAllEmployees } from "./helpers.ts";
import { chat, usageRows, user } from "./llm-helpers.ts";

// PATCH /api/employees/:id {budgetCents}: the owner's alone; the views show the budget's state.

afterEach(removeAllEmployees);

const budgetRow = async (id: string) =>
  (
    await env.DB.prepare("SELECT budget_cents FROM employees WHERE id = ?")
      .bind(id)
      .first<{ budget_cents: number | null }>()
  )?.budget_cents;

describe("an employee's own AI budget: who may set it", () => {
  it("the owner sets, raises and removes it; each change is audited with old and new", async () => {
    const t = await budgetTeam("budget-owner");
    const set = await setBudget(t.owner.cookie, t.ada.id, 500);
    expect(set.status).toBe(200);
    const body = (await set.json()) as { employee: Employee };
    expect(body.employee.budget).toEqual({ limitCents: 500, spentCents: 0, state: "ok" });
    expect(await budgetRow(t.ada.id)).toBe(500);
    expect((await setBudget(t.owner.cookie, t.ada.id, 2_000)).status).toBe(200);
    expect((await employee(t.owner.cookie, t.ada.id)).budget?.limitCents).toBe(2_000);
    const removed = await setBudget(t.owner.cookie, t.ada.id, null);
    expect(((await removed.json()) as { employee: Employee }).employee.budget).toEqual({
      limitCents: null,
      spentCents: 0,
      state: "ok",
    });
    expect(await budgetRow(t.ada.id)).toBeNull();
    // Setting what it already is changes nothing and records nothing.
    expect((await setBudget(t.owner.cookie, t.ada.id, null)).status).toBe(200);
    const audit = await auditOf(t.accountId, "employee.budget");
    expect(audit.map((a) => a.detail)).toEqual([
      { name: "Ada", from: null, to: 500 },
      { name: "Ada", from: 500, to: 2_000 },
      { name: "Ada", from: 2_000, to: null },
    ]);
    expect(audit.every((a) => a.actorUserId === t.owner.userId && a.targetId === t.ada.id)).toBe(
      true,
    );
  });

  it("refuses an admin and a member with 403 forbidden_role, and changes nothing", async () => {
    const t = await budgetTeam("budget-roles");
    for (const who of [t.admin, t.member]) {
      const res = await setBudget(who.cookie, t.ada.id, 100);
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe("forbidden_role");
    }
    // Nor does an admin's change of something else slip a budget through with it.
    const mixed = await api(`/api/employees/${t.ada.id}`, {
      method: "PATCH",
      cookie: t.admin.cookie,
      json: { name: "Adele", budgetCents: 100 },
    });
    expect(mixed.status).toBe(403);
    const ada = await employee(t.owner.cookie, t.ada.id);
    expect(ada.name).toBe("Ada");
    expect(await budgetRow(t.ada.id)).toBeNull();
    expect(await auditOf(t.accountId, "employee.budget")).toEqual([]);
  });

  it("answers another account's owner 404, as for an employee that does not exist", async () => {
    const t = await budgetTeam("budget-stranger");
    const res = await setBudget(t.stranger.cookie, t.ada.id, 100);
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("not_found");
    expect((await setBudget(t.owner.cookie, crypto.randomUUID(), 100)).status).toBe(404);
    expect(await budgetRow(t.ada.id)).toBeNull();
  });

  it.each([
    ["a negative budget", -1],
    ["a fraction of a cent", 1.5],
    ["more than the most", MAX_EMPLOYEE_BUDGET_CENTS + 1],
    ["a string", "500"],
    ["a boolean", true],
    ["an object", { cents: 500 }],
    ["a huge number", 1e308],
  ])("refuses %s with 400 invalid_input and changes nothing", async (_what, value) => {
    const t = await budgetTeam("budget-hostile");
    const res = await setBudget(t.owner.cookie, t.ada.id, value);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("invalid_input");
    expect(Object.keys(error.fields ?? {})).toContain("budgetCents");
    expect(await budgetRow(t.ada.id)).toBeNull();
  });

  it("accepts the bounds: nothing at all (0) and the most", async () => {
    const t = await budgetTeam("budget-bounds");
    const zero = await setBudget(t.owner.cookie, t.ada.id, 0);
    expect(((await zero.json()) as { employee: Employee }).employee.budget?.state).toBe("spent");
    expect((await setBudget(t.owner.cookie, t.ada.id, MAX_EMPLOYEE_BUDGET_CENTS)).status).toBe(200);
  });
});

describe("an employee's own AI budget: the views", () => {
  it("GET and the list show the month's spend against it, and its state", async () => {
    const t = await budgetTeam("budget-view");
    // Before a budget: its spend, and no limit of its own.
    expect((await chat(t.adaKey, { model: "fast", messages: user("tokens:200") })).status).toBe(
      200,
    );
    const [row] = await usageRows(t.ada.id);
    const spentCents = Math.round((row?.cost_micro_eur ?? 0) / 100) / 100;
    expect(spentCents).toBeGreaterThan(0);
    expect((await employee(t.owner.cookie, t.ada.id)).budget).toEqual({
      limitCents: null,
      spentCents,
      state: "ok",
    });
    // The spend before the budget counts against it (the BudgetDO learns it from D1 on the PATCH).
    expect((await setBudget(t.owner.cookie, t.ada.id, 0)).status).toBe(200);
    expect(await ownSpent(t.accountId, t.ada.id)).toBe(row?.cost_micro_eur);
    const ada = await employee(t.member.cookie, t.ada.id);
    expect(ada.budget).toEqual({ limitCents: 0, spentCents, state: "spent" });
    const list = await api("/api/employees", { cookie: t.member.cookie });
    const listed = ((await list.json()) as { employees: ListedEmployee[] }).employees;
    expect(listed.find((e) => e.id === t.ada.id)?.budget?.state).toBe("spent");
    expect(listed.find((e) => e.id === t.bob.id)?.budget).toEqual({
      limitCents: null,
      spentCents: 0,
      state: "ok",
    });
  });
});
