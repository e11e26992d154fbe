import type { CommandFrame, ResultFrame } from "../protocol/frames.ts";
import { ASK_TIMEOUT_MS } from "./node-timeouts.ts";

// Questions for the agent (memory.read) in flight: in memory only, since their askers wait on
// this very NodeDO instance. Sent now, never queued, answered within ASK_TIMEOUT_MS or not at
// all: the caller is waiting, so there is no one to redeliver to.
export class NodeQuestions {
  private readonly waiting = new Map<string, (result: ResultFrame) => void>();

  ask(frame: CommandFrame, send: () => void): Promise<ResultFrame> {
    return new Promise<ResultFrame>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(frame.id);
        resolve(unanswered(frame, "timeout", "The employee's server did not answer in time."));
      }, ASK_TIMEOUT_MS);
      this.waiting.set(frame.id, (result) => {
        clearTimeout(timer);
        this.waiting.delete(frame.id);
        resolve(result);
      });
      send();
    });
  }

  /** Hands a result to the question it answers; false when it answers none (a command's). */
  answer(result: ResultFrame): boolean {
    const asked = this.waiting.get(result.id);
    if (!asked) return false;
    asked(result);
    return true;
  }
}

export function unanswered(frame: CommandFrame, code: string, message: string): ResultFrame {
  return { type: "result", id: frame.id, ok: false, error: { code, message, retryable: true } };
}
