import type { AgentFrame, CommandFrame, Instance } from "../../edge/protocol/frames.ts";
import type { Logger } from "../logger.ts";
import { type EmployeeRuntime, RuntimeError } from "../runtime/employee-runtime.ts";

type Result = Extract<AgentFrame, { type: "result" }>;

// Applies commands to the runtime. The edge redelivers a command it has no result for (after a
// reconnect), so the same id may arrive while it is still running: it joins the run in flight.
// Different ids for the same work are safe because every runtime verb is idempotent.
export class CommandExecutor {
  private readonly inflight = new Map<string, Promise<Result>>();
  private readonly runtime: EmployeeRuntime;
  private readonly log: Logger;

  constructor(runtime: EmployeeRuntime, log: Logger) {
    this.runtime = runtime;
    this.log = log;
  }

  run(command: CommandFrame): Promise<Result> {
    const existing = this.inflight.get(command.id);
    if (existing) return existing;
    const running = this.execute(command).finally(() => this.inflight.delete(command.id));
    this.inflight.set(command.id, running);
    return running;
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.inflight.values()]);
  }

  get busy(): number {
    return this.inflight.size;
  }

  private async execute(command: CommandFrame): Promise<Result> {
    const log = this.log.child({
      commandId: command.id,
      employeeId: command.employeeId,
      command: command.type,
    });
    const started = Date.now();
    log.info("command received");
    try {
      let data: Instance | undefined;
      switch (command.type) {
        case "container.provision":
          data = await this.runtime.provision(command.spec);
          break;
        case "container.start":
          data = await this.runtime.start(command.employeeId);
          break;
        case "container.stop":
          data = await this.runtime.stop(command.employeeId);
          break;
        case "container.restart":
          data = await this.runtime.restart(command.employeeId);
          break;
        case "container.remove":
          await this.runtime.remove(command.employeeId);
          data = undefined;
          break;
      }
      log.info({ ms: Date.now() - started }, "command done");
      return data
        ? { type: "result", id: command.id, ok: true, data }
        : { type: "result", id: command.id, ok: true };
    } catch (err) {
      const e =
        err instanceof RuntimeError
          ? err
          : new RuntimeError("agent_error", err instanceof Error ? err.message : String(err), true);
      log.warn({ ms: Date.now() - started, code: e.code, err: e.message }, "command failed");
      return {
        type: "result",
        id: command.id,
        ok: false,
        error: { code: e.code, message: e.message.slice(0, 1000), retryable: e.retryable },
      };
    }
  }
}
