import {
  type AgentEvent,
  CHAT_FRAME_TEXT_CHARS,
  type ChatToolStep,
} from "../../edge/protocol/frames.ts";
import { type ChatFailure, failureOf } from "./chat-errors.ts";
import { toolStep } from "./chat-tool-steps.ts";
import type { RunEnd, RunEvent } from "./gateway-run.ts";

// One chat run's answer as chat.progress frames for the edge: the whole text so far (cut to
// CHAT_FRAME_TEXT_CHARS), the tool steps in plain words, and, once ended, how. A run's frames go
// out at most once per CHAT_PROGRESS_INTERVAL_MS while it streams (a model writes many deltas a
// second, and each frame carries the whole text); the newest state is what goes, and the end
// goes at once, after which nothing more does.

export type ChatProgressFrame = Extract<AgentEvent, { type: "chat.progress" }>;

/** At most ~4 frames a second per run while it streams. */
export const CHAT_PROGRESS_INTERVAL_MS = 250;
/** The steps a frame carries (the contract's cap): the newest ones. */
export const CHAT_FRAME_TOOLS = 50;
// The text's share of a frame (MAX_FRAME_BYTES is 256 KiB): CHAT_FRAME_TEXT_CHARS characters of
// CJK or emoji, or of escaped control characters, are more bytes than that, so the text is cut
// to this many bytes of JSON as well.
export const CHAT_FRAME_TEXT_BYTES = 192 * 1024;

/** The text cut to what a frame holds, in characters and in JSON bytes; never half a pair. */
export function fitText(text: string): { text: string; cut: boolean } {
  let t = text.length > CHAT_FRAME_TEXT_CHARS ? text.slice(0, CHAT_FRAME_TEXT_CHARS) : text;
  for (;;) {
    const bytes = Buffer.byteLength(JSON.stringify(t));
    if (bytes <= CHAT_FRAME_TEXT_BYTES) break;
    t = t.slice(0, Math.floor((t.length * CHAT_FRAME_TEXT_BYTES * 0.98) / bytes));
  }
  if (t.length < text.length && /[\uD800-\uDBFF]$/.test(t)) t = t.slice(0, -1);
  return { text: t, cut: t.length < text.length };
}

export interface ChatProgressOptions {
  employeeId: string;
  runId: string;
  send: (frame: ChatProgressFrame) => void;
  intervalMs?: number;
}

export class ChatProgress {
  private readonly opts: ChatProgressOptions;
  private readonly intervalMs: number;
  private text = "";
  private truncated = false;
  private readonly tools = new Map<string, ChatToolStep>();
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  /** The frame that ended the run, once it did. */
  ended: ChatProgressFrame | undefined;

  constructor(opts: ChatProgressOptions) {
    this.opts = opts;
    this.intervalMs = opts.intervalMs ?? CHAT_PROGRESS_INTERVAL_MS;
  }

  /** Takes one event of the run; an end is sent at once, anything else within the interval. */
  apply(e: RunEvent): void {
    if (this.ended) return;
    switch (e.type) {
      case "status":
        return;
      case "delta":
        this.text = e.text;
        this.truncated = e.truncated;
        break;
      case "tool": {
        const step = toolStep(e);
        this.tools.delete(step.id); // re-inserted: an updated step counts as recent
        this.tools.set(step.id, step);
        if (this.tools.size > CHAT_FRAME_TOOLS) {
          const oldest = this.tools.keys().next().value;
          if (oldest !== undefined) this.tools.delete(oldest);
        }
        break;
      }
      default:
        this.end(e);
        return;
    }
    this.dirty = true;
    this.schedule();
  }

  /** Ends the run from here (our own deadline, the client lost): sends that end now. */
  fail(failure: ChatFailure): void {
    this.finish("error", failure);
  }

  private end(e: RunEnd): void {
    if (e.text || e.type !== "error") {
      this.text = e.text;
      this.truncated = e.truncated;
    }
    const failure = failureOf(e);
    this.finish(failure ? "error" : e.type === "aborted" ? "aborted" : "final", failure);
  }

  private finish(state: "final" | "aborted" | "error", failure?: ChatFailure): void {
    if (this.ended) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    // A step still "running" when the answer is over did not report its end.
    for (const [id, step] of this.tools)
      if (step.status === "running") this.tools.set(id, { ...step, status: "done" });
    this.ended = this.frame(state, failure);
    this.opts.send(this.ended);
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = this.lastSentAt + this.intervalMs - Date.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  private flush(): void {
    if (!this.dirty || this.ended) return;
    this.dirty = false;
    this.lastSentAt = Date.now();
    this.opts.send(this.frame("streaming"));
  }

  private frame(state: ChatProgressFrame["state"], failure?: ChatFailure): ChatProgressFrame {
    const { text, cut } = fitText(this.text);
    return {
      type: "chat.progress",
      employeeId: this.opts.employeeId,
      containerId: null,
      runId: this.opts.runId,
      state,
      text,
      truncated: cut || this.truncated,
      tools: [...this.tools.values()],
      ...(failure ? { error: failure } : {}),
    };
  }
}
