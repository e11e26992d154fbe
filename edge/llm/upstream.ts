import type { Config } from "../env.ts";
import { ApiError } from "../http/api-error.ts";
import type { Logger } from "../log/logger.ts";
import type { ModelSpec } from "./models.ts";

// What the gateway forwards: the client's request as it came (tools and every other field pass
// through), with our model name swapped for the provider's.
export interface UpstreamRequest {
  model: string;
  stream?: boolean;
  stream_options?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface UpstreamDeps {
  config: Config;
  log: Logger;
  models: ModelSpec[];
}

const unavailable = () =>
  new ApiError(
    503,
    "upstream_unavailable",
    "The AI provider is not answering right now. Please try again shortly.",
  );

// The primary model, and on a 5xx or no answer in time the configured fallback model. A client
// that went away aborts whichever call is running, headers or body.
export async function callWithFallback(
  deps: UpstreamDeps,
  req: UpstreamRequest,
  primary: ModelSpec,
  clientGone?: AbortSignal,
): Promise<{ model: ModelSpec; res: Response }> {
  try {
    const res = await callUpstream(deps.config, req, primary, clientGone);
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
  const fallback = deps.models.find((m) => m.id === deps.config.LLM_FALLBACK_MODEL);
  if (!fallback || fallback.id === primary.id) throw unavailable();
  try {
    const res = await callUpstream(deps.config, req, fallback, clientGone);
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new Error(`fallback answered ${res.status}`);
    }
    return { model: fallback, res };
  } catch (err) {
    deps.log.error("fallback model failed too", { model: fallback.id, error: String(err) });
    throw unavailable();
  }
}

async function callUpstream(
  config: Config,
  req: UpstreamRequest,
  model: ModelSpec,
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
  const body = {
    ...req,
    model: model.upstream,
    // Always ask for usage, so a streamed answer is metered from the provider's own count.
    ...(req.stream ? { stream_options: { ...req.stream_options, include_usage: true } } : {}),
  };
  try {
    return await fetch(`${config.LLM_UPSTREAM_URL.replace(/\/+$/, "")}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal,
    });
  } finally {
    clearTimeout(timer);
  }
}
