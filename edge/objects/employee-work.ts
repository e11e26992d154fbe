import type { Employee } from "../contract/employee.ts";
import type { EmployeeBudget } from "../contract/ledger.ts";
import type { Env } from "../env.ts";
import type { Logger } from "../log/logger.ts";
import type { AgentEvent, ResultFrame } from "../protocol/frames.ts";
import type { Clock } from "./clock.ts";
import { EmployeeApprovals, isApprovalEvent } from "./employee-approvals.ts";
import {
  BUDGET_KEY,
  type StoredBudget,
  sayInChannels,
  tellChatReadiness,
  withBudget,
} from "./employee-budget.ts";
import type { EmployeeRecord } from "./employee-record.ts";
import type { DecidedApproval, ScheduleSyncResult } from "./employee-rpc.ts";
import type { ChannelInbox } from "./inbox/channel-inbox.ts";
import type { Inbox } from "./inbox/inbox.ts";
import { sendStatus } from "./live-viewers.ts";
import { syncSchedules } from "./schedule-sync.ts";
import { ledgerOf, type WorkLedger } from "./work-ledger.ts";

/** What the EmployeeDO gives the part of it that is about its work (issue 18). */
export interface EmployeeWorkHost {
  env: Env;
  ctx: DurableObjectState;
  clock: Clock;
  record: () => EmployeeRecord | undefined;
  log: () => Logger;
  inbox: Inbox;
  channels: ChannelInbox;
  /** The employee's view as its live viewers get it. */
  view: (record: EmployeeRecord) => Employee;
}

// Issue 18's part of an EmployeeDO, beside its lifecycle shell: what its OpenClaw asks a person
// (employee-approvals.ts), the work ledger (work-ledger.ts), its scheduled work told to the agent
// at every start (schedule-sync.ts), and the state of its own AI budget. The shell hands it the
// agent's approval and run events and tells it when a transition has settled.
export class EmployeeWork {
  private readonly approvals: EmployeeApprovals;
  private readonly ledger: WorkLedger;
  // Whether this run of the employee has been told its scheduled work (every start tells it).
  private schedulesSent: boolean;
  private readonly host: EmployeeWorkHost;

  constructor(host: EmployeeWorkHost) {
    this.host = host;
    const { env, clock, record, log, inbox, channels } = host;
    this.approvals = new EmployeeApprovals({
      env,
      clock,
      record,
      log,
      conversations: () => inbox.store,
      channelLine: (conversationId, text) => channels.initiative(conversationId, text),
      waitUntil: (work) => host.ctx.waitUntil(work),
    });
    this.ledger = ledgerOf({ env, clock, record, log }, inbox, channels);
    this.schedulesSent = record()?.status === "running";
  }

  /** The agent's approval and run events; false: not this part's. */
  async onEvent(nodeId: string, event: AgentEvent): Promise<boolean> {
    if (isApprovalEvent(event)) {
      if (this.host.record()?.nodeId === nodeId) await this.approvals.onEvent(event);
      return true;
    }
    // A scheduled run or heartbeat turn ended: the work ledger records it.
    if (event.type === "work.run") {
      await this.ledger.runEnded(event);
      return true;
    }
    return false;
  }

  approvalDecided(input: DecidedApproval): Promise<void> {
    return this.approvals.decided(input);
  }

  onApprovalResult(result: ResultFrame): Promise<void> {
    return this.approvals.onResult(result);
  }

  syncSchedules(): Promise<ScheduleSyncResult> {
    return syncSchedules(this.host.env, this.host.log(), this.host.record(), this.host.clock.now());
  }

  ledgerSettled(): Promise<void> {
    return this.ledger.settled();
  }

  /** After each transition: each start (provision, restart, restore, move) tells the agent its
   * scheduled work again. */
  async settled(): Promise<void> {
    if (this.host.record()?.status !== "running") this.schedulesSent = false;
    else if (!this.schedulesSent) {
      this.schedulesSent = true;
      await this.syncSchedules();
    }
  }

  /** The view with the budget's state as last told. */
  withBudget(view: Employee): Employee {
    const budget = this.host.ctx.storage.kv.get<StoredBudget>(BUDGET_KEY);
    return withBudget(view, budget, this.host.clock.now());
  }

  /** The budget's state changed: the live viewers hear of it; a spent one is said (`spentLine`)
   * in the channel conversations it is being talked to in; its schedules follow it. */
  async budgetChanged(budget: EmployeeBudget, month: string, spentLine?: string): Promise<void> {
    const r = this.host.record();
    if (!r) return;
    const { ctx, env, clock, inbox, channels } = this.host;
    ctx.storage.kv.put(BUDGET_KEY, { month, budget } satisfies StoredBudget);
    const now = clock.now();
    sendStatus(ctx, this.host.view(r), now);
    await tellChatReadiness(ctx, env, r, now);
    if (spentLine) await sayInChannels(inbox, channels, spentLine, now);
    // Spent pauses its schedules and heartbeat; a raise (or a new month's) resumes them.
    await this.syncSchedules();
  }
}
