import type { AgentEvent } from "../../edge/protocol/frames.ts";

type Progress = Extract<AgentEvent, { type: "snapshot.progress" }>;
export type RestorePhase = "downloading" | "swapping" | "starting";

/** The contract's bound: at most one snapshot.progress per employee per second. */
export const PROGRESS_INTERVAL_MS = 1_000;

// snapshot.progress for one restore, at most once a second: a report within the second after the
// last is held, and the latest held one goes out when the second is over (a phase change is never
// lost, only delayed). close() drops what is still held: the result says the rest.
export class RestoreProgress {
  private readonly send: (frame: Progress) => void;
  private readonly base: Pick<Progress, "employeeId" | "snapshotId">;
  private lastSent = 0;
  private held: Progress | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(send: (frame: Progress) => void, base: { employeeId: string; snapshotId: string }) {
    this.send = send;
    this.base = base;
  }

  report(phase: RestorePhase, bytesDone: number, bytesTotal: number | null): void {
    this.held = {
      type: "snapshot.progress",
      containerId: null,
      ...this.base,
      phase,
      bytesDone,
      bytesTotal,
    };
    const wait = this.lastSent + PROGRESS_INTERVAL_MS - Date.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.held = null;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const frame = this.held;
    this.held = null;
    if (!frame) return;
    this.lastSent = Date.now();
    this.send(frame);
  }
}
