import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { llmKeys, users } from "../../db/schema.ts";
import { hashToken } from "../auth/tokens.ts";
import { planById } from "../billing/plans.ts";
import { ApiError } from "../http/api-error.ts";
import type { Deps } from "../services/deps.ts";
import { monthKey, recordUsage } from "../services/llm-usage.ts";
import type { Limit } from "../services/rate-limits.ts";
import { AUTO, costMicroEur, type ModelSpec, parseModels } from "./models.ts";
import { promptChars, routeAuto } from "./route-model.ts";

export const LLM_PER_KEY: Limit = {
  name: "llm:key",
  limit: 300,
  windowMs: 60_000,
  what: "model requests from this employee",
};
// What a request is assumed to cost before the upstream says: its prompt at ~4 characters a
// token, and its answer at max_tokens or this many tokens.
export const DEFAULT_COMPLETION_ESTIMATE = 1_000;
const CHARS_PER_TOKEN = 4;

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

export async function authenticate(deps: Deps, authorization: string | undefined): Promise<Caller> {
  const key = bearerKey(authorization);
  if (!key) throw invalidKey();
  const keyHash = hashToken(key);
  const row = await deps.db
    .select({ employeeId: llmKeys.employeeId, userId: llmKeys.userId, plan: users.plan })
    .from(llmKeys)
    .innerJoin(users, eq(users.id, llmKeys.userId))
    .where(and(eq(llmKeys.keyHash, keyHash), isNull(llmKeys.revokedAt)))
    .get();
  if (!row) throw invalidKey();
  return { employeeId: row.employeeId, userId: row.userId, keyHash, plan: planById(row.plan) };
}

// Counts a request against its key's rate limit; keys of the wrong form are left to authenticate.
export async function limitKey(deps: Deps, authorization: string | undefined): Promise<void> {
  const key = bearerKey(authorization);
  if (key) await deps.limits.take(LLM_PER_KEY, hashToken(key));
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

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

interface MeteredUsage {
  promptTokens: number;
  completionTokens: number;
}

interface Budget {
  month: string;
  reservationId: string;
}

export interface ChatOptions {
  waitUntil: (p: Promise<unknown>) => void;
  /** Aborts the upstream call when the client goes away. */
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
  let mark = Date.now();
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

  // Reserve before calling, so concurrent requests cannot spend the same euro twice.
  const estPrompt = Math.ceil(promptChars(req.messages) / CHARS_PER_TOKEN);
  const estCompletion = req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_COMPLETION_ESTIMATE;
  const month = monthKey(deps.now());
  const budgetMicro = caller.plan.llmBudgetCentsPerMonth * 10_000;
  const budgetStub = deps.env.BUDGET_DO.get(deps.env.BUDGET_DO.idFromName(caller.userId));
  mark = Date.now();
  const reservation = await budgetStub.reserve(
    month,
    costMicroEur(primary, estPrompt, estCompletion),
    budgetMicro,
  );
  timings.budget = Date.now() - mark;
  if (!reservation.ok || !reservation.reservationId) {
    throw new ApiError(
      429,
      "budget_exceeded",
      `This account has used its ${caller.plan.name} plan's AI budget of €${(caller.plan.llmBudgetCentsPerMonth / 100).toFixed(2)} for this month. Upgrade the plan, or wait for next month.`,
    );
  }
  const budget: Budget = { month, reservationId: reservation.reservationId };
  const record = async (model: ModelSpec, usage: MeteredUsage) => {
    const cost = costMicroEur(model, usage.promptTokens, usage.completionTokens);
    await budgetStub.settle(budget.month, budget.reservationId, cost);
    if (usage.promptTokens + usage.completionTokens > 0) {
      await recordUsage(deps, {
        ...caller,
        model: model.id,
        ...usage,
        costMicroEur: cost,
        stream,
        month: budget.month,
      });
    }
  };
  const failed = (err: unknown) =>
    deps.log.error("recording LLM usage failed", { error: String(err) });
  const settle = (model: ModelSpec, usage: MeteredUsage) =>
    opts.waitUntil(record(model, usage).catch(failed));

  let attempt: { model: ModelSpec; res: Response };
  mark = Date.now();
  try {
    attempt = await callWithFallback(deps, caller, req, primary, opts.signal);
  } catch (err) {
    settle(primary, { promptTokens: 0, completionTokens: 0 });
    throw err;
  }
  const { model, res } = attempt;
  timings.upstream = Date.now() - mark;
  if (!res.ok || !res.body) {
    // The upstream refused the request itself (4xx): pass its answer on, charge nothing.
    settle(model, { promptTokens: 0, completionTokens: 0 });
    return new Response(res.body, {
      status: res.status,
      headers: { "content-type": res.headers.get("content-type") ?? "application/json" },
    });
  }
  if (!stream) {
    const text = await res.text();
    const usage = (JSON.parse(text) as { usage?: Usage }).usage;
    settle(model, {
      promptTokens: usage?.prompt_tokens ?? estPrompt,
      completionTokens: usage?.completion_tokens ?? 0,
    });
    return new Response(text, {
      status: 200,
      headers: { "content-type": "application/json", "server-timing": serverTiming(timings) },
    });
  }
  // Registered now, while the request is alive: a client that leaves mid-stream ends the request,
  // and work only announced after that would not run.
  let deliver: (u: MeteredUsage) => void = () => {};
  const metered = new Promise<MeteredUsage>((resolve) => {
    deliver = resolve;
  });
  opts.waitUntil(metered.then((u) => record(model, u)).catch(failed));
  return new Response(meteredStream(res.body, deliver, estPrompt, opts.signal), {
    status: 200,
    headers: {
      "content-type": res.headers.get("content-type") ?? "text/event-stream",
      "cache-control": "no-cache",
      "server-timing": serverTiming(timings),
    },
  });
}

async function callWithFallback(
  deps: Deps,
  caller: Caller,
  req: ChatRequest,
  primary: ModelSpec,
  signal?: AbortSignal,
) {
  try {
    const res = await callUpstream(deps, req, primary, signal);
    if (res.status < 500) return { model: primary, res };
    deps.log.warn("upstream failed; trying the fallback model", {
      model: primary.id,
      status: res.status,
    });
    await res.body?.cancel();
  } catch (err) {
    if (signal?.aborted) throw err;
    deps.log.warn("upstream unreachable or slow; trying the fallback model", {
      model: primary.id,
      error: String(err),
    });
  }
  const fallback = models(deps).find((m) => m.id === deps.config.LLM_FALLBACK_MODEL);
  if (!fallback || fallback.id === primary.id) {
    throw new ApiError(
      503,
      "upstream_unavailable",
      "The AI provider is not answering right now. Please try again shortly.",
    );
  }
  try {
    const res = await callUpstream(deps, req, fallback, signal);
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new Error(`fallback answered ${res.status}`);
    }
    return { model: fallback, res };
  } catch (err) {
    deps.log.error("fallback model failed too", {
      model: fallback.id,
      error: String(err),
      employeeId: caller.employeeId,
    });
    throw new ApiError(
      503,
      "upstream_unavailable",
      "The AI provider is not answering right now. Please try again shortly.",
    );
  }
}

async function callUpstream(
  deps: Deps,
  req: ChatRequest,
  model: ModelSpec,
  signal?: AbortSignal,
): Promise<Response> {
  const key = deps.config.LLM_UPSTREAM_KEY;
  if (!key)
    throw new ApiError(
      503,
      "llm_not_configured",
      "The AI provider is not configured on this server.",
    );
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error("upstream timeout")),
    deps.config.LLM_UPSTREAM_TIMEOUT_MS,
  );
  const onAbort = () => controller.abort(new Error("client went away"));
  signal?.addEventListener("abort", onAbort);
  const body = {
    ...req,
    model: model.upstream,
    // Always ask for usage, so a streamed answer is metered from the provider's own count.
    ...(req.stream ? { stream_options: { ...req.stream_options, include_usage: true } } : {}),
  };
  try {
    return await fetch(`${deps.config.LLM_UPSTREAM_URL.replace(/\/+$/, "")}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

// Passes the upstream's bytes through untouched while reading the SSE events for the usage
// chunk; if the client goes away the upstream is cancelled, and what was streamed is metered.
function meteredStream(
  upstream: ReadableStream<Uint8Array>,
  done: (usage: MeteredUsage) => void,
  estPrompt: number,
  clientGone?: AbortSignal,
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let usage: Usage | undefined;
  let contentChars = 0;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    // Never 0 for a streamed answer: without the provider's count, estimate from what was sent.
    done({
      promptTokens: usage?.prompt_tokens ?? estPrompt,
      completionTokens:
        usage?.completion_tokens ?? Math.max(1, Math.ceil(contentChars / CHARS_PER_TOKEN)),
    });
  };
  // Workers end a request whose client left without cancelling this stream, so the request's
  // own signal is what says "meter what was sent and let the upstream go".
  clientGone?.addEventListener("abort", () => {
    finish();
    void reader.cancel("client went away").catch(() => undefined);
  });
  const scan = (chunk: Uint8Array) => {
    buffer += decoder.decode(chunk, { stream: true });
    let nl = buffer.indexOf("\n");
    while (nl >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf("\n");
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data === "[DONE]") continue;
      try {
        const event = JSON.parse(data) as {
          usage?: Usage | null;
          choices?: { delta?: { content?: string | null } }[];
        };
        if (event.usage) usage = event.usage;
        for (const c of event.choices ?? []) contentChars += c.delta?.content?.length ?? 0;
      } catch {
        // not JSON: still passed through, just not metered from
      }
    }
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done: end, value } = await reader.read();
          if (end) {
            controller.close();
            finish();
            return;
          }
          controller.enqueue(value);
          scan(value);
        } catch (err) {
          controller.error(err);
          finish();
        }
      },
      async cancel(reason) {
        finish();
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
