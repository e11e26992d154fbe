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

// The last resort. Before the agent is up, a failure ends it (systemd restarts it). Once it
// serves, an error nothing caught is logged and the agent keeps serving: each server confines
// bad input to its one connection, so what reaches here is a bug on one request's path, and the
// agent keeps no state in memory that such a bug could leave half-written (Docker and the state
// folder hold it). Exiting instead would hand anyone who finds such a bug a way to cut every
// employee on the node off from chat, browser and model.
export function keepServing(log: Logger): () => void {
  let started = false;
  const onError = (kind: string) => (err: unknown) => {
    const fields = {
      kind,
      err: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    };
    if (!started) {
      log.fatal(fields, "the agent failed while starting");
      process.exit(1);
    }
    log.error(fields, "an error nothing handled; the agent keeps serving");
  };
  process.on("uncaughtException", onError("uncaughtException"));
  process.on("unhandledRejection", onError("unhandledRejection"));
  return () => {
    started = true;
  };
}
