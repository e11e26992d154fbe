import type { Logger } from "../logger.ts";

// Refused requests are logged, but a flood of them must not become a flood of log lines (journald
// drops and rate-limits, and disks fill): at most LOG_BURST lines a second per server, then one
// line that says how many were left out.
export const LOG_BURST = 20;
export const LOG_WINDOW_MS = 1000;

export class ThrottledLog {
  private readonly log: Logger;
  private windowStart = 0;
  private count = 0;
  private suppressed = 0;

  constructor(log: Logger) {
    this.log = log;
  }

  warn(fields: Record<string, unknown>, msg: string): void {
    const now = Date.now();
    if (now - this.windowStart >= LOG_WINDOW_MS) {
      if (this.suppressed > 0)
        this.log.warn({ suppressed: this.suppressed }, "more refused requests were not logged");
      this.windowStart = now;
      this.count = 0;
      this.suppressed = 0;
    }
    if (this.count++ < LOG_BURST) this.log.warn(fields, msg);
    else this.suppressed++;
  }
}
