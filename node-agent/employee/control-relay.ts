import type { AgentEvent, AutonomyLevel, CommandFrame } from "../../edge/protocol/frames.ts";
import { ThrottledLog } from "../http/throttled-log.ts";
import type { Logger } from "../logger.ts";
import { type EmployeeRuntime, RuntimeError } from "../runtime/employee-runtime.ts";
import { SerialByKey } from "../serial-by-key.ts";
import {
  type ApprovalKind,
  approvalEventKind,
  listedRecords,
  requestedFrame,
  resolvedFrame,
} from "./approval-events.ts";
import { ApprovalExpiry } from "./approval-expiry.ts";
import { ExecPolicyRestarts } from "./exec-policy-restarts.ts";
import { GatewayClient, type GatewayClientOptions, GatewayError } from "./gateway-client.ts";
import type { GatewayDevices } from "./gateway-devices.ts";
import { CONTROL_PROFILE } from "./gateway-handshake.ts";
import { AGENT_CONTROL_USER, GATEWAY_PORT } from "./openclaw-config.ts";
import { ownersOf } from "./schedule-plan.ts";
import type { ScheduleState } from "./schedule-state.ts";
import { listJobs, syncSchedules } from "./schedule-sync.ts";
import { type JobOwner, jobOwner, runEntries, workRunFrame } from "./work-runs.ts";

// The agent's control side of each running employee's OpenClaw (issue 18), on a socket of its
// own beside the chat's (gateway-handshake.ts CONTROL_PROFILE): approvals OpenClaw asks for go to
// the edge as approval.requested / approval.resolved, the edge's decisions come back as
// exec.approval.resolve; schedules.sync becomes automations and the heartbeat
// (schedule-sync.ts); finished runs of our automations and of the heartbeat go out as work.run.
// Opened when a container starts (and for those running when the agent starts), closed when it
// stops or goes. On every (re)connect it sends again what is still pending (exec.approval.list)
// and the runs of the last hour it has not sent (cron.runs): the edge keeps the first of each.

export const BACKFILL_RUNS = 50;
export const BACKFILL_RUNS_WINDOW_MS = 60 * 60_000;
/** Run keys and approval kinds remembered per employee. */
export const REMEMBERED = 500;
const CONNECT_WAIT_MS = 15_000;

type ResolveCommand = Extract<CommandFrame, { type: "approval.resolve" }>;
type SyncCommand = Extract<CommandFrame, { type: "schedules.sync" }>;
type Client = Pick<GatewayClient, "connect" | "request" | "close">;

export interface ControlRelayOptions {
  runtime: Pick<EmployeeRuntime, "endpoint" | "readFiles" | "writeFiles" | "watch">;
  devices: GatewayDevices;
  state: ScheduleState;
  /** Where the frames go (the hub connection). */
  send: (frame: AgentEvent) => void;
  log: Logger;
  /** How a client is made (tests put a stand-in here). */
  client?: (opts: GatewayClientOptions) => Client;
  now?: () => number;
  /** APPROVAL_TIMEOUT_MS: a shorter wait for a person than OpenClaw's 30 minutes
   * (approval-expiry.ts); undefined keeps OpenClaw's. */
  approvalTimeoutMs?: number;
}

interface Control {
  employeeId: string;
  client: Client;
  owners: Map<string, JobOwner>;
  kinds: Map<string, ApprovalKind>;
  sentRuns: Set<string>;
  /** It has had a hello once (a socket that never had one may be waiting out a long backoff). */
  opened: boolean;
  /** Hellos so far: one more after OpenClaw restarted and the socket dialled it again. */
  opens: number;
}

const remember = <K, V>(m: Map<K, V>, k: K, v: V) => {
  m.delete(k);
  m.set(k, v);
  if (m.size > REMEMBERED) m.delete(m.keys().next().value as K);
};

export class ControlRelay {
  private readonly opts: ControlRelayOptions;
  private readonly controls = new Map<string, Control>();
  private readonly syncs = new SerialByKey();
  private readonly noisy: ThrottledLog;
  private readonly unwatch: () => void;
  private readonly expiry: ApprovalExpiry;
  private readonly policy: ExecPolicyRestarts;

  constructor(opts: ControlRelayOptions) {
    this.opts = opts;
    this.expiry = new ApprovalExpiry({
      timeoutMs: opts.approvalTimeoutMs,
      deny: (employeeId, approvalId) =>
        this.resolve({
          type: "approval.resolve",
          id: `expiry-${approvalId}`.slice(0, 64),
          employeeId,
          approvalId,
          decision: "deny",
        }),
      send: (frame) => opts.send(frame),
      now: () => this.now(),
    });
    this.noisy = new ThrottledLog(opts.log);
    this.policy = new ExecPolicyRestarts({
      runtime: opts.runtime,
      connected: (employeeId) => this.connected(employeeId),
      log: opts.log,
      now: () => this.now(),
    });
    this.unwatch = opts.runtime.watch((e) => {
      if (e.type === "started") this.ensure(e.employeeId);
      else if (e.type === "health" && e.health === "healthy") this.healthy(e.employeeId);
      else if (e.type === "stopped" || e.type === "removed") void this.forget(e.employeeId);
    });
  }

  /** Opens the employee's control socket unless it is open (it redials on its own). */
  ensure(employeeId: string): Control {
    const known = this.controls.get(employeeId);
    if (known) return known;
    const make = this.opts.client ?? ((o: GatewayClientOptions) => new GatewayClient(o));
    const control: Control = {
      employeeId,
      owners: new Map(),
      kinds: new Map(),
      sentRuns: new Set(),
      opened: false,
      opens: 0,
      client: make({
        employeeId,
        accountId: AGENT_CONTROL_USER,
        endpoint: () => this.opts.runtime.endpoint(employeeId, GATEWAY_PORT),
        devices: this.opts.devices,
        profile: CONTROL_PROFILE,
        log: this.opts.log.child({ employeeId, socket: "control" }),
        onEvent: (name, payload) => this.onEvent(control, name, payload),
        onOpen: () => {
          control.opened = true;
          control.opens++;
          void this.backfill(control);
        },
      }),
    };
    this.controls.set(employeeId, control);
    control.client
      .connect()
      .catch((err: unknown) =>
        this.opts.log.info({ employeeId, err }, "the control socket is not open yet (redialling)"),
      );
    return control;
  }

  // Healthy: OpenClaw answers now. A socket dialled at the container's start has been refused
  // while OpenClaw booted and may wait out a backoff of up to half a minute; until it opens,
  // OpenClaw has no approval client and denies every command at once. So it dials again now.
  private healthy(employeeId: string): void {
    const known = this.controls.get(employeeId);
    if (known && !known.opened) {
      this.controls.delete(employeeId);
      void known.client.close().catch(() => undefined);
    }
    this.ensure(employeeId);
  }

  /** approval.resolve: the decision to OpenClaw; `approval_not_found` when it holds none. */
  async resolve(cmd: ResolveCommand): Promise<void> {
    const control = await this.connected(cmd.employeeId);
    const known = control.kinds.get(cmd.approvalId);
    const kinds: ApprovalKind[] = known ? [known] : ["exec", "plugin"];
    for (const kind of kinds) {
      try {
        await control.client.request(`${kind}.approval.resolve`, {
          id: cmd.approvalId,
          decision: cmd.decision,
        });
        this.opts.log.info(
          { employeeId: cmd.employeeId, approvalId: cmd.approvalId, decision: cmd.decision },
          "approval decided",
        );
        return;
      } catch (err) {
        if (!notFound(err)) throw refusal(err);
      }
    }
    throw new RuntimeError(
      "approval_not_found",
      "OpenClaw holds no such pending approval (expired or decided)",
      false,
    );
  }

  /** employee.configure: `write` puts the files; OpenClaw restarts when the policy changed. */
  configure(
    employeeId: string,
    autonomy: AutonomyLevel | undefined,
    write: () => Promise<void>,
  ): Promise<void> {
    return this.policy.configure(employeeId, autonomy, write);
  }

  /** Resolves once a change of the employee's exec policy under way is applied (at once if none). */
  settled(employeeId: string): Promise<void> {
    return this.policy.settled(employeeId);
  }

  /** schedules.sync, one at a time per employee. */
  sync(cmd: SyncCommand): Promise<void> {
    return this.syncs.run(cmd.employeeId, async () => {
      const control = this.ensure(cmd.employeeId);
      if (!(await this.opts.runtime.endpoint(cmd.employeeId, GATEWAY_PORT))) {
        // Kept for the next configure or start; the edge syncs again at every start.
        this.opts.state.put(cmd.employeeId, { workingHours: cmd.workingHours, paused: cmd.paused });
        throw new RuntimeError("not_running", "the employee is not running", true);
      }
      await this.connected(cmd.employeeId);
      try {
        const out = await syncSchedules(cmd, {
          client: control.client,
          runtime: this.opts.runtime,
          state: this.opts.state,
          log: this.opts.log.child({ employeeId: cmd.employeeId }),
        });
        control.owners = out.owners;
      } catch (err) {
        throw refusal(err);
      }
    });
  }

  /** The employee stopped or went; `removed` forgets what was kept of its schedules too. */
  async forget(employeeId: string, opts: { removed?: boolean } = {}): Promise<void> {
    const control = this.controls.get(employeeId);
    this.controls.delete(employeeId);
    this.expiry.forget(employeeId);
    if (opts.removed) this.opts.state.delete(employeeId);
    await control?.client.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.unwatch();
    this.expiry.close();
    await Promise.all([...this.controls.keys()].map((id) => this.forget(id)));
  }

  private async connected(employeeId: string): Promise<Control> {
    const control = this.ensure(employeeId);
    try {
      await control.client.connect(CONNECT_WAIT_MS);
    } catch (err) {
      throw refusal(err);
    }
    return control;
  }

  private ids(control: Control) {
    return { employeeId: control.employeeId, containerId: null };
  }

  private onEvent(control: Control, name: string, payload: unknown): void {
    const approval = approvalEventKind(name);
    if (approval) {
      const read =
        approval.phase === "requested"
          ? requestedFrame(approval.kind, payload, this.ids(control), this.now())
          : resolvedFrame(payload, this.ids(control));
      // With APPROVAL_TIMEOUT_MS, the shorter deadline and our own denial read as expired.
      const frame = !read
        ? null
        : read.type === "approval.requested"
          ? this.expiry.arm(read)
          : this.expiry.settled(read);
      if (!frame) {
        this.noisy.warn({ event: name }, "ignoring an approval event");
        return;
      }
      remember(control.kinds, frame.approvalId, approval.kind);
      if (frame.type === "approval.requested")
        this.opts.log.info(
          {
            employeeId: control.employeeId,
            approvalId: frame.approvalId,
            lagMs: this.now() - frame.requestedAt,
          },
          "approval requested",
        );
      this.opts.send(frame);
      return;
    }
    if (name !== "cron") return;
    const e = payload as { action?: unknown; jobId?: unknown; job?: unknown } | null;
    if (e?.action === "added" || e?.action === "updated") {
      const owner = jobOwner(e.job);
      if (owner && typeof e.jobId === "string") remember(control.owners, e.jobId, owner);
      return;
    }
    if (e?.action === "finished") this.sendRun(control, payload);
  }

  private sendRun(control: Control, payload: unknown): void {
    const frame = workRunFrame(payload, this.ids(control), control.owners, this.now());
    if (!frame || control.sentRuns.has(frame.runKey)) return;
    control.sentRuns.add(frame.runKey);
    if (control.sentRuns.size > REMEMBERED)
      control.sentRuns.delete(control.sentRuns.values().next().value as string);
    this.opts.log.info(
      { employeeId: control.employeeId, runKey: frame.runKey, lagMs: this.now() - frame.endedAt },
      "scheduled work ran",
    );
    this.opts.send(frame);
  }

  // After every hello: what is pending, whose the jobs are, and the runs missed while away.
  private async backfill(control: Control): Promise<void> {
    const { client } = control;
    for (const kind of ["exec", "plugin"] as const) {
      try {
        const records = listedRecords(await client.request(`${kind}.approval.list`, {}));
        for (const r of records) this.onEvent(control, `${kind}.approval.requested`, r);
      } catch (err) {
        this.noisy.warn({ employeeId: control.employeeId, err }, `${kind}.approval.list failed`);
      }
    }
    try {
      control.owners = ownersOf(await listJobs(client));
      const since = this.now() - BACKFILL_RUNS_WINDOW_MS;
      const entries = runEntries(
        await client.request("cron.runs", { scope: "all", limit: BACKFILL_RUNS, sortDir: "desc" }),
        BACKFILL_RUNS,
      );
      for (const entry of entries.reverse()) {
        const ts = (entry as { ts?: unknown } | null)?.ts;
        if (typeof ts === "number" && ts >= since) this.sendRun(control, entry);
      }
    } catch (err) {
      this.noisy.warn({ employeeId: control.employeeId, err }, "could not read the automations");
    }
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}

const notFound = (err: unknown) =>
  err instanceof GatewayError &&
  (err.reason === "APPROVAL_NOT_FOUND" ||
    err.reason === "APPROVAL_ALREADY_RESOLVED" ||
    /unknown or expired approval/i.test(err.message));

// OpenClaw's refusal as the command's result: a refused request will not heal by resending.
function refusal(err: unknown): RuntimeError {
  if (err instanceof RuntimeError) return err;
  if (!(err instanceof GatewayError))
    return new RuntimeError("unreachable", err instanceof Error ? err.message : String(err), true);
  const message = `OpenClaw: ${err.message}`.slice(0, 1_000);
  if (err.code === "NOT_RUNNING")
    return new RuntimeError("not_running", "the employee is not running", true);
  if (err.code === "INVALID_REQUEST" && !err.detail)
    return new RuntimeError("bad_command", message, false);
  return new RuntimeError("unreachable", message, err.code !== "FORBIDDEN");
}
