import type { ChatErrorCode } from "../../edge/contract/chat.ts";
import type { RunEnd } from "./gateway-run.ts";

// Why an answer failed, as one of the contract's CHAT_ERROR_CODES, from how OpenClaw ended the
// run. OpenClaw reports a failing provider two ways (docs/openclaw-gateway.md, "Errors"): a
// `final` whose text is a "⚠️ …" sentence, or an `error` with errorKind and the provider's status
// and message. Our LLM gateway refuses a spent budget with 429 `budget_exceeded` ("…has used its
// … plan's AI budget…"; a 402 would mean the same), which OpenClaw passes on only as text.

export const ERROR_MESSAGE_CHARS = 1_000;

export interface ChatFailure {
  code: ChatErrorCode;
  message: string;
}

const BUDGET = /budget_exceeded|\bAI budget\b|budget (?:is )?(?:spent|exhausted|exceeded)|\b402\b/i;
const NO_MODEL =
  /not configured|no_provider|Unknown model|No API key found|no model (?:is )?configured/i;
// OpenClaw's own failure sentences start with the warning sign.
const WARNING = /^\s*⚠️?/u;

/** The code a failure sentence names; model_error when it names nothing more specific. */
export function classifyFailure(...texts: (string | undefined)[]): ChatErrorCode {
  const said = texts.filter(Boolean).join("\n");
  if (BUDGET.test(said)) return "budget_exceeded";
  if (NO_MODEL.test(said)) return "no_model";
  return "model_error";
}

/** A final answer that is really OpenClaw telling of a failure ("⚠️ API rate limit reached…"). */
export const isFailureText = (text: string): boolean => WARNING.test(text);

/** How a run that ended with `error` failed; undefined for final and aborted. */
export function failureOf(end: RunEnd): ChatFailure | undefined {
  const message = (s: string) => s.trim().slice(0, ERROR_MESSAGE_CHARS) || "the answer failed";
  if (end.type === "aborted") return undefined;
  if (end.type === "final")
    return isFailureText(end.text)
      ? { code: classifyFailure(end.text), message: message(end.text) }
      : undefined;
  // The socket to OpenClaw went (container stopped, client closed) and the run was lost.
  if (end.kind === "disconnected" || end.kind === "closed")
    return { code: "unreachable", message: message(end.message) };
  if (end.httpStatus === 402) return { code: "budget_exceeded", message: message(end.message) };
  return {
    code: classifyFailure(end.message, end.providerMessage, end.text),
    message: message(end.providerMessage ?? end.message),
  };
}
