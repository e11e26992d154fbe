import { ApiError, tooManyRequests } from "../http/api-error.ts";
import type { Admission } from "../objects/budget-do.ts";
import { budgetStub } from "../objects/stubs.ts";
import type { Deps } from "../services/deps.ts";
import { announceBudgetNotice } from "../services/employee-budget-notices.ts";
import { monthKey, recordUsage } from "../services/llm-usage.ts";
import type { Limit } from "../services/rate-limits.ts";
import type { Caller } from "./caller.ts";
import { invalidKey } from "./caller.ts";
import { type ChatRequest, completionCap, parseChatRequest, upstreamBody } from "./chat-request.ts";
import {
  CHARS_PER_TOKEN,
  type MeteredUsage,
  meterStream,
  type ProviderUsage,
} from "./metered-stream.ts";
import { AUTO, costMicroEur, type ModelSpec, parseModels } from "./models.ts";
import { promptSize } from "./prompt-size.ts";
import { providerRefusal } from "./provider-error.ts";
import { routeAutoWithin } from "./route-model.ts";
import { type Attempts, callWithFallback, upstreamUnavailable } from "./upstream.ts";

// Counted by the account's BudgetDO, in the same call that admits the request.
export const LLM_PER_KEY: Limit = {
  name: "llm:key",
  limit: 300,
  windowMs: 60_000,
  what: "model requests from this employee",
};

let modelCache: { json: string | undefined; models: ModelSpec[] } | undefined;
function models(deps: Deps): ModelSpec[] {
  if (!modelCache || modelCache.json !== deps.config.LLM_MODELS) {
    modelCache = { json: deps.config.LLM_MODELS, models: parseModels(deps.config.LLM_MODELS) };
  }
  return modelCache.models;
}

export function listModels(deps: Deps, caller: Caller) {
  const known = new Set(models(deps).map((m) => m.id));
  const ids = caller.plan.llmModels.filter((id) => id === AUTO || known.has(id));
  return {
    object: "list",
    data: ids.map((id) => ({ id, object: "model", created: 0, owned_by: "instantworker" })),
  };
}

const notInPlan = (caller: Caller, model: string) =>
  new ApiError(
    403,
    "model_not_allowed",
    `The model "${model}" is not included in the ${caller.plan.name} plan. Use one of: ${caller.plan.llmModels.join(", ")}.`,
  );

// The models a request may really be sent to: the one asked for (or the one `auto` picks among
// the plan's), and the fallback when the plan includes it too.
function route(
  deps: Deps,
  caller: Caller,
  req: ChatRequest,
): { primary: ModelSpec; fallback?: ModelSpec } {
  const allowed = caller.plan.llmModels;
  if (!allowed.includes(req.model)) throw notInPlan(caller, req.model);
  const { LLM_AUTO_CHEAP, LLM_AUTO_STRONG, LLM_FALLBACK_MODEL } = deps.config;
  const id =
    req.model === AUTO ? routeAutoWithin(req, LLM_AUTO_CHEAP, LLM_AUTO_STRONG, allowed) : req.model;
  if (!id)
    throw new ApiError(
      403,
      "model_not_allowed",
      `The ${caller.plan.name} plan includes no model "${AUTO}" routes to. Use one of: ${allowed.join(", ")}.`,
    );
  const primary = models(deps).find((m) => m.id === id);
  if (!primary) throw new ApiError(404, "model_not_found", `The model "${id}" does not exist.`);
  const fallback = allowed.includes(LLM_FALLBACK_MODEL)
    ? models(deps).find((m) => m.id === LLM_FALLBACK_MODEL && m.id !== primary.id)
    : undefined;
  return fallback ? { primary, fallback } : { primary };
}

function refusal(admission: Exclude<Admission, { ok: true }>, caller: Caller): ApiError {
  switch (admission.reason) {
    case "revoked_key":
      return invalidKey();
    case "rate_limited":
      return tooManyRequests(admission.retryAfterMs, LLM_PER_KEY.what);
    case "budget_exceeded":
      // The employee's own budget (issue 18) is refused the same way; the sentence, which OpenClaw
      // passes on to the chat as the failed answer's text, says whose budget it is.
      if (admission.scope === "employee")
        return new ApiError(
          429,
          "budget_exceeded",
          `This employee has used its own AI budget of €${(admission.limitMicroEur / 1_000_000).toFixed(2)} for this month. The account's owner can raise it; otherwise it works again next month.`,
        );
      return new ApiError(
        429,
        "budget_exceeded",
        `This account has used its ${caller.plan.name} plan's AI budget of €${(caller.plan.llmBudgetCentsPerMonth / 100).toFixed(2)} for this month. Upgrade the plan, or wait for next month.`,
      );
  }
}

export interface ChatOptions {
  waitUntil: (p: Promise<unknown>) => void;
  /** Aborts the upstream call, headers or body, when the client goes away. */
  signal?: AbortSignal;
  /** Phases measured before this call (ms), reported with the rest in Server-Timing. */
  timings?: Record<string, number>;
}

// Where a request's time went, for operators and the benchmark (a standard header).
const serverTiming = (t: Record<string, number>) =>
  Object.entries(t)
    .map(([name, ms]) => `${name};dur=${ms}`)
    .join(", ");

export async function chatCompletions(
  deps: Deps,
  caller: Caller,
  rawBody: unknown,
  opts: ChatOptions,
): Promise<Response> {
  const timings: Record<string, number> = { ...opts.timings };
  const req = parseChatRequest(rawBody);
  const { primary, fallback } = route(deps, caller, req);
  const stream = req.stream === true;
  const log = deps.log.child({ employeeId: caller.employeeId, accountId: caller.accountId });

  // One call admits the request: the key is not revoked, within its rate limit, and the account's
  // budget has room for this request's worst case, which it reserves at once so concurrent
  // requests cannot spend the same euro twice. The worst case is the whole prompt, counted so it
  // is never below the provider's count, and the capped answer, on each model it may be sent to
  // (a call our timeout cut off may have been billed, and then the fallback runs too); so one
  // request never costs more than it reserved, and the budget is overshot by at most the one
  // request admitted last.
  const cap = completionCap(req, caller.plan.llmMaxCompletionTokens);
  const prompt = promptSize(req);
  const worstCase = (m: ModelSpec) => costMicroEur(m, prompt.worstCaseTokens, cap);
  const now = deps.now();
  const month = monthKey(now);
  const budget = budgetStub(deps.env, caller.accountId);
  const employeeBudgetMicroEur =
    caller.employeeBudgetCents === null ? null : caller.employeeBudgetCents * 10_000;
  let mark = Date.now();
  const admission = await budget.admit({
    keyHash: caller.keyHash,
    now,
    month,
    estimateMicroEur: worstCase(primary) + (fallback ? worstCase(fallback) : 0),
    budgetMicroEur: caller.plan.llmBudgetCentsPerMonth * 10_000,
    limit: LLM_PER_KEY.limit,
    windowMs: LLM_PER_KEY.windowMs,
    employeeId: caller.employeeId,
    employeeBudgetMicroEur,
  });
  timings.admit = Date.now() - mark;
  if (!admission.ok) {
    // The first refusal of the month by the employee's own budget tells the owner (and a channel).
    if (admission.reason === "budget_exceeded" && admission.notice)
      opts.waitUntil(
        announceBudgetNotice(deps, caller, month, {
          notice: admission.notice,
          spentMicroEur: admission.spentMicroEur,
          limitMicroEur: admission.limitMicroEur,
        }),
      );
    throw refusal(admission, caller);
  }

  // A provider that was given the prompt may bill it although no answer reached the client; one
  // asked for a whole answer at once may have generated all of it before we stopped waiting.
  const unseenAnswer = { promptTokens: prompt.estimatedTokens, completionTokens: stream ? 0 : cap };
  const attempts: Attempts = { timedOut: [] };
  const record = async (model: ModelSpec, usage: MeteredUsage) => {
    const charges = [
      ...attempts.timedOut.map((m) => ({ model: m, usage: unseenAnswer })),
      { model, usage },
    ].filter((c) => c.usage.promptTokens + c.usage.completionTokens > 0);
    const costs = charges.map((c) =>
      costMicroEur(c.model, c.usage.promptTokens, c.usage.completionTokens),
    );
    const settled = await budget.settle(
      month,
      admission.reservationId,
      costs.reduce((a, b) => a + b, 0),
      caller.employeeId,
      employeeBudgetMicroEur,
    );
    for (const [i, c] of charges.entries()) {
      await recordUsage(deps, {
        ...caller,
        model: c.model.id,
        ...c.usage,
        costMicroEur: costs[i] ?? 0,
        stream,
        month,
      });
    }
    // This request took the employee past 80 % or 100 % of its own budget: the notices, once;
    // after its usage rows, so what D1 says of the budget (the views, the schedules' pause)
    // includes it.
    if (settled.employee) await announceBudgetNotice(deps, caller, month, settled.employee);
  };
  // Metering runs after the answer, never in its way; a failure is logged, not shown.
  const settle = (model: ModelSpec, usage: Promise<MeteredUsage> | MeteredUsage) =>
    opts.waitUntil(
      Promise.resolve(usage)
        .then((u) => record(model, u))
        .catch((err: unknown) => log.error("recording LLM usage failed", { err })),
    );
  const nothing = { promptTokens: 0, completionTokens: 0 };

  // Ends the provider's call, headers or body: when the request's signal says the client left
  // (while we wait for the provider), or when the stream's relay finds it gone.
  const cut = new AbortController();
  const leave = () => cut.abort(new Error("client went away"));
  opts.signal?.addEventListener("abort", leave);
  const closedByClient = () =>
    new ApiError(400, "client_closed_request", "The client closed the request before the answer.");
  let attempt: { model: ModelSpec; res: Response };
  mark = Date.now();
  try {
    attempt = await callWithFallback(
      { config: deps.config, log },
      (model) => upstreamBody(req, model, cap),
      primary,
      fallback,
      attempts,
      cut.signal,
    );
  } catch (err) {
    if (!cut.signal.aborted) {
      settle(primary, nothing);
      throw err;
    }
    settle(attempts.last ?? primary, unseenAnswer);
    throw closedByClient();
  }
  const { model, res } = attempt;
  timings.upstream = Date.now() - mark;
  if (!res.ok || !res.body) {
    // The provider refused the request itself (4xx): charge nothing, say why in our own words.
    settle(model, nothing);
    throw await providerRefusal(res, log);
  }
  if (!stream) {
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      settle(model, unseenAnswer);
      if (cut.signal.aborted) throw closedByClient();
      throw err;
    }
    let answer: { usage?: ProviderUsage; choices?: unknown };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      settle(model, unseenAnswer);
      log.error("the AI provider's answer is not JSON", { model: model.id });
      throw upstreamUnavailable();
    }
    settle(model, {
      promptTokens: answer.usage?.prompt_tokens ?? prompt.estimatedTokens,
      completionTokens:
        answer.usage?.completion_tokens ??
        Math.ceil(JSON.stringify(answer.choices ?? "").length / CHARS_PER_TOKEN),
    });
    return new Response(text, {
      status: 200,
      headers: { "content-type": "application/json", "server-timing": serverTiming(timings) },
    });
  }
  // Registered now, while the request is alive: work announced after a client left mid-stream
  // would not run.
  const { toClient, usage } = meterStream(res.body, prompt.estimatedTokens, leave);
  settle(model, usage);
  return new Response(toClient, {
    status: 200,
    headers: {
      "content-type": res.headers.get("content-type") ?? "text/event-stream",
      "cache-control": "no-cache",
      "server-timing": serverTiming(timings),
    },
  });
}
