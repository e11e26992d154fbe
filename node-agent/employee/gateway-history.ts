import { type ChatHistoryResult, clip, messageText, messageTools } from "./gateway-frames.ts";
import type { RunEvent } from "./gateway-run.ts";

// chat.history as the client hands it on: OpenClaw's transcript rows (user, assistant, tool
// results, each with its own content shape) projected to plain messages, and what a history
// page says about a run the client lost sight of during a reconnect. Pure.

export interface HistoryMessage {
  /** OpenClaw's message id (__openclaw.id), when it gave one. */
  id?: string;
  /** The run an assistant's last row of a turn ended (__openclaw.runId: the idempotency key). */
  runId?: string;
  role: "user" | "assistant" | "tool" | "other";
  text: string;
  truncated: boolean;
  timestamp?: number;
  /** An assistant message's stop reason ("error" marks a failed turn whose text says why). */
  stopReason?: string;
  /** The tools an assistant message called, by name. */
  tools?: string[];
}

export interface HistoryPage {
  sessionKey: string;
  messages: HistoryMessage[];
  /** Older messages exist: ask again with offset = nextOffset. */
  hasMore: boolean;
  nextOffset?: number;
  totalMessages?: number;
}

const ROLES: Record<string, HistoryMessage["role"]> = {
  user: "user",
  assistant: "assistant",
  toolResult: "tool",
  tool_result: "tool",
  tool: "tool",
};

type Row = {
  role?: unknown;
  timestamp?: unknown;
  stopReason?: unknown;
  __openclaw?: { id?: unknown; runId?: unknown };
};

export function projectMessage(row: unknown): HistoryMessage | undefined {
  if (!row || typeof row !== "object") return undefined;
  const r = row as Row;
  const role = (typeof r.role === "string" && ROLES[r.role]) || "other";
  const { text, truncated } = messageText(row);
  const tools = role === "assistant" ? messageTools(row) : [];
  const id = r.__openclaw && typeof r.__openclaw.id === "string" ? r.__openclaw.id : undefined;
  const runId =
    r.__openclaw && typeof r.__openclaw.runId === "string" ? r.__openclaw.runId : undefined;
  return {
    ...(id ? { id: clip(id, 200) } : {}),
    ...(runId ? { runId: clip(runId, 256) } : {}),
    role,
    text,
    truncated,
    ...(typeof r.timestamp === "number" && Number.isFinite(r.timestamp)
      ? { timestamp: r.timestamp }
      : {}),
    ...(typeof r.stopReason === "string" ? { stopReason: clip(r.stopReason, 200) } : {}),
    ...(tools.length ? { tools } : {}),
  };
}

export function projectHistory(result: ChatHistoryResult): HistoryPage {
  return {
    sessionKey: result.sessionKey,
    messages: result.messages.flatMap((m) => projectMessage(m) ?? []),
    hasMore: result.hasMore === true,
    ...(result.nextOffset !== undefined ? { nextOffset: result.nextOffset } : {}),
    ...(result.totalMessages !== undefined ? { totalMessages: result.totalMessages } : {}),
  };
}

/**
 * What the newest history page says about a run whose events may have been missed while the
 * socket was down: still running (its buffered text so far, if any), or over, with the last
 * assistant message as its end. Undefined: running, and nothing new to say.
 */
export function runFromHistory(runId: string, result: ChatHistoryResult): RunEvent | undefined {
  const inFlight = result.inFlightRun?.runId === runId ? result.inFlightRun : undefined;
  if (inFlight || result.sessionInfo?.activeRunIds?.includes(runId)) {
    const text = inFlight?.text ? messageText({ content: inFlight.text }) : undefined;
    return text?.text ? { type: "delta", ...text } : undefined;
  }
  // The run is over. Its answer is the assistant's row OpenClaw marked with the run's id; rows
  // without such marks (older versions): the newest row if that is the assistant's. Anything else
  // (the person's message last, a tool's result, other runs' answers) means this page does not
  // show one.
  const rows = result.messages.map(projectMessage).filter((m) => m !== undefined);
  const marked = rows.some((m) => m.runId);
  const last = marked
    ? rows.findLast((m) => m.role === "assistant" && m.runId === runId)
    : rows.at(-1);
  if (last?.role !== "assistant")
    return {
      type: "error",
      message: "the run ended while the client was away, without an answer in the history",
      text: "",
      truncated: false,
      kind: "disconnected",
    };
  const { text, truncated } = last;
  if (last.stopReason === "error")
    return { type: "error", message: clip(text || "the run failed"), text, truncated };
  if (last.stopReason === "aborted")
    return { type: "aborted", text, truncated, stopReason: "aborted" };
  return {
    type: "final",
    text,
    truncated,
    ...(last.stopReason ? { stopReason: last.stopReason } : {}),
    recovered: true,
  };
}
