import type { Logger } from "../logger.ts";
import type { EmployeeRuntime } from "../runtime/employee-runtime.ts";

// setTimeout's ceiling (longer delays fire at once).
const MAX_TIMER_MS = 2 ** 31 - 1;

// The chat's and the browser view's WebSockets, spliced through the proxy: each ends when the
// grant that admitted it expires (the app opens a fresh one before that), and when its employee's
// container stops or is removed, whatever the TCP connection to it still does.
export class LiveSockets {
  private readonly byEmployee = new Map<string, Set<() => void>>();
  private readonly unwatch: () => void;
  private readonly log: Logger;

  constructor(runtime: Pick<EmployeeRuntime, "watch">, log: Logger) {
    this.log = log;
    this.unwatch = runtime.watch((e) => {
      if (e.type === "stopped" || e.type === "removed") this.closeAll(e.employeeId, e.type);
    });
  }

  /** Ends `close` at `expiresAt` or with the employee; returns what to call once it closed. */
  add(employeeId: string, expiresAt: number, close: () => void): () => void {
    const set = this.byEmployee.get(employeeId) ?? new Set();
    this.byEmployee.set(employeeId, set);
    const timer = setTimeout(
      () => {
        this.log.info({ employeeId }, "access grant expired; closing its socket");
        close();
      },
      Math.min(MAX_TIMER_MS, Math.max(0, expiresAt - Date.now())),
    );
    timer.unref();
    set.add(close);
    return () => {
      clearTimeout(timer);
      set.delete(close);
      if (set.size === 0 && this.byEmployee.get(employeeId) === set)
        this.byEmployee.delete(employeeId);
    };
  }

  count(employeeId: string): number {
    return this.byEmployee.get(employeeId)?.size ?? 0;
  }

  close(): void {
    this.unwatch();
  }

  private closeAll(employeeId: string, why: string): void {
    const set = this.byEmployee.get(employeeId);
    if (!set?.size) return;
    this.log.info({ employeeId, sockets: set.size, why }, "closing the employee's sockets");
    for (const close of [...set]) close();
  }
}
