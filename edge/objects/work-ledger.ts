import { openDb } from "../../db/client.ts";
import type { WorkEntryRow } from "../../db/schema.ts";
import type { ChannelKind } from "../contract/channels.ts";
import type { WorkOutcome } from "../contract/ledger.ts";
import type { Env } from "../env.ts";
import { errorFields, type Logger } from "../log/logger.ts";
import type { AgentEvent } from "../protocol/frames.ts";
import { getSchedule } from "../store/schedules.ts";
import {
  type ApprovalScope,
  figuresInWindow,
  insertWorkEntry,
  setWorkFigures,
} from "../store/work-entries.ts";
import type { Clock } from "./clock.ts";
import type { EmployeeRecord } from "./employee-record.ts";
import type { ChannelInbox } from "./inbox/channel-inbox.ts";
import type { Inbox } from "./inbox/inbox.ts";
import { CONVERSATION_LIST_LIMIT } from "./inbox/inbox-delivery.ts";
import type { ConversationRow, MessageRow } from "./inbox/inbox-store.ts";

// The work ledger's writer (issue 18), inside the EmployeeDO: one D1 `work_entries` row per
// conversation turn when its answer ends (done, aborted, failed) and per scheduled run or
// heartbeat turn the agent reports (`work.run`). Tokens and cost are the gateway's metering of
// the employee over the work's time plus USAGE_GRACE_MS (a stream's last request is metered as
// it closes); they are read when the entry is written and once more USAGE_SETTLE_MS later, for
// metering that landed after the end was reported.

/** Metering this long after the end still counts (the last request of a stream is metered late). */
export const USAGE_GRACE_MS = 2_000;
/** The figures are read again this long after the entry is written. */
export const USAGE_SETTLE_MS = 3_000;
/** A reported run longer than this is cut to its last this-long: the agent's times are not
 * trusted to reach back over the employee's whole metering. */
export const MAX_RUN_MS = 6 * 60 * 60_000;
const HEARTBEAT_TITLE = "Heartbeat";
const UNKNOWN_TASK_TITLE = "Scheduled task";

type WorkRun = Extract<AgentEvent, { type: "work.run" }>;

export interface LedgerHost {
  env: Env;
  clock: Clock;
  record(): EmployeeRecord | undefined;
  log(): Logger;
  conversation(id: string): ConversationRow | undefined;
  /** The person's message a reply answers (its end is when OpenClaw took it: the turn's start). */
  message(id: string): MessageRow | undefined;
  /** The employee's latest conversation through that channel, if any. */
  latestChannelConversation(kind: ChannelKind): string | undefined;
  sendOnInitiative(conversationId: string, text: string): Promise<{ id: string } | null>;
}

export class WorkLedger {
  private readonly host: LedgerHost;
  private chain: Promise<void> = Promise.resolve();

  constructor(host: LedgerHost) {
    this.host = host;
  }

  /** Resolves once every entry asked for so far is written. */
  settled(): Promise<void> {
    return this.chain;
  }

  /** A reply ended (the inbox tells each end once): its turn becomes an entry. */
  turnEnded(reply: MessageRow): void {
    this.queue("turn", () => this.recordTurn(reply));
  }

  /** A scheduled run or heartbeat turn ended on the node. */
  runEnded(event: WorkRun): Promise<void> {
    return this.queue("run", () => this.recordRun(event));
  }

  private queue(what: string, work: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(work).catch((err: unknown) => {
      this.host.log().warn("work entry not recorded", { what, ...errorFields(err) });
    });
    return this.chain;
  }

  private async recordTurn(reply: MessageRow): Promise<void> {
    const r = this.host.record();
    const c = this.host.conversation(reply.conversation_id);
    if (!r || !c || reply.role !== "employee") return;
    const person = reply.reply_to ? this.host.message(reply.reply_to) : undefined;
    const endedAt = reply.completed_at ?? this.host.clock.now();
    // OpenClaw took the person's message when the run started; a turn that never ran starts
    // when it was asked.
    const startedAt = Math.min(person?.completed_at ?? reply.created_at, endedAt);
    const outcome: WorkOutcome =
      reply.status === "done" ? "done" : reply.status === "aborted" ? "aborted" : "failed";
    await this.write(r, {
      kind: c.source === "web" ? "chat" : "channel",
      title: c.title || "Conversation",
      conversationId: c.id,
      scheduleId: null,
      runKey: reply.id,
      startedAt,
      endedAt,
      outcome,
      scope: { conversationId: c.id },
    });
  }

  private async recordRun(event: WorkRun): Promise<void> {
    const r = this.host.record();
    if (!r) return;
    const db = openDb(this.host.env.DB);
    const task = event.taskId ? await getSchedule(db, r.id, event.taskId) : undefined;
    // Not after now, not before it started, and no longer than a run can be.
    const endedAt = Math.min(Math.max(event.endedAt, event.startedAt), this.host.clock.now());
    const startedAt = Math.min(Math.max(event.startedAt, endedAt - MAX_RUN_MS), endedAt);
    const written = await this.write(r, {
      kind: event.taskId ? "schedule" : "heartbeat",
      title: event.taskId ? (task?.title ?? UNKNOWN_TASK_TITLE) : HEARTBEAT_TITLE,
      conversationId: null,
      scheduleId: event.taskId,
      runKey: event.runKey,
      startedAt,
      endedAt,
      outcome: event.outcome,
      scope: event.taskId ? { scheduleId: event.taskId } : null,
    });
    // Its result also goes where the task says, once (a repeated report is not written again).
    const summary = event.summary.trim();
    if (!written || !task?.deliverTo || event.outcome !== "done" || !summary) return;
    const conversationId = this.host.latestChannelConversation(task.deliverTo);
    if (!conversationId) {
      this.host.log().info("scheduled result not delivered: no conversation in that channel", {
        scheduleId: task.id,
        kind: task.deliverTo,
      });
      return;
    }
    const sent = await this.host.sendOnInitiative(conversationId, `${task.title}\n\n${summary}`);
    if (!sent)
      this.host.log().info("scheduled result not delivered: the channel took none", {
        scheduleId: task.id,
        kind: task.deliverTo,
      });
  }

  // Written with the figures known now, then read again once the metering has settled.
  private async write(
    r: EmployeeRecord,
    e: Pick<
      WorkEntryRow,
      "kind" | "title" | "conversationId" | "scheduleId" | "runKey" | "startedAt" | "endedAt"
    > & { outcome: WorkOutcome; scope: ApprovalScope | null },
  ): Promise<boolean> {
    const db = openDb(this.host.env.DB);
    const to = e.endedAt + USAGE_GRACE_MS;
    const figures = await figuresInWindow(db, r.id, e.scope, e.startedAt, to);
    const { scope, ...entry } = e;
    // It ended, but everything it asked for was denied (or expired): it stopped there.
    const denied =
      entry.outcome === "done" &&
      figures.approvals > 0 &&
      figures.approvalsDenied === figures.approvals;
    const written = await insertWorkEntry(db, {
      id: crypto.randomUUID(),
      accountId: r.accountId,
      employeeId: r.id,
      sessionKey: null,
      ...entry,
      outcome: denied ? "denied" : entry.outcome,
      title: entry.title.slice(0, 200),
      ...figures,
      createdAt: this.host.clock.now(),
    });
    if (!written) return false;
    setTimeout(() => {
      figuresInWindow(db, r.id, scope, e.startedAt, to)
        .then((later) => setWorkFigures(db, r.id, e.runKey, later))
        .catch((err: unknown) =>
          this.host.log().warn("work entry figures not settled", errorFields(err)),
        );
    }, USAGE_SETTLE_MS);
    return true;
  }
}

/** The ledger of an EmployeeDO, over its inbox (turns, conversations) and channels (delivery). */
export function ledgerOf(
  base: Pick<LedgerHost, "env" | "clock" | "record" | "log">,
  inbox: Inbox,
  channels: ChannelInbox,
): WorkLedger {
  const ledger = new WorkLedger({
    ...base,
    conversation: (id) => inbox.store.conversation(id),
    message: (id) => inbox.store.message(id),
    latestChannelConversation: (kind) =>
      inbox.store
        .conversations(CONVERSATION_LIST_LIMIT)
        .find((c) => c.source === kind && c.external_key)?.id,
    sendOnInitiative: (id, text) => channels.initiative(id, text),
  });
  inbox.onTurnEnded = (reply) => ledger.turnEnded(reply);
  return ledger;
}
