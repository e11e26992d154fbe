import { pino } from "pino";

// JSON lines with the node, employee and command ids as fields, for journald and any log drain.
export type Logger = pino.Logger;

export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: "node-agent", ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
