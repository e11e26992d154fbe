import {
  type LogErr,
  type LogFields,
  type LogLevel,
  type LogLine,
  toLogErr,
} from "../protocol/log-fields.ts";

// One JSON object per line in the vocabulary the node agent shares (edge/protocol/log-fields.ts):
// `wrangler tail --format json` and any log drain can filter on requestId, userId, employeeId,
// nodeId and commandId without parsing prose, and an error is always `err: {message, code?, stack?}`.
export type { LogFields };

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export function createLogger(base: LogFields = {}): Logger {
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    const head: LogLine = { level, msg, time: new Date().toISOString(), service: "edge" };
    const all: Record<string, unknown> = { ...head, ...base, ...fields };
    if (all.err !== undefined) all.err = toLogErr(all.err);
    const line = JSON.stringify(all);
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.log(line);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger({ ...base, ...fields }),
  };
}

/** `{err: {message, code?, stack?}}` for a caught value, to spread into a line's fields. */
export function errorFields(err: unknown): { err: LogErr } {
  return { err: toLogErr(err) };
}
