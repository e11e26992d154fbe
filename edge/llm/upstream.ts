import type { Config } from "../env.ts";
import { ApiError } from "../http/api-error.ts";
import type { Logger } from "../log/logger.ts";
import type { ModelSpec } from "./models.ts";

export interface UpstreamDeps {
  config: Config;
  log: Logger;
}

// What the gateway learns of the calls it made for one request.
export interface Attempts {
  /** The model called last. */
  last?: ModelSpec;
  /** Calls our timeout cut off: the provider may have billed them all the same. */
  timedOut: ModelSpec[];
}

class UpstreamTimeout extends Error {}

export const upstreamUnavailable = () =>
  new ApiError(
    503,
    "upstream_unavailable",
    "The AI provider is not answering right now. Please try again shortly.",
  );

// The primary model, and on a 5xx or no answer in time the fallback model, when the request has
// one (the plan must include it). A client that went away aborts whichever call is running,
// headers or body. `bodyFor` builds each model's request, so the body names that model;
// `attempts` is filled in as the calls go.
export async function callWithFallback(
  deps: UpstreamDeps,
  bodyFor: (model: ModelSpec) => Record<string, unknown>,
  primary: ModelSpec,
  fallback: ModelSpec | undefined,
  attempts: Attempts,
  clientGone?: AbortSignal,
): Promise<{ model: ModelSpec; res: Response }> {
  const call = async (model: ModelSpec) => {
    attempts.last = model;
    try {
      return await callUpstream(deps.config, bodyFor(model), clientGone);
    } catch (err) {
      if (err instanceof UpstreamTimeout) attempts.timedOut.push(model);
      throw err;
    }
  };
  try {
    const res = await call(primary);
    if (res.status < 500) return { model: primary, res };
    deps.log.warn("upstream failed; trying the fallback model", {
      model: primary.id,
      status: res.status,
    });
    await res.body?.cancel();
  } catch (err) {
    if (clientGone?.aborted || err instanceof ApiError) throw err;
    deps.log.warn("upstream unreachable or slow; trying the fallback model", {
      model: primary.id,
      error: String(err),
    });
  }
  if (!fallback) throw upstreamUnavailable();
  try {
    const res = await call(fallback);
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new Error(`fallback answered ${res.status}`);
    }
    return { model: fallback, res };
  } catch (err) {
    if (clientGone?.aborted) throw err;
    deps.log.error("fallback model failed too", { model: fallback.id, error: String(err) });
    throw upstreamUnavailable();
  }
}

async function callUpstream(
  config: Config,
  body: Record<string, unknown>,
  clientGone?: AbortSignal,
): Promise<Response> {
  const key = config.LLM_UPSTREAM_KEY;
  if (!key) {
    throw new ApiError(
      503,
      "llm_not_configured",
      "The AI provider is not configured on this server.",
    );
  }
  // The timeout covers the wait for the response headers (a stream's first token) only; the
  // client's signal stays tied to the call for the whole body, so leaving mid-stream closes the
  // connection to the provider too.
  const timeout = new AbortController();
  const timer = setTimeout(
    () => timeout.abort(new Error("upstream timeout")),
    config.LLM_UPSTREAM_TIMEOUT_MS,
  );
  const signal = clientGone ? AbortSignal.any([clientGone, timeout.signal]) : timeout.signal;
  try {
    return await fetch(`${config.LLM_UPSTREAM_URL.replace(/\/+$/, "")}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (timeout.signal.aborted && !clientGone?.aborted) throw new UpstreamTimeout(String(err));
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
