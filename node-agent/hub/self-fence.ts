import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { CommandFrame, ResultFrame } from "../../edge/protocol/frames.ts";
import { AGENT_SELF_FENCE_MS } from "../../edge/protocol/snapshot-timeouts.ts";
import type { Logger } from "../logger.ts";
import type { EmployeeRuntime } from "../runtime/employee-runtime.ts";
import type { StaleMarkers } from "../runtime/stale-markers.ts";

// The commands that would run an employee: refused while fenced, or for a stale copy.
const STARTS: ReadonlySet<CommandFrame["type"]> = new Set([
  "container.provision",
  "container.start",
  "container.restart",
  "container.restore",
]);
// Written at the first heartbeat.ack this node ever gets: from then on an agent that starts
// without an edge (a restart during a partition) holds a lease from its start, not none.
const ACKED_FILE = "self-fence-acked";

export interface SelfFenceOptions {
  /** AGENT_SELF_FENCE: off never stops employees for a missing ack (stale copies stay refused). */
  enabled: boolean;
  stateDir: string;
  runtime: Pick<EmployeeRuntime, "inventory" | "stop">;
  stale: StaleMarkers;
  log: Logger;
}

// Self-fencing (issue 16): the edge acks every heartbeat with a lease. A node that hears no ack
// for AGENT_SELF_FENCE_MS (shorter than the edge's NODE_LOST_TIMEOUT_MS by more than a
// heartbeat) stops every employee it runs, because the edge is about to hold the node lost and
// run them elsewhere: two copies of one employee must never run. It stays fenced, refusing to
// start anyone, until the edge has said hello again and reconciled what is still ours.
export class SelfFence {
  private readonly opts: SelfFenceOptions;
  private timer: NodeJS.Timeout | undefined;
  private fencedNow = false;
  private stopping: Promise<void> | undefined;

  constructor(opts: SelfFenceOptions) {
    this.opts = opts;
  }

  get fenced(): boolean {
    return this.fencedNow;
  }

  /** At the agent's start: a node that has been acked before holds a lease from now. */
  start(): void {
    if (this.opts.enabled && existsSync(this.ackedFile())) this.arm(AGENT_SELF_FENCE_MS);
  }

  /** A heartbeat.ack: the lease runs `leaseMs` (never past AGENT_SELF_FENCE_MS) from now. */
  ack(leaseMs: number): void {
    if (!this.opts.enabled) return;
    if (!this.timer) this.rememberAcked();
    this.arm(Math.min(leaseMs, AGENT_SELF_FENCE_MS));
  }

  /** The edge reconciled after a welcome: whatever still runs here is ours again. */
  reconciled(): void {
    if (this.fencedNow) this.opts.log.warn("self-fence lifted: the edge reconciled this node");
    this.fencedNow = false;
    if (this.opts.enabled && this.timer) this.arm(AGENT_SELF_FENCE_MS);
  }

  /** The answer to a command that must not run now, or null to run it. */
  refusal(frame: CommandFrame): ResultFrame | null {
    if (!STARTS.has(frame.type)) return null;
    if (this.fencedNow)
      return refuse(
        frame,
        "node_fenced",
        "this server stopped its employees after losing the edge and waits for a reconcile",
        true,
      );
    // A restore is how a stale employee comes back with the right state: never refused here.
    if (
      frame.type !== "container.restore" &&
      !this.opts.stale.mayStart(frame.employeeId, frame.generation)
    )
      return refuse(
        frame,
        "stale_copy",
        "this server's copy of the employee is stale (it was placed anew while the server was away)",
        false,
      );
    return null;
  }

  /** Resolves when the stop of a fence in progress is done (tests, shutdown). */
  async settled(): Promise<void> {
    await this.stopping;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.expire(), ms);
    this.timer.unref?.();
  }

  private expire(): void {
    this.fencedNow = true;
    this.opts.log.error(
      { afterMs: AGENT_SELF_FENCE_MS },
      "no heartbeat ack from the edge: self-fencing, stopping every employee on this server",
    );
    this.stopping = this.stopAll();
  }

  private async stopAll(): Promise<void> {
    const instances = await this.opts.runtime.inventory().catch((err: unknown) => {
      this.opts.log.error({ err: String(err) }, "self-fence could not read the inventory");
      return [];
    });
    const running = instances.filter((i) => i.state !== "stopped" && i.state !== "missing");
    const results = await Promise.allSettled(
      running.map((i) => this.opts.runtime.stop(i.employeeId)),
    );
    results.forEach((r, n) => {
      if (r.status === "rejected")
        this.opts.log.error(
          { employeeId: running[n]?.employeeId, err: String(r.reason) },
          "self-fence could not stop an employee",
        );
    });
    this.opts.log.warn({ stopped: running.length }, "self-fenced: employees stopped");
  }

  private rememberAcked(): void {
    try {
      mkdirSync(this.opts.stateDir, { recursive: true });
      writeFileSync(this.ackedFile(), `${new Date().toISOString()}\n`);
    } catch (err) {
      this.opts.log.warn({ err: String(err) }, "could not note that the edge acks heartbeats");
    }
  }

  private ackedFile(): string {
    return path.join(this.opts.stateDir, ACKED_FILE);
  }
}

function refuse(
  frame: CommandFrame,
  code: string,
  message: string,
  retryable: boolean,
): ResultFrame {
  return { type: "result", id: frame.id, ok: false, error: { code, message, retryable } };
}
