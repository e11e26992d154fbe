import { describe, expect, it } from "vitest";
import { budgetLevel, emptyEmployeeMonth, noticeDue } from "../../objects/employee-budget-limit.ts";
import { budgetState } from "../../store/employee-budgets.ts";

describe("an employee's own budget in the BudgetDO", () => {
  it("puts the thresholds where the views do (80 %, 100 %; none without a limit)", () => {
    const states = { 0: "ok", 1: "warning", 2: "spent" } as const;
    for (const [spent, limit] of [
      [0, 100],
      [79, 100],
      [80, 100],
      [99, 100],
      [100, 100],
      [150, 100],
      [0, 0],
      [5, null],
    ] as const) {
      expect(states[budgetLevel(spent, limit)]).toBe(budgetState(limit, spent).state);
    }
  });

  it("asks for each notice once, and for spent only when it jumps past the warning", () => {
    const month = emptyEmployeeMonth();
    expect(noticeDue(month, 0)).toBeNull();
    expect(noticeDue(month, 1)).toBe("warning");
    expect(noticeDue(month, 1)).toBeNull();
    expect(noticeDue(month, 2)).toBe("spent");
    expect(noticeDue(month, 2)).toBeNull();
    expect(noticeDue(month, 1)).toBeNull();
    const jumped = emptyEmployeeMonth();
    expect(noticeDue(jumped, 2)).toBe("spent");
    expect(noticeDue(jumped, 1)).toBeNull();
  });
});
