// The `auto` alias: short, plain turns go to the cheap model; long conversations, tool use or a
// large answer budget go to the strong one. Deliberately simple and explainable.
export const AUTO_STRONG_PROMPT_CHARS = 6_000;
export const AUTO_STRONG_MAX_TOKENS = 2_000;
export const AUTO_STRONG_TURNS = 12;

export interface RoutingInput {
  messages: { content?: unknown; tool_calls?: unknown }[];
  tools?: unknown[];
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
}

export function promptChars(messages: RoutingInput["messages"]): number {
  let n = 0;
  for (const m of messages)
    n += typeof m.content === "string" ? m.content.length : JSON.stringify(m.content ?? "").length;
  return n;
}

export function routeAuto(req: RoutingInput, cheap: string, strong: string): string {
  const toolHeavy = (req.tools?.length ?? 0) > 0 || req.messages.some((m) => m.tool_calls);
  const long =
    promptChars(req.messages) > AUTO_STRONG_PROMPT_CHARS || req.messages.length > AUTO_STRONG_TURNS;
  const bigAnswer = (req.max_completion_tokens ?? req.max_tokens ?? 0) > AUTO_STRONG_MAX_TOKENS;
  return toolHeavy || long || bigAnswer ? strong : cheap;
}

// `auto` within a plan: the model the rule picks if the plan includes it, else the other one if
// the plan includes that; undefined when the plan has neither. The plan's allowlist is about the
// model really called, so `auto` is never a way around it.
export function routeAutoWithin(
  req: RoutingInput,
  cheap: string,
  strong: string,
  allowed: readonly string[],
): string | undefined {
  const wanted = routeAuto(req, cheap, strong);
  return [wanted, wanted === strong ? cheap : strong].find((id) => allowed.includes(id));
}
