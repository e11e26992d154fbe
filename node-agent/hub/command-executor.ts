import type {
  AgentFrame,
  CommandFrame,
  EmployeeSpec,
  Instance,
  MemoryFile,
  SnapshotResult,
} from "../../edge/protocol/frames.ts";
import type { ChatRelay } from "../employee/chat-relay.ts";
import type { ControlRelay } from "../employee/control-relay.ts";
import type { KnowledgeSync } from "../employee/knowledge-sync.ts";
import type { WorkspaceExporter } from "../employee/workspace-export.ts";
import type { EmployeeKeys } from "../llm-relay/employee-keys.ts";
import type { Logger } from "../logger.ts";
import { type EmployeeRuntime, RuntimeError } from "../runtime/employee-runtime.ts";
import type { TarEntry } from "../runtime/tar.ts";
import { SerialByKey } from "../serial-by-key.ts";
import { RestoreFailure, type SnapshotRestorer } from "../snapshot/snapshot-restorer.ts";
import type { SnapshotTaker } from "../snapshot/snapshot-taker.ts";

export interface EmployeeFiles {
  /** The rendered workspace and openclaw.json for a spec. */
  configure(spec: EmployeeSpec): Promise<TarEntry[]>;
  knowledge: Pick<KnowledgeSync, "sync" | "readMemory">;
  /** Where the relay finds each employee's gateway key (never in the container). */
  keys?: Pick<EmployeeKeys, "put" | "delete">;
  /** Archives and uploads a workspace for an account export. */
  workspaces?: Pick<WorkspaceExporter, "export">;
  /** Relays chat messages to the employee's OpenClaw and its answers back. */
  chat?: Pick<ChatRelay, "send" | "abort" | "forget">;
  /** Puts an employee's state back from a snapshot (container.restore). */
  restores?: Pick<SnapshotRestorer, "restore">;
  /** Takes snapshots of employees' state to the edge (issue 16). */
  snapshots?: Pick<SnapshotTaker, "create">;
  /** Approvals and scheduled work with the employee's OpenClaw (issue 18). */
  control?: Pick<ControlRelay, "ensure" | "resolve" | "sync" | "forget"> &
    Partial<Pick<ControlRelay, "configure">>;
}

// Commands that read or change an employee's container or state as a whole run one at a time per
// employee: a snapshot must not meet a stop, a start or a restore of the same employee halfway.
// Chats, memory reads and exports go on beside them.
const ONE_AT_A_TIME = new Set<CommandFrame["type"]>([
  "container.provision",
  "container.start",
  "container.stop",
  "container.restart",
  "container.remove",
  "employee.configure",
  "snapshot.create",
  // A restore spans several runtime verbs (stop, swap, provision): nothing else of that employee
  // may run between them.
  "container.restore",
]);

type Result = Extract<AgentFrame, { type: "result" }>;

// Applies commands to the runtime. The edge redelivers a command it has no result for (after a
// reconnect), so the same id may arrive while it is still running: it joins the run in flight.
// Different ids for the same work are safe because every runtime verb is idempotent.
export class CommandExecutor {
  private readonly inflight = new Map<string, Promise<Result>>();
  private readonly runtime: EmployeeRuntime;
  private readonly log: Logger;
  private readonly files: EmployeeFiles | undefined;
  private readonly perEmployee = new SerialByKey();

  constructor(runtime: EmployeeRuntime, log: Logger, files?: EmployeeFiles) {
    this.runtime = runtime;
    this.log = log;
    this.files = files;
  }

  run(command: CommandFrame): Promise<Result> {
    const existing = this.inflight.get(command.id);
    if (existing) return existing;
    const running = (
      ONE_AT_A_TIME.has(command.type)
        ? this.perEmployee.run(command.employeeId, () => this.execute(command))
        : this.execute(command)
    ).finally(() => this.inflight.delete(command.id));
    this.inflight.set(command.id, running);
    return running;
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.inflight.values()]);
  }

  get busy(): number {
    return this.inflight.size;
  }

  private requireFiles(): EmployeeFiles {
    if (!this.files)
      throw new RuntimeError("unsupported", "this agent does not manage employee files", false);
    return this.files;
  }

  /** Containers the agent removed on its own (orphans) take their keys with them. */
  forgetKey(employeeId: string): void {
    this.files?.keys?.delete(employeeId);
    void this.files?.chat?.forget(employeeId, { removed: true });
    void this.files?.control?.forget(employeeId, { removed: true });
  }

  private requireControl(): NonNullable<EmployeeFiles["control"]> {
    const control = this.files?.control;
    if (!control)
      throw new RuntimeError("unsupported", "this agent does not relay approvals", false);
    return control;
  }

  private requireChat(): NonNullable<EmployeeFiles["chat"]> {
    const chat = this.files?.chat;
    if (!chat) throw new RuntimeError("unsupported", "this agent does not relay chats", false);
    return chat;
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
      let memory: MemoryFile[] | undefined;
      let snapshot: SnapshotResult | undefined;
      switch (command.type) {
        case "container.provision":
          sameEmployee(command.employeeId, command.spec);
          // Kept before the container starts, so its first model call already has a key.
          if (command.spec.llm) this.files?.keys?.put(command.employeeId, command.spec.llm.apiKey);
          data = await this.runtime.provision(command.spec, command.generation);
          this.files?.control?.ensure(command.employeeId);
          break;
        case "container.start":
          data = await this.runtime.start(command.employeeId);
          this.files?.control?.ensure(command.employeeId);
          break;
        case "container.stop":
          data = await this.runtime.stop(command.employeeId);
          await this.files?.chat?.forget(command.employeeId);
          break;
        case "container.restart":
          data = await this.runtime.restart(command.employeeId);
          this.files?.control?.ensure(command.employeeId);
          break;
        case "container.remove":
          await this.runtime.remove(command.employeeId);
          this.files?.keys?.delete(command.employeeId);
          // Its OpenClaw and the pairing with it are gone: so is the device key the agent proved.
          await this.files?.chat?.forget(command.employeeId, { removed: true });
          await this.files?.control?.forget(command.employeeId, { removed: true });
          data = undefined;
          break;
        case "container.restore": {
          sameEmployee(command.employeeId, command.spec);
          const restores = this.files?.restores;
          if (!restores)
            throw new RuntimeError("unsupported", "this agent does not restore snapshots", false);
          if (command.spec.llm) this.files?.keys?.put(command.employeeId, command.spec.llm.apiKey);
          const { snapshotId, mode, spec, generation } = command;
          data = await restores
            .restore({ employeeId: command.employeeId, snapshotId, mode, spec, generation })
            .catch((err: unknown) => {
              // A fresh restore that failed left nothing of the employee here: nor its key.
              if (err instanceof RestoreFailure && !err.rolledBack && mode === "fresh")
                this.files?.keys?.delete(command.employeeId);
              throw err;
            })
            .finally(() => void this.files?.chat?.forget(command.employeeId));
          break;
        }
        case "employee.configure": {
          sameEmployee(command.employeeId, command.spec);
          const entries = await this.requireFiles().configure(command.spec);
          const write = () => this.runtime.writeFiles(command.employeeId, entries);
          // A changed exec policy (autonomy) needs OpenClaw restarted: the control relay knows.
          const control = this.files?.control;
          if (control?.configure)
            await control.configure(command.employeeId, command.spec.autonomy, write);
          else await write();
          break;
        }
        case "knowledge.sync":
          await this.requireFiles().knowledge.sync(
            command.employeeId,
            command.accountId,
            command.own,
            command.shared,
          );
          break;
        case "memory.read":
          memory = await this.requireFiles().knowledge.readMemory(command.employeeId);
          break;
        case "workspace.export": {
          const workspaces = this.requireFiles().workspaces;
          if (!workspaces)
            throw new RuntimeError("unsupported", "this agent does not export workspaces", false);
          await workspaces.export(command.employeeId, command.exportId);
          break;
        }
        case "snapshot.create": {
          const snapshots = this.files?.snapshots;
          if (!snapshots)
            throw new RuntimeError("unsupported", "this agent does not take snapshots", false);
          snapshot = await snapshots.create(command);
          break;
        }
        // Ok once OpenClaw took the message; the answer follows as chat.progress events.
        case "chat.send":
          await this.requireChat().send(command);
          break;
        case "chat.abort":
          await this.requireChat().abort(command);
          break;
        // Ok once OpenClaw took the decision; its approval.resolved event follows.
        case "approval.resolve":
          await this.requireControl().resolve(command);
          break;
        case "schedules.sync":
          await this.requireControl().sync(command);
          break;
      }
      log.info({ ms: Date.now() - started }, "command done");
      return {
        type: "result",
        id: command.id,
        ok: true,
        ...(data ? { data } : {}),
        ...(memory ? { memory } : {}),
        ...(snapshot ? { snapshot } : {}),
      };
    } catch (err) {
      const e =
        err instanceof RuntimeError
          ? err
          : new RuntimeError("agent_error", err instanceof Error ? err.message : String(err), true);
      log.warn({ ms: Date.now() - started, err: e }, "command failed");
      return {
        type: "result",
        id: command.id,
        ok: false,
        error: { code: e.code, message: e.message.slice(0, 1000), retryable: e.retryable },
        ...(e instanceof RestoreFailure ? { rolledBack: e.rolledBack } : {}),
      };
    }
  }
}

// A command's spec describes the employee the command names, or the command is refused.
function sameEmployee(employeeId: string, spec: EmployeeSpec): void {
  if (spec.employeeId !== employeeId)
    throw new RuntimeError("bad_command", "the spec is for another employee", false);
}
