import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashToken } from "../auth/tokens.ts";
import { LLM_PER_KEY } from "../llm/gateway.ts";
import { RESERVATION_TTL_MS } from "../objects/budget-do.ts";
import { mintLlmKey, revokeLlmKeys } from "../objects/llm-keys.ts";
import { budgetStub } from "../objects/stubs.ts";
import { monthKey } from "../services/llm-usage.ts";
import { api } from "./helpers.ts";
import { account, chat, standIn as lastUpstream, spend, usageRows, user } from "./llm-helpers.ts";

const ADMISSIONS_AHEAD_MS = 10_000;

describe("LLM gateway: keys", () => {
  it("answers a missing, wrong or revoked key with 401 invalid_api_key", async () => {
    const a = await account();
    for (const key of ["", "iwk_wrongwrongwrongwrongwrongwrong", "sk-not-ours"]) {
      const res = await chat(key, { model: "fast", messages: user("hi") });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        "invalid_api_key",
      );
    }
    expect((await chat(a.key, { model: "fast", messages: user("hi") })).status).toBe(200);
    await revokeLlmKeys(env, a.employeeId, Date.now());
    expect((await chat(a.key, { model: "fast", messages: user("hi") })).status).toBe(401);
  });

  it("keeps only the key's hash, and a new key retires the old one", async () => {
    const a = await account();
    const rows = await env.DB.prepare("SELECT key_hash FROM llm_keys WHERE employee_id = ?")
      .bind(a.employeeId)
      .all<{ key_hash: string }>();
    expect(rows.results[0]?.key_hash).toMatch(/^[0-9a-f]{64}$/);
    const next = await mintLlmKey(env, a.employeeId, a.accountId, Date.now());
    expect((await chat(a.key, { model: "fast", messages: user("hi") })).status).toBe(401);
    expect((await chat(next, { model: "fast", messages: user("hi") })).status).toBe(200);
  });

  it("refuses a revoked key at once on every endpoint, although the key was just used", async () => {
    const a = await account();
    const models = () => api("/v1/models", { headers: { authorization: `Bearer ${a.key}` } });
    expect((await chat(a.key, { model: "fast", messages: user("hi") })).status).toBe(200);
    expect((await models()).status).toBe(200);
    await revokeLlmKeys(env, a.employeeId, Date.now());
    for (const res of [
      await chat(a.key, { model: "fast", messages: user("hi") }),
      await models(),
    ]) {
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        "invalid_api_key",
      );
    }
  });

  it("limits each key's request rate, counted in the account's object that admits requests", async () => {
    const a = await account("pro");
    const other = await mintLlmKey(env, crypto.randomUUID(), a.accountId, Date.now());
    const keyHash = hashToken(a.key);
    // The key's whole allowance, taken by earlier requests (asked of the object over RPC). They
    // are stamped a little ahead (the object takes the time from its caller), so the allowance is
    // still spent when the request below comes, however long these many calls take.
    const budget = budgetStub(env, a.accountId);
    const month = monthKey(Date.now());
    const at = Date.now() + ADMISSIONS_AHEAD_MS;
    const admitted = await Promise.all(
      Array.from({ length: LLM_PER_KEY.limit }, () =>
        budget.admit({
          keyHash,
          now: at,
          month,
          estimateMicroEur: 1,
          budgetMicroEur: 1_000_000_000,
          limit: LLM_PER_KEY.limit,
          windowMs: LLM_PER_KEY.windowMs,
        }),
      ),
    );
    await Promise.all(
      admitted.map((r, i) => {
        if (!r.ok) throw new Error(`admission ${i} refused: ${r.reason}`);
        return budget.settle(month, r.reservationId, 0);
      }),
    );
    const res = await chat(a.key, { model: "fast", messages: user("hi") });
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // The limit is the key's: the account's other employee is not held up.
    expect((await chat(other, { model: "fast", messages: user("hi") })).status).toBe(200);
  }, 20_000);

  it("lists the models of the caller's plan", async () => {
    const trial = await account("trial");
    const pro = await account("pro");
    const list = async (key: string) =>
      (
        (await (
          await api("/v1/models", { headers: { authorization: `Bearer ${key}` } })
        ).json()) as { data: { id: string }[] }
      ).data.map((m) => m.id);
    expect(await list(trial.key)).toEqual(["fast", "auto"]);
    expect(await list(pro.key)).toEqual(["fast", "strong", "auto"]);
  });
});

describe("LLM gateway: answers and metering", () => {
  it("passes a non-streamed answer through and records the upstream's exact usage", async () => {
    const a = await account();
    const res = await chat(a.key, {
      model: "fast",
      messages: user("count these five words"),
      temperature: 0.2,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      choices: { message: { content: string } }[];
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    expect(body.choices[0]?.message.content).toContain("t0 ");
    expect((await lastUpstream()).lastRequest.model).toBe("mock-fast");
    const [row] = await usageRows(a.employeeId);
    expect(row).toMatchObject({
      model: "fast",
      prompt_tokens: body.usage.prompt_tokens,
      completion_tokens: body.usage.completion_tokens,
      stream: 0,
    });
    expect(row?.cost_micro_eur).toBe(
      Math.ceil(0.15 * body.usage.prompt_tokens + 0.6 * body.usage.completion_tokens),
    );
  });

  it("streams byte for byte what the provider sends, and meters it from the provider's usage", async () => {
    const a = await account();
    const request = {
      model: "fast",
      messages: user("tokens:37"),
      stream: true,
      stream_options: { include_usage: true },
    };
    const viaGateway = new Uint8Array(await (await chat(a.key, request)).arrayBuffer());
    const direct = new Uint8Array(
      await (
        await fetch(`${env.STAND_IN_URL}/openai/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: "Bearer sk-stand-in", "content-type": "application/json" },
          body: JSON.stringify({ ...request, model: "mock-fast" }),
        })
      ).arrayBuffer(),
    );
    expect(viaGateway.byteLength).toBeGreaterThan(1000);
    expect(Buffer.from(viaGateway).equals(Buffer.from(direct))).toBe(true);
    const [row] = await usageRows(a.employeeId);
    expect(row).toMatchObject({ model: "fast", completion_tokens: 37, stream: 1 });
    expect(row?.prompt_tokens).toBeGreaterThan(0);
  });

  it("asks for usage on the client's behalf, so a stream is never metered as zero", async () => {
    const a = await account();
    const res = await chat(a.key, { model: "fast", messages: user("tokens:20"), stream: true });
    await res.text();
    expect((await lastUpstream()).lastRequest.stream_options?.include_usage).toBe(true);
    const [row] = await usageRows(a.employeeId);
    expect(row?.completion_tokens).toBe(20);
  });

  it("routes auto: a short plain turn to the cheap model, a tool-using one to the strong model", async () => {
    const a = await account("pro");
    await chat(a.key, { model: "auto", messages: user("hi") });
    expect((await lastUpstream()).lastRequest.model).toBe("mock-fast");
    await chat(a.key, {
      model: "auto",
      messages: user("hi"),
      tools: [{ type: "function", function: { name: "search", parameters: {} } }],
    });
    expect((await lastUpstream()).lastRequest.model).toBe("mock-strong");
  });

  it("refuses a model the plan does not include, and an unknown one", async () => {
    const a = await account("trial");
    const res = await chat(a.key, { model: "strong", messages: user("hi") });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      "model_not_allowed",
    );
    const bad = await chat(a.key, { messages: user("hi") });
    expect(bad.status).toBe(400);
  });
});

describe("LLM gateway: failures", () => {
  it("falls back to the second model when the first answers 500", async () => {
    const a = await account("pro");
    const res = await chat(a.key, { model: "strong", messages: user("fail-mock-strong") });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model: string }).model).toBe("mock-fast");
    const [row] = await usageRows(a.employeeId);
    expect(row?.model).toBe("fast");
  });

  it("falls back when the first model does not answer in time", async () => {
    const a = await account("pro");
    const started = Date.now();
    const res = await chat(a.key, { model: "strong", messages: user("slow-mock-strong") });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model: string }).model).toBe("mock-fast");
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it("stops the upstream request when the client goes away mid-stream, and meters what was sent", async () => {
    const a = await account();
    const before = (await lastUpstream()).aborted;
    const res = await chat(a.key, { model: "fast", messages: user("long"), stream: true });
    const reader = res.body?.getReader();
    await reader?.read();
    await reader?.read();
    await reader?.cancel();
    let after = before;
    for (let i = 0; i < 100 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = (await lastUpstream()).aborted;
    }
    expect(after).toBe(before + 1);
    const [row] = await usageRows(a.employeeId);
    expect(row?.completion_tokens).toBeGreaterThan(0);
    expect(row?.completion_tokens).toBeLessThan(400);
  });
});

describe("LLM gateway: budgets", () => {
  it("answers 429 budget_exceeded once the month's budget is spent", async () => {
    const a = await account();
    await spend(a.accountId, 5_000_000); // €5: the trial's budget
    const res = await chat(a.key, { model: "fast", messages: user("hi") });
    expect(res.status).toBe(429);
    const error = ((await res.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe("budget_exceeded");
    expect(error.message).toMatch(/€5\.00/);
  });

  it("reserves before calling, so concurrent requests overshoot by at most one request's worth", async () => {
    const a = await account();
    // One micro-euro of the trial's €5 left: without reservations all 20 concurrent requests
    // would see room; with them, only the first does.
    await spend(a.accountId, 5_000_000 - 1);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => chat(a.key, { model: "fast", messages: user("hi") })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 429)).toHaveLength(19);
  });

  it("lets a reservation that was never settled (its Worker died) go after RESERVATION_TTL_MS", async () => {
    const a = await account();
    const t0 = Date.now();
    const admit = (now: number) =>
      budgetStub(env, a.accountId).admit({
        keyHash: hashToken(a.key),
        now,
        month: monthKey(t0),
        estimateMicroEur: 5_000_000, // the trial's whole budget
        budgetMicroEur: 5_000_000,
        limit: LLM_PER_KEY.limit,
        windowMs: LLM_PER_KEY.windowMs,
      });
    expect((await admit(t0)).ok).toBe(true); // never settled
    expect(await admit(t0 + RESERVATION_TTL_MS - 1)).toMatchObject({
      ok: false,
      reason: "budget_exceeded",
      reservedMicroEur: 5_000_000,
    });
    expect((await admit(t0 + RESERVATION_TTL_MS + 1)).ok).toBe(true);
  });
});

describe("usage in /api/me and the employee list", () => {
  it("reports this month's spend and budget", async () => {
    const a = await account();
    await chat(a.key, { model: "fast", messages: user("tokens:100") });
    await usageRows(a.employeeId);
    const me = (await (await api("/api/me", { cookie: a.cookie })).json()) as {
      limits: { llmBudgetCentsPerMonth: number };
      usage: {
        llmCostCentsThisMonth: number;
        llmTokensThisMonth: number;
        llmBudgetUsedPercent: number;
      };
    };
    expect(me.limits.llmBudgetCentsPerMonth).toBe(500);
    expect(me.usage.llmTokensThisMonth).toBeGreaterThan(100);
    expect(me.usage.llmCostCentsThisMonth).toBeGreaterThan(0);
    expect(me.usage.llmBudgetUsedPercent).toBeGreaterThanOrEqual(0);
  });
});

describe("the 80 % budget warning", () => {
  it("is raised in /api/me from 80 % of the month's budget on", async () => {
    const a = await account(); // trial: €5.00
    const me = async () =>
      (
        (await (await api("/api/me", { cookie: a.cookie })).json()) as {
          usage: { llmBudgetWarning: boolean; llmBudgetUsedPercent: number };
        }
      ).usage;
    const spend = (microEur: number) =>
      env.DB.prepare(
        "INSERT INTO llm_usage (id, account_id, employee_id, model, prompt_tokens, completion_tokens, cost_micro_eur, stream, month, created_at) VALUES (?, ?, ?, 'fast', 1, 1, ?, 0, ?, ?)",
      )
        .bind(
          crypto.randomUUID(),
          a.accountId,
          a.employeeId,
          microEur,
          monthKey(Date.now()),
          Date.now(),
        )
        .run();
    await spend(3_990_000); // €3.99: 79.8 %
    expect(await me()).toMatchObject({ llmBudgetWarning: false, llmBudgetUsedPercent: 79.8 });
    await spend(10_000); // €4.00: 80 %
    expect(await me()).toMatchObject({ llmBudgetWarning: true, llmBudgetUsedPercent: 80 });
  });
});
