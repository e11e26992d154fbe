import { z } from "zod";

// The models the gateway offers, by our own id: which upstream model each maps to and what it
// costs, in euros per million tokens (= micro-euros per token). LLM_MODELS (JSON) replaces the
// defaults; prices are what metering charges against the plan's budget.
export const ModelSpec = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  upstream: z.string().min(1),
  inputEurPerMTok: z.number().nonnegative(),
  outputEurPerMTok: z.number().nonnegative(),
  /**
   * The field that caps the answer when the client named none: `max_tokens` (the default, which
   * every OpenAI-compatible provider knows) or `max_completion_tokens` (OpenAI's reasoning
   * models accept only that one).
   */
  maxTokensField: z.enum(["max_tokens", "max_completion_tokens"]).optional(),
});
export type ModelSpec = z.infer<typeof ModelSpec>;

export const DEFAULT_MODELS: ModelSpec[] = [
  { id: "fast", upstream: "gpt-4o-mini", inputEurPerMTok: 0.15, outputEurPerMTok: 0.6 },
  { id: "strong", upstream: "gpt-4o", inputEurPerMTok: 2.5, outputEurPerMTok: 10 },
];

export const AUTO = "auto";

export function parseModels(json: string | undefined): ModelSpec[] {
  if (!json) return DEFAULT_MODELS;
  return z.array(ModelSpec).min(1).parse(JSON.parse(json));
}

// Whole micro-euros, rounded up: the budget never undercounts.
export function costMicroEur(
  model: ModelSpec,
  promptTokens: number,
  completionTokens: number,
): number {
  return Math.ceil(
    model.inputEurPerMTok * promptTokens + model.outputEurPerMTok * completionTokens,
  );
}
