// Docker's events stream is newline-delimited JSON. A line longer than any real event (they are a
// few hundred bytes) is dropped as it arrives rather than buffered, so an endless line costs
// MAX_EVENT_LINE_BYTES of memory, not all of it.
export const MAX_EVENT_LINE_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

export class EventLines {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private discarding = false;
  private readonly onLine: (line: string) => void;
  private readonly onOverlong: () => void;

  constructor(onLine: (line: string) => void, onOverlong: () => void) {
    this.onLine = onLine;
    this.onOverlong = onOverlong;
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline < 0 ? chunk.length : newline;
      const piece = chunk.subarray(start, end);
      if (!this.discarding && this.pendingBytes + piece.length > MAX_EVENT_LINE_BYTES) {
        this.discarding = true;
        this.pending = [];
        this.pendingBytes = 0;
        this.onOverlong();
      }
      if (!this.discarding && piece.length) {
        this.pending.push(Buffer.from(piece));
        this.pendingBytes += piece.length;
      }
      if (newline < 0) return;
      if (!this.discarding) {
        const line = Buffer.concat(this.pending).toString().trim();
        if (line) this.onLine(line);
      }
      this.pending = [];
      this.pendingBytes = 0;
      this.discarding = false;
      start = newline + 1;
    }
  }
}
