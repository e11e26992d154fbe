import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { llmKeys, users } from "../../db/schema.ts";
import { hashToken } from "../auth/tokens.ts";
import { planById } from "../billing/plans.ts";
import { ApiError, tooManyRequests } from "../http/api-error.ts";
import type { Admission } from "../objects/budget-do.ts";
import { budgetStub } from "../objects/stubs.ts";
import type { Deps } from "../services/deps.ts";
import { monthKey, recordUsage } from "../services/llm-usage.ts";
import type { Limit } from "../services/rate-limits.ts";
import { KeyCache } from "./key-cache.ts";
import {
  CHARS_PER_TOKEN,
  type MeteredUsage,
  meterStream,
  type ProviderUsage,
} from "./metered-stream.ts";
import { AUTO, costMicroEur, type ModelSpec, parseModels } from "./models.ts";
import { promptChars, routeAuto } from "./route-model.ts";
import { callWithFallback } from "./upstream.ts";

// Counted by the account's BudgetDO, in the same call that admits the request.
export const LLM_PER_KEY: Limit = {
  name: "llm:key",
  limit: 300,
  windowMs: 60_000,
  what: "model requests from this employee",
};
// What a request is assumed to cost before the upstream says: its prompt at ~4 characters a
// token, and its answer at max_tokens or this many tokens.
export const DEFAULT_COMPLETION_ESTIMATE = 1_000;

export interface Caller {
  employeeId: string;
  userId: string;
  keyHash: string;
  plan: ReturnType<typeof planById>;
}

const invalidKey = () => new ApiError(401, "invalid_api_key", "Incorrect or revoked API key.");

// An employee key from an Authorization header, or undefined when it is not one of ours.
const bearerKey = (authorization: string | undefined) =>
  /^Bearer (iwk_[A-Za-z0-9_-]{20,200})$/.exec(authorization ?? "")?.[1];

const callers = new KeyCache<Caller>();

// Who a key belongs to. `cached` lets a request of the hot path use this isolate's recent lookup
// (see key-cache.ts): chat completions do, because the BudgetDO refuses revoked keys on the call
// that admits them; anything that is not followed by that call looks in D1.
export async function authenticate(
  deps: Deps,
  authorization: string | undefined,
  opts: { cached: boolean },
): Promise<Caller> {
  const key = bearerKey(authorization);
  if (!key) throw invalidKey();
  const keyHash = hashToken(key);
  const now = deps.now();
  const hit = opts.cached ? callers.get(keyHash, now) : undefined;
  if (hit) return hit;
  const row = await deps.db
    .select({ employeeId: llmKeys.employeeId, userId: llmKeys.userId, plan: users.plan })
    .from(llmKeys)
    .innerJoin(users, eq(users.id, llmKeys.userId))
    .where(and(eq(llmKeys.keyHash, keyHash), isNull(llmKeys.revokedAt)))
    .get();
  if (!row) {
    callers.delete(keyHash);
    throw invalidKey();
  }
  const caller = {
    employeeId: row.employeeId,
    userId: row.userId,
    keyHash,
    plan: planById(row.plan),
  };
  callers.set(keyHash, caller, now);
  return caller;
}

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

const ChatRequest = z
  .object({
    model: z.string().min(1).max(200),
    messages: z
      .array(
        z
          .object({
            role: z.string(),
            content: z.unknown().optional(),
            tool_calls: z.unknown().optional(),
          })
          .loose(),
      )
      .min(1),
    stream: z.boolean().optional(),
    tools: z.array(z.unknown()).optional(),
    max_tokens: z.number().int().positive().optional(),
    max_completion_tokens: z.number().int().positive().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).loose().optional(),
  })
  .loose();
type ChatRequest = z.infer<typeof ChatRequest>;

function resolveModel(deps: Deps, caller: Caller, req: ChatRequest): ModelSpec {
  if (!caller.plan.llmModels.includes(req.model)) {
    throw new ApiError(
      403,
      "model_not_allowed",
      `The model "${req.model}" is not included in the ${caller.plan.name} plan. Use one of: ${caller.plan.llmModels.join(", ")}.`,
    );
  }
  const id =
    req.model === AUTO
      ? routeAuto(req, deps.config.LLM_AUTO_CHEAP, deps.config.LLM_AUTO_STRONG)
      : req.model;
  const model = models(deps).find((m) => m.id === id);
  if (!model) throw new ApiError(404, "model_not_found", `The model "${id}" does not exist.`);
  return model;
}

function refusal(admission: Exclude<Admission, { ok: true }>, caller: Caller): ApiError {
  switch (admission.reason) {
    case "revoked_key":
      return invalidKey();
    case "rate_limited":
      return tooManyRequests(admission.retryAfterMs, LLM_PER_KEY.what);
    case "budget_exceeded":
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
  const parsed = ChatRequest.safeParse(rawBody);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(
      400,
      "invalid_request",
      `Invalid request: ${issue?.path.join(".") || "body"} ${issue?.message ?? ""}`.trim(),
    );
  }
  const req = parsed.data;
  const primary = resolveModel(deps, caller, req);
  const stream = req.stream === true;
  const log = deps.log.child({ employeeId: caller.employeeId, userId: caller.userId });

  // One call admits the request: the key is not revoked, within its rate limit, and the account's
  // budget has room for this request's worst case, which it reserves at once so concurrent
  // requests cannot spend the same euro twice.
  const estPrompt = Math.ceil(promptChars(req.messages) / CHARS_PER_TOKEN);
  const estCompletion = req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_COMPLETION_ESTIMATE;
  const now = deps.now();
  const month = monthKey(now);
  const budget = budgetStub(deps.env, caller.userId);
  let mark = Date.now();
  const admission = await budget.admit({
    keyHash: caller.keyHash,
    now,
    month,
    estimateMicroEur: costMicroEur(primary, estPrompt, estCompletion),
    budgetMicroEur: caller.plan.llmBudgetCentsPerMonth * 10_000,
    limit: LLM_PER_KEY.limit,
    windowMs: LLM_PER_KEY.windowMs,
  });
  timings.admit = Date.now() - mark;
  if (!admission.ok) throw refusal(admission, caller);

  const record = async (model: ModelSpec, usage: MeteredUsage) => {
    const cost = costMicroEur(model, usage.promptTokens, usage.completionTokens);
    await budget.settle(month, admission.reservationId, cost);
    if (usage.promptTokens + usage.completionTokens > 0) {
      await recordUsage(deps, {
        ...caller,
        model: model.id,
        ...usage,
        costMicroEur: cost,
        stream,
        month,
      });
    }
  };
  // Metering runs after the answer, never in its way; a failure is logged, not shown.
  const settle = (model: ModelSpec, usage: Promise<MeteredUsage> | MeteredUsage) =>
    opts.waitUntil(
      Promise.resolve(usage)
        .then((u) => record(model, u))
        .catch((err: unknown) => log.error("recording LLM usage failed", { error: String(err) })),
    );
  const nothing = { promptTokens: 0, completionTokens: 0 };
  // A provider that was given the prompt may bill it although no answer reached the client.
  const promptOnly = { promptTokens: estPrompt, completionTokens: 0 };

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
      { config: deps.config, log, models: models(deps) },
      req,
      primary,
      cut.signal,
    );
  } catch (err) {
    if (!cut.signal.aborted) {
      settle(primary, nothing);
      throw err;
    }
    settle(primary, promptOnly);
    throw closedByClient();
  }
  const { model, res } = attempt;
  timings.upstream = Date.now() - mark;
  if (!res.ok || !res.body) {
    // The upstream refused the request itself (4xx): pass its answer on, charge nothing.
    settle(model, nothing);
    return new Response(res.body, {
      status: res.status,
      headers: { "content-type": res.headers.get("content-type") ?? "application/json" },
    });
  }
  if (!stream) {
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      settle(model, promptOnly);
      if (cut.signal.aborted) throw closedByClient();
      throw err;
    }
    const usage = (JSON.parse(text) as { usage?: ProviderUsage }).usage;
    settle(model, {
      promptTokens: usage?.prompt_tokens ?? estPrompt,
      completionTokens: usage?.completion_tokens ?? 0,
    });
    return new Response(text, {
      status: 200,
      headers: { "content-type": "application/json", "server-timing": serverTiming(timings) },
    });
  }
  // Registered now, while the request is alive: work announced after a client left mid-stream
  // would not run.
  const { toClient, usage } = meterStream(res.body, estPrompt, leave);
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
