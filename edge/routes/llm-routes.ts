import { Hono } from "hono";
import { ApiError } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { clientIp } from "../http/client-ip.ts";
import { MAX_JSON_BODY_BYTES } from "../http/validate.ts";
import { authenticate } from "../llm/caller.ts";
import { chatCompletions, listModels } from "../llm/gateway.ts";

// The OpenAI-compatible gateway the employees' OpenClaw talks to, with their own keys.
export const llmRoutes = new Hono<AppEnv>();

// Prompts with long histories are larger than the API's JSON bodies.
export const MAX_CHAT_BODY_BYTES = 64 * MAX_JSON_BODY_BYTES;

llmRoutes.get("/models", async (c) => {
  const caller = await authenticate(c.var.deps, {
    authorization: c.req.header("authorization"),
    ip: clientIp(c),
    cached: false,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
  });
  return c.json(listModels(c.var.deps, caller));
});

llmRoutes.post("/chat/completions", async (c) => {
  const started = Date.now();
  const caller = await authenticate(c.var.deps, {
    authorization: c.req.header("authorization"),
    ip: clientIp(c),
    cached: true,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
  });
  const authMs = Date.now() - started;
  c.set("log", c.var.log.child({ employeeId: caller.employeeId, accountId: caller.accountId }));
  const text = await c.req.text();
  if (text.length > MAX_CHAT_BODY_BYTES)
    throw new ApiError(413, "body_too_large", "The request body is too large.");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_json", "The request body is not valid JSON.");
  }
  return chatCompletions(c.var.deps, caller, body, {
    waitUntil: (p) => c.executionCtx.waitUntil(p),
    signal: c.req.raw.signal,
    timings: { auth: authMs },
  });
});
