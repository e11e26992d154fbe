import type { Employee } from "../contract/employee.ts";
import type { EmployeeBudget } from "../contract/ledger.ts";
import { LIVE_PING, LIVE_PONG } from "../contract/live.ts";
import type { Env } from "../env.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import type { AgentEvent, Instance, ResultFrame } from "../protocol/frames.ts";
import { mirrorEmployee } from "../store/employees.ts";
import { type Clock, systemClock } from "./clock.ts";
import { readMemory, syncKnowledge } from "./employee-commands.ts";
import { type EffectContext, performEffect } from "./employee-effects.ts";
import {
  type LifecycleInput,
  NOT_FOUND_MESSAGE,
  systemEntropy,
  type Transition,
  transition,
} from "./employee-lifecycle.ts";
import { type EmployeeRecord, recordOf, toView } from "./employee-record.ts";
import { forgetRemoved } from "./employee-removal.ts";
import type {
  ActionResult,
  BackupResult,
  CommandResult,
  DecidedApproval,
  EmployeeRpc,
  MemoryResult,
  NewEmployee,
  RelocateResult,
  RestoreResult,
  ScheduleSyncResult,
  SnapshotCommandResult,
} from "./employee-rpc.ts";
import { EmployeeWork } from "./employee-work.ts";
import { InboxObject } from "./inbox/inbox-object.ts";
import { launchFollowUps } from "./launch-follow-ups.ts";
import { trackLaunch } from "./launch-progress.ts";
import { closeViewer, sendRemoved, sendStatus, viewerUpgrade } from "./live-viewers.ts";
import { MirrorChain } from "./mirror-chain.ts";
import type { RelocationContext } from "./relocation-effects.ts";
import { SnapshotRpcs } from "./snapshot-rpcs.ts";

const RECORD_KEY = "employee";
// Kept after the employee is fired: this object is never created again, so a provision that
// raced the firing cannot bring back an object (and a container) that D1 no longer lists.
const FIRED_KEY = "fired";

// One per employee: the owner of its lifecycle (DESIGN.md), as a shell around the pure
// transition function (employee-lifecycle.ts). Every transition is written to this object's
// storage before any of its effects is performed; then the live viewers hear of it, D1's mirror
// follows in order, and the alarm is set to the pending operation's deadline. Its chat inbox
// (inbox/inbox.ts) lives in the same storage and hears of every change of status.
export class EmployeeDO extends InboxObject implements EmployeeRpc {
  private record: EmployeeRecord | undefined;
  private log: Logger;
  private readonly chain = new MirrorChain(
    () => this.log,
    // Always the latest record, so writes that finish out of order still converge.
    async () => {
      if (this.record) await mirrorEmployee(this.env.DB, this.record);
    },
  );
  private readonly snapshots: SnapshotRpcs;
  // Issue 18: approvals, the work ledger, scheduled work and its own budget (employee-work.ts).
  private readonly work: EmployeeWork;

  constructor(ctx: DurableObjectState, env: Env, clock: Clock = systemClock) {
    super(ctx, env, clock);
    const stored = ctx.storage.kv.get<EmployeeRecord>(RECORD_KEY);
    this.record = stored && recordOf(stored);
    this.log = createLogger({
      employeeId: this.record?.id,
      nodeId: this.record?.nodeId ?? undefined,
    });
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(LIVE_PING, LIVE_PONG));
    this.snapshots = new SnapshotRpcs(
      () => this.relocation(),
      (input) => this.apply(input),
    );
    this.work = new EmployeeWork({
      env,
      ctx,
      clock,
      record: () => this.record,
      log: () => this.log,
      inbox: this.inbox,
      channels: this.channels,
      view: (record) => this.viewOf(record),
    });
  }

  // ---- RPC: the Worker's verbs ----

  /** Null when this employee was fired: it is never created again. */
  async create(input: NewEmployee): Promise<Employee | null> {
    // A fresh object must start clean, even if an earlier incarnation with this name left an alarm.
    if (!this.record) await this.ctx.storage.deleteAlarm();
    if (this.ctx.storage.kv.get(FIRED_KEY)) return null;
    if (!this.record) this.log = createLogger({ employeeId: input.id, accountId: input.accountId });
    await this.apply({ type: "create", employee: input });
    return this.view();
  }

  view(): Employee | null {
    return this.record ? this.viewOf(this.record) : null;
  }

  update(patch: { name?: string; tone?: string; skills?: string[] }): Promise<ActionResult> {
    return this.act({ type: "update", patch });
  }

  provision(): Promise<ActionResult> {
    return this.act({ type: "provision" });
  }

  restart(): Promise<ActionResult> {
    return this.act({ type: "restart" });
  }

  stop(): Promise<ActionResult> {
    return this.act({ type: "stop" });
  }

  // Firing works from any state and is retried like any command. An employee whose object never
  // started is forgotten here too (given its id), so that the D1 row goes only after this object
  // can no longer be created.
  async remove(employeeId?: string): Promise<{ ok: true }> {
    this.ctx.storage.kv.put(FIRED_KEY, true);
    await this.apply({ type: "remove", employeeId });
    return { ok: true };
  }

  // ---- RPC: billing (edge/services/billing-enforcement.ts) ----

  /** Stops the employee for a billing reason it then shows, and keeps it stopped. */
  hold(reason: string): Promise<ActionResult> {
    return this.act({ type: "hold", reason });
  }

  /** Lifts a billing hold; an employee billing stopped starts again. */
  release(): Promise<ActionResult> {
    return this.act({ type: "release" });
  }

  held(): string | null {
    return this.record?.billingHold ?? null;
  }

  // ---- RPC: from the NodeDO of the node this employee is placed on ----

  async onCommandResult(nodeId: string, result: CommandResult): Promise<void> {
    await this.apply({ type: "command_result", nodeId, result });
  }

  async onEvent(nodeId: string, event: AgentEvent): Promise<void> {
    if (await this.work.onEvent(nodeId, event)) return;
    if (event.type === "chat.progress") await this.inbox.progress(nodeId, event);
    else await this.apply({ type: "event", nodeId, event });
    if (event.type === "snapshot.progress") await this.snapshots.progress(event);
  }

  async onSnapshotResult(nodeId: string, result: SnapshotCommandResult): Promise<void> {
    await this.apply({ type: "snapshot_result", nodeId, result });
  }

  // ---- RPC: approvals (issue 18): a person's decision, and the agent's answer to it ----

  approvalDecided(input: DecidedApproval): Promise<void> {
    return this.work.approvalDecided(input);
  }

  onApprovalResult(result: ResultFrame): Promise<void> {
    return this.work.onApprovalResult(result);
  }

  // ---- RPC: backups, restores and moves (issue 16; snapshot-rpcs.ts checks and answers) ----

  requestBackup(kind: "manual" | "scheduled" | "pre_op"): Promise<BackupResult> {
    return this.snapshots.requestBackup(kind);
  }

  requestRestore(snapshotId: string): Promise<RestoreResult> {
    return this.snapshots.requestRestore(snapshotId);
  }

  async relocate(reason: "node_lost" | "drain", fromNodeId?: string): Promise<RelocateResult> {
    const { refused } = await this.apply({ type: "relocate", reason, fromNodeId });
    if (!refused) return { ok: true };
    return {
      ok: false,
      code: refused.code === "unchanged" ? "invalid_state" : refused.code,
      message: refused.message,
    };
  }

  async onInventory(nodeId: string, instance: Instance): Promise<void> {
    await this.apply({ type: "inventory", nodeId, instance });
    await this.inbox.reconnected();
  }

  // A node connected or freed room: an employee waiting for a server looks again now.
  async retryPlacement(): Promise<void> {
    await this.apply({ type: "retry_placement" });
  }

  // The cron's safety net: whatever the alarm should be doing, make sure it is scheduled.
  async reconcile(): Promise<void> {
    if (!this.record) return;
    await this.apply({ type: "alarm" });
    this.chain.mirror();
    await this.chain.settled();
  }

  override async alarm(): Promise<void> {
    await this.apply({ type: "alarm" });
    if (this.record) await this.inbox.expire();
    // Channels: screening left over, notices and sends due (each pass sets the alarm again).
    if (this.record) await this.channels.tick();
  }

  // ---- RPC: scheduled work (issue 18; schedule-sync.ts) ----

  /** Tells the agent the employee's whole scheduled work, when it runs (schedules, working
   * hours and budget changes call it; every start does too). */
  syncSchedules(): Promise<ScheduleSyncResult> {
    return this.work.syncSchedules();
  }

  /** Resolves once the ledger entries asked for so far are written (tests, the cron). */
  ledgerSettled(): Promise<void> {
    return this.work.ledgerSettled();
  }

  // ---- RPC: the knowledge base and memory (no state changes here) ----

  async syncKnowledge(): Promise<void> {
    await syncKnowledge(this.env, this.record);
  }

  readMemory(): Promise<MemoryResult> {
    return readMemory(this.env, this.record);
  }

  // ---- RPC: its own AI budget (issue 18; services/employee-budget.ts, the gateway's notices) ----

  /** The budget's state changed: the live viewers hear of it; a spent one is said (`spentLine`)
   * in the channel conversations it is being talked to in. */
  budgetChanged(budget: EmployeeBudget, month: string, spentLine?: string): Promise<void> {
    return this.work.budgetChanged(budget, month, spentLine);
  }

  // ---- live status sockets ----

  override async fetch(request: Request): Promise<Response> {
    return viewerUpgrade(this.ctx, request, this.view(), this.clock.now());
  }

  override async webSocketMessage(): Promise<void> {
    // Viewers only listen; "ping" is answered by the auto-response without waking us.
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    closeViewer(ws, code);
  }

  // ---- the shell: store, perform, fan out ----

  private async act(input: LifecycleInput): Promise<ActionResult> {
    const { refused } = await this.apply(input);
    if (refused)
      return {
        ok: false,
        code: refused.code === "not_found" ? "not_found" : "invalid_state",
        message: refused.message,
      };
    return this.record
      ? { ok: true, employee: toView(this.record) }
      : { ok: false, code: "not_found", message: NOT_FOUND_MESSAGE };
  }

  private async apply(input: LifecycleInput): Promise<Transition> {
    const before = this.record;
    const next = transition(before, input, this.clock.now(), systemEntropy);
    if (next.record && next.record !== before) this.commit(next.record);
    this.syncAlarm();
    for (const effect of next.effects) {
      const fed = await performEffect(this.effects(), effect);
      if (fed) await this.apply(fed);
    }
    await this.chain.settled();
    // Running: what waits in the inbox goes; no longer running: what was out waits again.
    if (this.record && this.record.status !== before?.status) await this.inbox.statusChanged();
    // Issue 18: each start (provision, restart, restore, move) tells the agent its schedules.
    await this.work.settled();
    return next;
  }

  // Memory and storage together (synchronously, so no other event can interleave), then the
  // live viewers, then the D1 mirror in order, and what the launch's progress asks for.
  private commit(next: EmployeeRecord): void {
    const now = this.clock.now();
    const launch = trackLaunch(this.record, next, now);
    const record = { ...launch.record, updatedAt: now };
    if (record.nodeId && record.nodeId !== this.record?.nodeId)
      this.log = this.log.child({ nodeId: record.nodeId });
    this.record = record;
    this.ctx.storage.kv.put(RECORD_KEY, record);
    sendStatus(this.ctx, this.viewOf(record), now);
    this.chain.mirror();
    for (const [what, work] of launchFollowUps(this.env, this.log, record, launch, {
      current: () => this.record,
      commit: (r) => this.commit(r),
    }))
      this.chain.after(what, work);
  }

  private viewOf(record: EmployeeRecord): Employee {
    return this.work.withBudget(toView(record));
  }

  protected current(): EmployeeRecord | undefined {
    return this.record;
  }

  protected logger(): Logger {
    return this.log;
  }

  // One alarm for the lifecycle's pending operation and the inbox's earliest run deadline.
  protected syncAlarm(): void {
    const times = [
      this.record?.op?.wakeAt,
      this.record?.backup?.deadline,
      this.record ? this.inbox.wakeAt() : null,
      this.record ? this.channels.wakeAt() : null,
    ];
    const due = times.filter((t): t is number => typeof t === "number");
    if (due.length === 0) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(Math.min(...due));
  }

  private relocation(): RelocationContext {
    return {
      env: this.env,
      ctx: this.ctx,
      log: this.log,
      now: () => this.clock.now(),
      current: () => this.record,
    };
  }

  // What employee-effects.ts performs with (its command context too).
  private effects(): EffectContext {
    return { ...this.relocation(), finishRemoval: () => this.finishRemoval() };
  }

  // The node removed container and volume: forget everything, keep only the fired mark.
  private async finishRemoval(): Promise<void> {
    const r = this.record;
    if (!r) return;
    await forgetRemoved(this.env, this.log, r, () => this.chain.settled(), this.clock);
    sendRemoved(this.ctx, r.id);
    this.record = undefined;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.ctx.storage.kv.put(FIRED_KEY, true);
    this.log.info("employee removed");
  }
}
