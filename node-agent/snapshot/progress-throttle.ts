// snapshot.progress at most once a second per snapshot (the edge fans it out to dashboards):
// reports in between are dropped, and the last one is sent when the work ends.

export type SnapshotPhase = "archiving" | "uploading";
export const PROGRESS_INTERVAL_MS = 1000;

type Sink = (phase: SnapshotPhase, bytesDone: number, bytesTotal: number | null) => void;

export class ProgressThrottle {
  private readonly sink: Sink;
  private readonly intervalMs: number;
  private lastSent = Number.NEGATIVE_INFINITY;
  private last: Parameters<Sink> | null = null;

  constructor(sink: Sink, intervalMs = PROGRESS_INTERVAL_MS) {
    this.sink = sink;
    this.intervalMs = intervalMs;
  }

  report(phase: SnapshotPhase, bytesDone: number, bytesTotal: number | null): void {
    this.last = [phase, bytesDone, bytesTotal];
    const now = Date.now();
    if (now - this.lastSent < this.intervalMs) return;
    this.lastSent = now;
    this.sink(...this.last);
    this.last = null;
  }

  /** Sends the report held back, if it may go now. */
  flush(): void {
    if (this.last && Date.now() - this.lastSent >= this.intervalMs) {
      this.lastSent = Date.now();
      this.sink(...this.last);
    }
    this.last = null;
  }
}
