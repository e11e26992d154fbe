import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashToken } from "../auth/tokens.ts";
import { LLM_PER_KEY } from "../llm/gateway.ts";
import { mintLlmKey } from "../objects/llm-keys.ts";
import { budgetStub } from "../objects/stubs.ts";
import { monthKey } from "../services/llm-usage.ts";
import { account, chat, user } from "./llm-helpers.ts";

// What the employee's own budget adds to the gateway's admission (issue 18): the same RPC to the
// account's BudgetDO, with the employee's limit and spend read from the object's own storage.
// Measures and prints (docs/architecture.md keeps the figures); asserts only that it ran.

const ROUNDS = 8;
const PER_ROUND = 50;

describe("admission latency with and without an employee's own budget", () => {
  it("measures the BudgetDO's admit over RPC and the gateway's admit phase", async () => {
    const a = await account("pro");
    const budget = budgetStub(env, a.accountId);
    const month = monthKey(Date.now());
    const keyHash = hashToken(a.key);
    const own = crypto.randomUUID();
    // The object holds 20 employees' limits and spends, as a busy account's would.
    for (let i = 0; i < 20; i++) {
      const id = i === 0 ? own : crypto.randomUUID();
      await budget.setEmployeeBudget(id, 1_000_000_000, month, 0);
      await budget.settle(month, "earlier", 1_000, id);
    }
    const admit = (withOwn: boolean) =>
      budget.admit({
        keyHash,
        now: Date.now(),
        month,
        estimateMicroEur: 1,
        budgetMicroEur: 1_000_000_000,
        limit: 1_000_000,
        windowMs: LLM_PER_KEY.windowMs,
        ...(withOwn ? { employeeId: own, employeeBudgetMicroEur: null } : {}),
      });
    const timed = async (withOwn: boolean) => {
      const t0 = performance.now();
      for (let i = 0; i < PER_ROUND; i++) {
        const r = await admit(withOwn);
        if (r.ok) await budget.settle(month, r.reservationId, 1);
      }
      return (performance.now() - t0) / PER_ROUND;
    };
    await timed(false);
    await timed(true);
    const without: number[] = [];
    const withOwn: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      without.push(await timed(false));
      withOwn.push(await timed(true));
    }

    // Through the gateway: its Server-Timing admit phase (whole ms), for the key's employee with
    // and without a budget of its own.
    const admitPhase = async (n: number, key = a.key) => {
      const phases: number[] = [];
      for (let i = 0; i < n; i++) {
        const res = await chat(key, { model: "fast", messages: user("hi") });
        await res.text();
        const m = /admit;dur=(\d+)/.exec(res.headers.get("server-timing") ?? "");
        phases.push(Number(m?.[1] ?? Number.NaN));
      }
      return phases.reduce((s, x) => s + x, 0) / n;
    };
    const gatewayWithout = await admitPhase(100);
    await budget.setEmployeeBudget(a.employeeId, 1_000_000_000, month, 0);
    const gatewayWith = await admitPhase(100);
    const other = await mintLlmKey(env, crypto.randomUUID(), a.accountId, Date.now());
    const gatewayWithoutAgain = await admitPhase(100, other);

    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const fmt = (x: number) => `${x.toFixed(3)} ms`;
    console.log(
      `admit over RPC (${ROUNDS}×${PER_ROUND} alternating, admit + settle per request): account only ${fmt(mean(without))}, with the employee's own budget ${fmt(mean(withOwn))}; gateway admit phase mean over 100 requests: ${fmt(gatewayWithout)} without, ${fmt(gatewayWith)} with, ${fmt(gatewayWithoutAgain)} without (another employee of the account, after)`,
    );
    expect(without.length).toBe(ROUNDS);
  }, 120_000);
});
