import type { AutonomyLevel } from "../../edge/protocol/frames.ts";
import type { Logger } from "../logger.ts";
import type { EmployeeRuntime } from "../runtime/employee-runtime.ts";
import type { GatewayClient } from "./gateway-client.ts";
import { execPolicy, GATEWAY_PORT, STATE_DIR } from "./openclaw-config.ts";

// OpenClaw reloads a new tools.exec into its config but goes on deciding approvals by the policy
// it started with (seen with 2026.9.6: autonomous still asked, until a restart). So
// employee.configure's write is followed by a restart of its gateway (in-process, after the
// running work) when the exec policy changed, and only then. Until the control socket has
// greeted the new gateway, chat messages wait (settled): sent meanwhile, one met the old policy
// or was cut by the restart and ended empty and failed (seen in CI).

// How long employee.configure waits for OpenClaw to come back after a restart it asked for
// (about 13 s measured with the real image), and how often it looks.
const RESTART_WAIT_MS = 60_000;
const RESTART_POLL_MS = 100;

/** The employee's control socket, as the restart needs it (ControlRelay's). */
interface ControlSocket {
  client: Pick<GatewayClient, "request">;
  /** Hellos so far: one more once OpenClaw restarted and the socket dialled it again. */
  opens: number;
}

export interface ExecPolicyRestartsOptions {
  runtime: Pick<EmployeeRuntime, "endpoint" | "readFiles">;
  /** The employee's control socket, open (or a RuntimeError saying why not). */
  connected: (employeeId: string) => Promise<ControlSocket>;
  log: Logger;
  now: () => number;
}

export class ExecPolicyRestarts {
  private readonly opts: ExecPolicyRestartsOptions;
  /** Employees whose OpenClaw restarts for a new exec policy, until it is back. */
  private readonly restarting = new Map<string, Promise<void>>();

  constructor(opts: ExecPolicyRestartsOptions) {
    this.opts = opts;
  }

  /** employee.configure: `write` puts the files; OpenClaw restarts when the policy changed. */
  async configure(
    employeeId: string,
    autonomy: AutonomyLevel | undefined,
    write: () => Promise<void>,
  ): Promise<void> {
    const before = await this.execPolicyIn(employeeId);
    if (before === null || before === JSON.stringify(execPolicy(autonomy))) return write();
    // From here until OpenClaw is back, a chat message waits (settled): sent meanwhile it met the
    // old policy, or was cut by the restart and ended empty and failed.
    let done: () => void = () => undefined;
    this.restarting.set(employeeId, new Promise<void>((r) => (done = r)));
    try {
      await write();
      await this.restartFor(employeeId, autonomy);
    } finally {
      this.restarting.delete(employeeId);
      done();
    }
  }

  /** Resolves once a change of the employee's exec policy under way is applied (at once if none). */
  settled(employeeId: string): Promise<void> {
    return this.restarting.get(employeeId) ?? Promise.resolve();
  }

  private async restartFor(employeeId: string, autonomy: AutonomyLevel | undefined): Promise<void> {
    if (!(await this.opts.runtime.endpoint(employeeId, GATEWAY_PORT))) return; // applies at start
    try {
      const control = await this.opts.connected(employeeId);
      const opens = control.opens;
      await control.client.request("gateway.restart.request", {
        reason: "InstantWorker: the employee's autonomy changed",
      });
      this.opts.log.info({ employeeId, autonomy }, "exec policy changed: OpenClaw restarts");
      // OpenClaw restarts "momentarily", not before it answers: until it is back, the old policy
      // may still decide. The command ends when the socket has said hello to the new gateway.
      const started = this.opts.now();
      while (control.opens === opens && this.opts.now() - started < RESTART_WAIT_MS)
        await new Promise((r) => setTimeout(r, RESTART_POLL_MS));
      if (control.opens > opens)
        this.opts.log.info(
          { employeeId, autonomy, ms: this.opts.now() - started },
          "OpenClaw restarted with the new exec policy",
        );
      else this.opts.log.warn({ employeeId, autonomy }, "OpenClaw was not back within the wait");
    } catch (err) {
      this.opts.log.warn({ employeeId, err }, "exec policy changed but OpenClaw did not restart");
    }
  }

  // The tools.exec openclaw.json holds now (null: none yet, or unreadable).
  private async execPolicyIn(employeeId: string): Promise<string | null> {
    try {
      const read = await this.opts.runtime.readFiles(employeeId, `${STATE_DIR}/openclaw.json`, {
        maxEntries: 1,
        maxArchiveBytes: 1024 * 1024,
        maxFileBytes: 256 * 1024,
      });
      const raw = read.entries[0]?.content.toString("utf8");
      if (!raw) return null;
      const config = JSON.parse(raw) as { tools?: { exec?: unknown } } | null;
      return JSON.stringify(config?.tools?.exec ?? null);
    } catch {
      return null;
    }
  }
}
