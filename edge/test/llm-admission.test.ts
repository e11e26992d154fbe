import { describe, expect, it } from "vitest";
import { planById } from "../billing/plans.ts";
import {
  account,
  chat,
  errorCode,
  settledSpend,
  spend,
  spent,
  standIn,
  usageRows,
  user,
} from "./llm-helpers.ts";

// Admission is worst-case honest: what reaches the provider is what was priced, and no request
// costs more than it reserved. Each test attacks one way around that.

const TRIAL_BUDGET = planById("trial").llmBudgetCentsPerMonth * 10_000;
const TRIAL_CAP = planById("trial").llmMaxCompletionTokens;

const search = {
  type: "function",
  function: {
    name: "search",
    description: "Searches the web and returns the best pages with their text.",
    parameters: {
      type: "object",
      properties: {
        q: { type: "string", description: "What to look for, in plain words." },
        site: { type: "string", description: "Only pages of this site, e.g. example.com." },
        max_results: { type: "integer", minimum: 1, maximum: 20 },
      },
      required: ["q"],
    },
  },
};

describe("what is forwarded", () => {
  it("sends the provider only the allowlisted fields, with the answer capped by the plan", async () => {
    const a = await account();
    const res = await chat(a.key, {
      model: "fast",
      messages: [
        { role: "system", content: "Be brief.", cache_control: { type: "ephemeral" } },
        { role: "user", content: [{ type: "text", text: "hi" }], reasoning_content: "replayed" },
      ],
      tools: [search],
      tool_choice: "auto",
      parallel_tool_calls: false,
      temperature: 0.5,
      top_p: 0.9,
      stop: ["END"],
      presence_penalty: 0.1,
      frequency_penalty: 0.1,
      response_format: { type: "text" },
      seed: 7,
      reasoning_effort: "low",
      prompt_cache_key: "employee-1",
      n: 1,
      // Each of these is dropped: more output, dearer service, or not ours to send.
      store: true,
      service_tier: "priority",
      metadata: { a: "b" },
      modalities: ["text", "audio"],
      audio: { voice: "alloy", format: "mp3" },
      prediction: { type: "content", content: "a long predicted answer" },
      web_search_options: {},
      functions: [{ name: "f", parameters: {} }],
      function_call: "auto",
      logprobs: true,
      top_logprobs: 5,
      logit_bias: { "50256": -100 },
      user: "someone@example.com",
    });
    expect(res.status).toBe(200);
    const sent = (await standIn()).lastRequest;
    expect(Object.keys(sent).sort()).toEqual(
      [
        "model",
        "messages",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "temperature",
        "top_p",
        "stop",
        "presence_penalty",
        "frequency_penalty",
        "response_format",
        "seed",
        "reasoning_effort",
        "prompt_cache_key",
        "max_tokens",
      ].sort(),
    );
    expect(sent.model).toBe("mock-fast");
    expect(sent.max_tokens).toBe(TRIAL_CAP);
    expect(sent.messages.map((m) => Object.keys(m).sort())).toEqual([
      ["content", "role"],
      ["content", "role"],
    ]);
  });

  it("caps max_tokens and max_completion_tokens at the plan's limit, and sends one even when none was asked", async () => {
    expect(TRIAL_CAP).toBeGreaterThan(0);
    const trial = await account("trial");
    const pro = await account("pro");
    const sent = async (key: string, body: Record<string, unknown>) => {
      expect((await chat(key, { model: "fast", messages: user("hi"), ...body })).status).toBe(200);
      const { max_tokens, max_completion_tokens } = (await standIn()).lastRequest;
      return { max_tokens, max_completion_tokens };
    };
    expect(await sent(trial.key, {})).toEqual({ max_tokens: TRIAL_CAP });
    expect(await sent(trial.key, { max_tokens: 1_000_000 })).toEqual({ max_tokens: TRIAL_CAP });
    expect(await sent(trial.key, { max_completion_tokens: 100 })).toEqual({
      max_completion_tokens: 100,
    });
    expect(await sent(trial.key, { max_tokens: 50, max_completion_tokens: 1_000_000 })).toEqual({
      max_completion_tokens: 50,
    });
    expect(await sent(pro.key, {})).toEqual({
      max_tokens: planById("pro").llmMaxCompletionTokens,
    });
    // The provider stops there, so the answer costs no more than was reserved for it.
    const long = await chat(trial.key, { model: "fast", messages: user("agent:20000") });
    expect(((await long.json()) as { usage: { completion_tokens: number } }).usage).toMatchObject({
      completion_tokens: TRIAL_CAP,
    });
  });

  it("refuses n other than 1 and parts it cannot price, before anything is reserved or sent", async () => {
    const a = await account();
    const before = await standIn();
    for (const body of [
      { n: 3 },
      { n: 0 },
      { n: "2" },
      { messages: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }] },
      { tools: [{ type: "custom", custom: { name: "x" } }] },
    ]) {
      const res = await chat(a.key, { model: "fast", messages: user("hi"), ...body });
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe("invalid_request");
    }
    expect((await standIn()).calls).toEqual(before.calls);
    expect(await spent(a.accountId)).toBe(0);
  });
});

describe("which model is called", () => {
  it("routes auto only to models the plan includes: a trial never reaches the strong model", async () => {
    const a = await account("trial");
    const before = (await standIn()).calls["mock-strong"] ?? 0;
    // Tool use is what sends auto to the strong model.
    const res = await chat(a.key, { model: "auto", messages: user("hi"), tools: [search] });
    expect(res.status).toBe(200);
    const after = await standIn();
    expect(after.lastRequest.model).toBe("mock-fast");
    expect(after.calls["mock-strong"] ?? 0).toBe(before);
    expect((await usageRows(a.employeeId))[0]?.model).toBe("fast");
  });

  it("falls back only to a model the plan includes", async () => {
    const a = await account("trial");
    const before = (await standIn()).calls["mock-strong"] ?? 0;
    const res = await chat(
      a.key,
      { model: "fast", messages: user("fail-mock-fast") },
      { envOverride: { LLM_FALLBACK_MODEL: "strong" } },
    );
    expect(res.status).toBe(503);
    expect(await errorCode(res)).toBe("upstream_unavailable");
    expect((await standIn()).calls["mock-strong"] ?? 0).toBe(before);
  });

  it("prices the reservation at the dearest model the request may be sent to, the fallback included", async () => {
    // Room for many capped answers of the fast model, not for one of the strong model.
    const room = 100_000;
    const pro = planById("pro");
    expect(pro.llmMaxCompletionTokens * 0.6 * 3).toBeLessThan(room);
    expect(pro.llmMaxCompletionTokens * 10).toBeGreaterThan(room);
    const whileOneStreams = async (override: Partial<Cloudflare.Env>) => {
      const a = await account("pro");
      await spend(a.accountId, pro.llmBudgetCentsPerMonth * 10_000 - room);
      const first = await chat(
        a.key,
        { model: "fast", messages: user("long"), stream: true },
        { envOverride: override },
      );
      expect(first.status).toBe(200);
      const reader = first.body?.getReader();
      await reader?.read();
      const second = await chat(
        a.key,
        { model: "fast", messages: user("hi") },
        { envOverride: override },
      );
      await reader?.cancel();
      return second.status;
    };
    expect(await whileOneStreams({})).toBe(200);
    expect(await whileOneStreams({ LLM_FALLBACK_MODEL: "strong" })).toBe(429);
  });
});

describe("what is metered", () => {
  it("meters every streamed token of a client that leaves: reasoning and tool-call arguments too", async () => {
    const a = await account("pro");
    const before = (await standIn()).aborted;
    // 50 reasoning deltas, 50 of text, then a tool call whose arguments stream.
    const res = await chat(a.key, {
      model: "fast",
      messages: user("agent:200@20ms"),
      stream: true,
    });
    const reader = res.body?.getReader();
    const decoder = new TextDecoder();
    let seen = "";
    while (!seen.includes('"arguments":"a40 "')) {
      const { done, value } = (await reader?.read()) ?? { done: true, value: undefined };
      if (done) break;
      seen += decoder.decode(value, { stream: true });
    }
    await reader?.cancel();
    expect(seen).toContain('"reasoning_content":"r0 "');
    expect(seen).toContain('"reasoning":"r1 "');
    // Every delta event the client was sent but the first (the role).
    const deltas = seen.split("\n").filter((l) => l.startsWith("data: {")).length - 1;
    expect(deltas).toBeGreaterThanOrEqual(140);
    const [row] = await usageRows(a.employeeId);
    expect(row?.completion_tokens).toBeGreaterThanOrEqual(deltas);
    expect(row?.completion_tokens).toBeLessThan(200);
    expect((await standIn()).aborted).toBeGreaterThan(before);
  });
});

describe("the provider's errors", () => {
  it("reach the client in our error shape only: a short sanitised message, no keys, links or headers", async () => {
    const a = await account();
    const res = await chat(a.key, { model: "fast", messages: user("reject") });
    expect(res.status).toBe(400);
    expect(res.headers.get("openai-organization")).toBeNull();
    expect(res.headers.get("x-request-id")).not.toBe("req_standin");
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body)).toEqual(["error"]);
    expect(Object.keys(body.error).sort()).toEqual(["code", "message"]);
    expect(body.error.code).toBe("upstream_rejected");
    const message = String(body.error.message);
    expect(message).toContain("maximum context length is 128000 tokens");
    expect(message.length).toBeLessThanOrEqual(250);
    for (const secret of ["sk-proj", "org-StandIn", "https://", "\n"])
      expect(message).not.toContain(secret);
    expect(await spent(a.accountId)).toBe(0);
  });

  it("turn the provider refusing our own key into 503, never the client's 401", async () => {
    const a = await account();
    const res = await chat(
      a.key,
      { model: "fast", messages: user("hi") },
      { envOverride: { LLM_UPSTREAM_KEY: "sk-wrong-key-of-ours" } },
    );
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: "upstream_unavailable" } });
    expect(text).not.toMatch(/Incorrect API key|sk-wr|platform\.openai/);
  });
});

describe("a trial's budget under 300 concurrent agent requests", () => {
  it("ends with the recorded spend over the budget by at most one request's worth", async () => {
    const a = await account("trial");
    const left = 100_000; // €0.10 of the trial's €5
    // The provider's first byte may take long under this load: the production default, not the
    // tests' short timeout (a timed-out call is charged as if answered in full, which is honest
    // but not what this test is about).
    const patient = { envOverride: { LLM_UPSTREAM_TIMEOUT_MS: "30000" } };
    await spend(a.accountId, TRIAL_BUDGET - left);
    const strongBefore = (await standIn()).calls["mock-strong"] ?? 0;
    // A turn deep into an agent's work: tool calls and results full of symbols (many tokens per
    // character), tools with schemas, no max_tokens, and an answer longer than any cap.
    const symbols = "{[(<'\":;,.|/\\>)]}!?#%&*+=-~^`@$".repeat(40);
    const messages = [
      { role: "system", content: `You are an agent. ${symbols}` },
      { role: "user", content: "Find the thing." },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "search", arguments: JSON.stringify({ q: symbols }) },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: JSON.stringify({ pages: [symbols] }) },
      { role: "user", content: "agent:8000" },
    ];
    const tools = [search, { ...search, function: { ...search.function, name: "fetch" } }];
    // Most wait for the whole answer; some stream it; some of those leave after a few chunks, so
    // the provider's usage chunk never arrives.
    const request = async (i: number) => {
      const stream = i >= 260;
      const res = await chat(a.key, { model: "auto", messages, tools, stream }, patient);
      if (res.status !== 200) return { status: res.status, code: await errorCode(res) };
      if (i >= 265) {
        const reader = res.body?.getReader();
        await reader?.read();
        await reader?.read();
        await reader?.cancel();
      } else await res.text();
      return { status: res.status, code: null };
    };
    const many = (n: number) => chat(a.key, { model: "auto", messages, tools, n }, patient);
    const [answers, refusedN] = await Promise.all([
      Promise.all(Array.from({ length: 300 }, (_, i) => request(i))),
      Promise.all([2, 5, 16, 128].map(many)),
    ]);

    // Answered, refused for the budget, or (a provider too slow under this load) given up on
    // after the provider may have billed it, which is charged.
    const other = answers.filter((x) => ![200, 429].includes(x.status));
    for (const x of other) expect(`${x.status} ${x.code}`).toBe("503 upstream_unavailable");
    const refused = answers.filter((x) => x.status === 429);
    for (const x of refused) expect(x.code).toBe("budget_exceeded");

    const recorded = await settledSpend(a.accountId);
    const rows = await usageRows(a.employeeId);
    const metered = rows.reduce((n, row) => n + row.cost_micro_eur, 0);
    expect(recorded).toBe(TRIAL_BUDGET - left + metered);
    // One request is one row here: the trial's fallback is its only model, so nothing is retried.
    const oneRequest = Math.max(...rows.map((row) => row.cost_micro_eur));
    expect(recorded - TRIAL_BUDGET).toBeLessThanOrEqual(oneRequest);

    expect(rows.length).toBeGreaterThanOrEqual(300 - refused.length - other.length);
    expect(answers.filter((x) => x.status === 200).length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.model).toBe("fast");
      expect(row.completion_tokens).toBeLessThanOrEqual(TRIAL_CAP);
    }
    expect((await standIn()).calls["mock-strong"] ?? 0).toBe(strongBefore);
    for (const r of refusedN) {
      expect(r.status).toBe(400);
      expect(await errorCode(r)).toBe("invalid_request");
    }
  }, 120_000);
});
