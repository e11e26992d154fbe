import { z } from "zod";

// The log vocabulary of the edge and the node agent, imported by both loggers: one JSON object
// per line, the same level names, the same names for the same ids, and an error always as
// `err: {message, code?, stack?}`, so one filter (`employeeId == "…"`, `err.code == "…"`) finds a
// request, a person, an employee, a node or a command on either side.

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Which program wrote the line. */
export const LOG_SERVICES = ["edge", "node-agent"] as const;
export type LogService = (typeof LOG_SERVICES)[number];

export const LogErr = z.strictObject({
  message: z.string(),
  /** Ours (a runtime error code, a result code) or the platform's (ECONNREFUSED), when known. */
  code: z.string().optional(),
  stack: z.string().optional(),
});
export type LogErr = z.infer<typeof LogErr>;

/** The ids under these names only (a null id is one not known yet, e.g. a node before hello). */
export interface LogIds {
  requestId?: string | null;
  userId?: string | null;
  accountId?: string | null;
  employeeId?: string | null;
  nodeId?: string | null;
  commandId?: string | null;
}

/**
 * What a call may add to a line: the ids, `err` (any caught value: the logger writes it as a
 * LogErr), and anything else (method, status, ms, …).
 */
export type LogFields = LogIds & {
  err?: unknown;
  // The names each side used before: a line carrying them would hide from the shared filters.
  error?: never;
  errorName?: never;
  stack?: never;
  [field: string]: unknown;
};

const Id = z.string().min(1).nullable().optional();

/** Every line either logger writes parses with this; unknown extra fields ride along. */
export const LogLine = z.looseObject({
  level: z.enum(LOG_LEVELS),
  msg: z.string(),
  time: z.iso.datetime(),
  service: z.enum(LOG_SERVICES),
  requestId: Id,
  userId: Id,
  accountId: Id,
  employeeId: Id,
  nodeId: Id,
  commandId: Id,
  err: LogErr.optional(),
  error: z.never().optional(),
  errorName: z.never().optional(),
  stack: z.never().optional(),
});
export type LogLine = z.infer<typeof LogLine>;

/** Any thrown value as `err`: an Error (of this realm or not), a string, anything else. */
export function toLogErr(value: unknown): LogErr {
  if (typeof value === "object" && value !== null) {
    const { message, code, stack } = value as {
      message?: unknown;
      code?: unknown;
      stack?: unknown;
    };
    if (typeof message === "string") {
      return {
        message,
        ...(typeof code === "string" || typeof code === "number" ? { code: String(code) } : {}),
        ...(typeof stack === "string" ? { stack } : {}),
      };
    }
  }
  try {
    return { message: String(value) };
  } catch {
    // An object whose toString throws (or a null-prototype one) still leaves a line.
    return { message: Object.prototype.toString.call(value) };
  }
}
