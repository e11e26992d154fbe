import type { z } from "zod";
import {
  ActivityItem,
  type AgentEvent,
  type ChatEvent,
  clip,
  MAX_TEXT_CHARS,
  messageText,
} from "./gateway-frames.ts";

// One chat run (a message sent, the answer streaming back) as the client hands it to its caller:
// OpenClaw's `chat` and `agent` events folded into a few plain events, and the queue the caller
// iterates. Pure: no socket here, so the folding is tested on frames alone.

export type RunEnd =
  | { type: "final"; text: string; truncated: boolean; stopReason?: string; recovered?: true }
  | { type: "aborted"; text: string; truncated: boolean; stopReason?: string }
  | {
      type: "error";
      message: string;
      text: string;
      truncated: boolean;
      /** OpenClaw's errorKind (rate_limit, timeout, …), or ours: disconnected, closed. */
      kind?: string;
      httpStatus?: number;
      /** What the provider said (OpenClaw's providerErrorMessagePreview): names a spent budget. */
      providerMessage?: string;
    };

export type RunEvent =
  /** Before the model says anything: preparing, starting the model, retrying after a 429. */
  | { type: "status"; phase: string; retry?: { attempt: number; maxAttempts: number } }
  /** The answer so far (the whole text, not the increment: OpenClaw may drop deltas). */
  | { type: "delta"; text: string; truncated: boolean }
  /** One line of tool activity ("read IDENTITY.md", running → completed). */
  | {
      type: "tool";
      itemId: string;
      phase: "start" | "update" | "end";
      kind: string;
      title: string;
      /** The tool's own name (read, exec, browser, web_search, …), when OpenClaw gave it. */
      name?: string;
      status?: "running" | "completed" | "failed" | "blocked";
      summary?: string;
      error?: string;
    }
  | RunEnd;

const isEnd = (e: RunEvent): e is RunEnd =>
  e.type === "final" || e.type === "aborted" || e.type === "error";

const cut = (text: string) =>
  text.length > MAX_TEXT_CHARS
    ? { text: text.slice(0, MAX_TEXT_CHARS), truncated: true }
    : { text, truncated: false };

/** What one run's events add up to. Events for other runs are the caller's to route away. */
export class RunFold {
  text = "";
  truncated = false;
  private lastSeq = -1;
  ended: RunEnd | undefined;

  chat(e: ChatEvent): RunEvent | undefined {
    if (this.ended) return undefined;
    switch (e.state) {
      case "status":
        if (e.seq < this.lastSeq) return undefined;
        return {
          type: "status",
          phase: e.phase,
          ...(e.retry
            ? { retry: { attempt: e.retry.attempt, maxAttempts: e.retry.maxAttempts } }
            : {}),
        };
      case "delta": {
        // Deltas are coalesced and may be dropped for a slow reader, and may come twice after a
        // reconnect: an older one never rolls the text back.
        if (e.seq < this.lastSeq) return undefined;
        this.lastSeq = e.seq;
        const whole = messageText(e.message);
        const next = whole.text ? whole : cut(e.replace ? e.deltaText : this.text + e.deltaText);
        if (next.text === this.text) return undefined;
        this.text = next.text;
        this.truncated = next.truncated;
        return { type: "delta", text: this.text, truncated: this.truncated };
      }
      case "final":
        return this.end({
          type: "final",
          ...this.settled(e.message),
          ...(e.stopReason ? { stopReason: e.stopReason } : {}),
        });
      case "aborted":
        return this.end({
          type: "aborted",
          ...this.settled(e.message),
          ...(e.stopReason ? { stopReason: e.stopReason } : {}),
        });
      case "error":
        return this.end({
          type: "error",
          message: clip(e.errorMessage?.trim() || "the run failed"),
          ...this.settled(e.message),
          ...(e.errorKind ? { kind: e.errorKind } : {}),
          ...(e.errorDetail?.httpStatus ? { httpStatus: e.errorDetail.httpStatus } : {}),
          ...(e.errorDetail?.providerErrorMessagePreview
            ? { providerMessage: clip(e.errorDetail.providerErrorMessagePreview) }
            : {}),
        });
    }
  }

  /** Tool activity from the `agent` event's item stream; nothing for its other streams. */
  agent(e: z.infer<typeof AgentEvent>): RunEvent | undefined {
    if (this.ended || e.stream !== "item") return undefined;
    const item = ActivityItem.safeParse(e.data);
    if (!item.success) return undefined;
    const i = item.data;
    return {
      type: "tool",
      itemId: clip(i.itemId, 200),
      phase: i.phase,
      kind: i.kind,
      title: clip(i.title),
      ...(i.name ? { name: i.name } : {}),
      ...(i.status ? { status: i.status } : {}),
      ...(i.summary ? { summary: clip(i.summary) } : {}),
      ...(i.error ? { error: clip(i.error) } : {}),
    };
  }

  /** Ends the run from outside the stream (the socket closed, the client was closed). */
  end(e: RunEnd): RunEnd | undefined {
    if (this.ended) return undefined;
    this.ended = e;
    return e;
  }

  // A terminal event's text: its own message when it has text, else what the deltas said.
  private settled(message: unknown): { text: string; truncated: boolean } {
    const own = messageText(message);
    return own.text ? own : { text: this.text, truncated: this.truncated };
  }
}

// A consumer that does not read must not make the client hold the whole stream: deltas carry
// the whole text, so only the newest waits; tool lines past this many are dropped.
export const MAX_QUEUED_EVENTS = 256;

/**
 * A run as the caller sees it: its id (the idempotency key), the events as an async iterator
 * (ending after final, aborted or error), and `done`, the end itself.
 */
export class RunHandle implements AsyncIterable<RunEvent> {
  readonly runId: string;
  readonly sessionKey: string;
  readonly fold = new RunFold();
  readonly done: Promise<RunEnd>;
  dropped = 0;
  private readonly queue: RunEvent[] = [];
  private wake: (() => void) | undefined;
  private settle!: (end: RunEnd) => void;
  private finished = false;

  constructor(runId: string, sessionKey: string) {
    this.runId = runId;
    this.sessionKey = sessionKey;
    this.done = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  get ended(): boolean {
    return this.fold.ended !== undefined;
  }

  /** Takes an event the fold produced (undefined is nothing). */
  push(e: RunEvent | undefined): void {
    if (!e || this.finished) return;
    const last = this.queue.at(-1);
    if (e.type === "delta" && last?.type === "delta") this.queue[this.queue.length - 1] = e;
    else if (!isEnd(e) && this.queue.length >= MAX_QUEUED_EVENTS) this.dropped++;
    else this.queue.push(e);
    if (isEnd(e)) {
      this.finished = true;
      this.settle(e);
    }
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RunEvent> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        if (isEnd(next)) return;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}
