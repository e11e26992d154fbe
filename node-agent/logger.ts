import { pino } from "pino";
import { type LogLevel, toLogErr } from "../edge/protocol/log-fields.ts";

// JSON lines in the vocabulary the edge shares (edge/protocol/log-fields.ts), for journald and any
// log drain: level names rather than pino's numbers, the same id names, and `err` always as
// {message, code?, stack?} whatever a call site passes under it (an Error, a string, …).
export type Logger = pino.Logger;

// pino's two extra levels fold into the shared four; nothing in the agent logs at either, but a
// line must never carry a level the edge's filters do not know.
const LEVEL_NAMES: Record<pino.Level, LogLevel> = {
  trace: "debug",
  debug: "debug",
  info: "info",
  warn: "warn",
  error: "error",
  fatal: "error",
};

export function createLogger(
  level: string,
  base: Record<string, unknown> = {},
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: "node-agent", ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: LEVEL_NAMES[label as pino.Level] ?? "info" }),
    },
    serializers: { err: toLogErr },
  };
  return destination ? pino(options, destination) : pino(options);
}

// The last resort. Before the agent is up, a failure ends it (systemd restarts it). Once it
// serves, an error nothing caught is logged and the agent keeps serving: each server confines
// bad input to its one connection, so what reaches here is a bug on one request's path, and the
// agent keeps no state in memory that such a bug could leave half-written (Docker and the state
// folder hold it). Exiting instead would hand anyone who finds such a bug a way to cut every
// employee on the node off from chat, browser and model.
export function keepServing(log: Logger): () => void {
  let started = false;
  const onError = (kind: string) => (err: unknown) => {
    if (!started) {
      log.error({ kind, err }, "the agent failed while starting");
      process.exit(1);
    }
    log.error({ kind, err }, "an error nothing handled; the agent keeps serving");
  };
  process.on("uncaughtException", onError("uncaughtException"));
  process.on("unhandledRejection", onError("unhandledRejection"));
  return () => {
    started = true;
  };
}
