import { z } from "zod";
import { ApiError } from "../http/api-error.ts";
import type { ModelSpec } from "./models.ts";

// What a client may ask of the gateway: the fields of OpenAI's chat completions API an employee
// needs, each checked for type and range. Everything else is dropped (zod strips unknown keys at
// every level), because each extra field is a way to make an admitted request cost more than its
// reservation: more choices (`n`, refused unless 1), `service_tier: "priority"`, audio output,
// predicted outputs, web search, stored completions. Also dropped on purpose: `logit_bias` (can
// forbid the end of an answer), `user` (names an end user to the provider on our account),
// `logprobs`, `metadata`, deprecated `functions`, and message fields beyond the documented ones
// (e.g. a replayed `reasoning_content`).
const MAX_TOOLS = 128; // OpenAI's own limit
const MAX_STOP_SEQUENCES = 4;
const MAX_NAME_CHARS = 256;
const MAX_ID_CHARS = 256;
const MAX_CACHE_KEY_CHARS = 256;

const TextPart = z.object({ type: z.literal("text"), text: z.string() });
const ImagePart = z.object({
  type: z.literal("image_url"),
  image_url: z.object({
    url: z.string().min(1),
    detail: z.enum(["auto", "low", "high"]).optional(),
  }),
});
const RefusalPart = z.object({ type: z.literal("refusal"), refusal: z.string() });
// Audio and file parts are refused: their price is not what their bytes suggest.
const ContentPart = z.discriminatedUnion("type", [TextPart, ImagePart, RefusalPart]);

const FunctionName = z.object({ name: z.string().min(1).max(MAX_NAME_CHARS) });
const ToolCall = z.object({
  id: z.string().max(MAX_ID_CHARS),
  type: z.literal("function"),
  function: z.object({ name: z.string().max(MAX_NAME_CHARS), arguments: z.string() }),
});

const Message = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(ContentPart), z.null()]).optional(),
  name: z.string().max(MAX_NAME_CHARS).optional(),
  tool_calls: z.array(ToolCall).optional(),
  tool_call_id: z.string().max(MAX_ID_CHARS).optional(),
  refusal: z.string().nullable().optional(),
});

const JsonSchema = z.record(z.string(), z.unknown());
const Tool = z.object({
  type: z.literal("function"),
  function: FunctionName.extend({
    description: z.string().optional(),
    parameters: JsonSchema.optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

const ToolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), function: FunctionName }),
  z.object({
    type: z.literal("allowed_tools"),
    allowed_tools: z.object({
      mode: z.enum(["auto", "required"]),
      tools: z.array(z.object({ type: z.literal("function"), function: FunctionName })),
    }),
  }),
]);

const ResponseFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: FunctionName.extend({
      description: z.string().optional(),
      schema: JsonSchema.optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

const tokens = z.number().int().positive().nullable().optional();
const between = (min: number, max: number) => z.number().min(min).max(max).nullable().optional();

const ChatRequestSchema = z.object({
  model: z.string().min(1).max(200),
  messages: z.array(Message).min(1),
  tools: z.array(Tool).max(MAX_TOOLS).optional(),
  tool_choice: ToolChoice.optional(),
  parallel_tool_calls: z.boolean().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  temperature: between(0, 2),
  top_p: between(0, 1),
  stop: z
    .union([z.string(), z.array(z.string()).max(MAX_STOP_SEQUENCES)])
    .nullable()
    .optional(),
  presence_penalty: between(-2, 2),
  frequency_penalty: between(-2, 2),
  response_format: ResponseFormat.optional(),
  seed: z.number().int().nullable().optional(),
  // Reasoning tokens are part of the answer, so the cap below bounds them too.
  reasoning_effort: z
    .string()
    .regex(/^[a-z]{1,16}$/)
    .optional(),
  prompt_cache_key: z.string().max(MAX_CACHE_KEY_CHARS).optional(),
  max_tokens: tokens,
  max_completion_tokens: tokens,
  n: z
    .literal(1, { error: "must be 1: the gateway returns one choice per request" })
    .nullable()
    .optional(),
});
export type ChatRequest = z.infer<typeof ChatRequestSchema>;

export function parseChatRequest(raw: unknown): ChatRequest {
  const parsed = ChatRequestSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ApiError(
    400,
    "invalid_request",
    `Invalid request: ${issue?.path.join(".") || "body"} ${issue?.message ?? ""}`.trim(),
  );
}

// How many tokens the answer may have: what the client asked for, never more than the plan's cap.
export function completionCap(req: ChatRequest, planCap: number): number {
  const asked = [req.max_tokens, req.max_completion_tokens].filter((t): t is number => t != null);
  return Math.min(planCap, ...asked);
}

// The body sent to the provider for `model`: the allowlisted fields as parsed, the model's
// upstream name, the answer always capped, and a stream always asked for its usage chunk (the
// provider's own count is what metering prefers). Only one cap field is sent, since some
// providers refuse the other one: the model's configured field, else the one the client used.
export function upstreamBody(
  req: ChatRequest,
  model: ModelSpec,
  cap: number,
): Record<string, unknown> {
  const { max_tokens, max_completion_tokens, n, stream_options, ...fields } = req;
  const capField =
    model.maxTokensField ??
    (max_completion_tokens != null ? "max_completion_tokens" : "max_tokens");
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) if (value != null) body[name] = value;
  body.model = model.upstream;
  body[capField] = cap;
  if (req.stream) body.stream_options = { include_usage: true };
  return body;
}
