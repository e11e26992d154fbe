import { openDb } from "../../db/client.ts";
import type { ApprovalRow } from "../../db/schema.ts";
import { type Env, parseConfig } from "../env.ts";
import { errorFields, type Logger } from "../log/logger.ts";
import { approvalMail } from "../mail/approval-mail.ts";
import { oneLine } from "../mail/invitation-mail.ts";
import { selectMailer } from "../mail/select-mailer.ts";
import type { AgentEvent, ResultFrame } from "../protocol/frames.ts";
import {
  approvalDeciders,
  getApproval,
  insertApproval,
  isScheduleOf,
  markApprovalExpired,
  pendingBefore,
  settleApproval,
  toApprovalView,
} from "../store/approvals.ts";
import { sessionOrigin } from "./approval-session.ts";
import type { Clock } from "./clock.ts";
import type { EmployeeRecord } from "./employee-record.ts";
import type { DecidedApproval } from "./employee-rpc.ts";
import type { InboxStore } from "./inbox/inbox-store.ts";
import { accountFeedStub, nodeStub } from "./stubs.ts";

type Requested = Extract<AgentEvent, { type: "approval.requested" }>;
type Resolved = Extract<AgentEvent, { type: "approval.resolved" }>;
export type ApprovalEvent = Requested | Resolved;

export const isApprovalEvent = (e: AgentEvent): e is ApprovalEvent =>
  e.type === "approval.requested" || e.type === "approval.resolved";

/** The command that carries a decision is named after the approval: its result finds it again. */
const COMMAND_PREFIX = "approval-";
/** Past this many requests of one employee waiting at once, new ones are listed and pushed but
 * not announced: a runaway employee (or whoever drives it) cannot flood the deciders' mailboxes
 * and its channel. */
export const MAX_ANNOUNCED_PENDING = 5;
/** A channel line quotes at most this much of the command. */
const CHANNEL_COMMAND_MAX = 200;

/** What the EmployeeDO gives its approvals (issue 18). */
export interface ApprovalHost {
  env: Env;
  clock: Clock;
  record: () => EmployeeRecord | undefined;
  log: () => Logger;
  conversations: () => InboxStore;
  /** A line into a channel conversation (null: not a channel's). */
  channelLine: (conversationId: string, text: string) => Promise<{ id: string } | null>;
  /** Work that goes on after the answer (the announcements). */
  waitUntil: (work: Promise<unknown>) => void;
}

// The employee's side of approvals: what its OpenClaw asks is kept in D1 (once per OpenClaw id),
// shown at once on the account's live feed, and announced to the people who may decide (email,
// and a line in the channel the conversation came from); a decision made in the inbox goes to the
// agent as `approval.resolve`; what OpenClaw settles itself is recorded unless a person was first.
export class EmployeeApprovals {
  private readonly host: ApprovalHost;

  constructor(host: ApprovalHost) {
    this.host = host;
  }

  async onEvent(event: ApprovalEvent): Promise<void> {
    const r = this.host.record();
    if (!r) return;
    try {
      if (event.type === "approval.requested") await this.requested(r, event);
      else await this.resolved(r, event);
    } catch (err) {
      // D1 unreachable, or the employee's row gone meanwhile: the agent sends every pending
      // request again after its next reconnect, and OpenClaw's own timeout denies the rest.
      this.host
        .log()
        .error("approval event not recorded", { type: event.type, ...errorFields(err) });
    }
  }

  /** A person decided in the inbox (D1 says so already): OpenClaw hears it now. */
  async decided(input: DecidedApproval): Promise<void> {
    const r = this.host.record();
    if (!r?.nodeId || r.desired === "gone") {
      // Nothing runs that could take it: the request died with the container.
      await this.expire(input.approvalId, "no node to send the decision to");
      return;
    }
    try {
      await nodeStub(this.host.env, r.nodeId).dispatch({
        type: "approval.resolve",
        id: `${COMMAND_PREFIX}${input.approvalId}`,
        employeeId: r.id,
        generation: r.generation ?? 0,
        approvalId: input.openclawId,
        decision: input.decision,
        ...(input.reason ? { reason: input.reason } : {}),
      });
    } catch (err) {
      this.host.log().warn("approval decision not sent", errorFields(err));
      await this.expire(input.approvalId, "the decision could not be sent");
    }
  }

  /** The agent's answer to approval.resolve: a refusal means the decision never took effect. */
  async onResult(result: ResultFrame): Promise<void> {
    if (result.ok || !result.id.startsWith(COMMAND_PREFIX)) return;
    const approvalId = result.id.slice(COMMAND_PREFIX.length);
    await this.expire(approvalId, result.error.code);
  }

  private async requested(r: EmployeeRecord, e: Requested): Promise<void> {
    const now = this.host.clock.now();
    const origin = await this.originOf(r, e.sessionKey);
    const row = await insertApproval(this.host.env.DB, {
      id: crypto.randomUUID(),
      accountId: r.accountId,
      employeeId: r.id,
      openclawId: e.approvalId,
      action: e.action,
      details: e.details,
      sessionKey: e.sessionKey,
      conversationId: origin.conversationId,
      scheduleId: origin.scheduleId,
      requestedAt: e.requestedAt,
      // OpenClaw's own deadline; one in the past (a clock apart) still gets a moment to be seen.
      expiresAt: Math.max(e.expiresAt, now),
      createdAt: now,
    });
    // Sent again after a reconnect: kept once, announced once.
    if (!row) return;
    this.host.log().info("approval requested", { approvalId: row.id, action: row.action });
    await this.publish(row.id);
    if ((await pendingBefore(this.host.env.DB, r.id, row.id)) >= MAX_ANNOUNCED_PENDING) {
      this.host.log().warn("approval not announced: too many waiting", { approvalId: row.id });
      return;
    }
    this.host.waitUntil(this.announce(r, row));
  }

  private async resolved(r: EmployeeRecord, e: Resolved): Promise<void> {
    const row = await settleApproval(
      this.host.env.DB,
      {
        employeeId: r.id,
        openclawId: e.approvalId,
        status: e.expired ? "expired" : e.decision === "deny" ? "denied" : "allowed",
        decision: e.expired ? null : e.decision,
      },
      this.host.clock.now(),
    );
    if (row) await this.publish(row.id);
  }

  private async expire(approvalId: string, why: string): Promise<void> {
    const row = await markApprovalExpired(this.host.env.DB, approvalId, this.host.clock.now());
    if (!row) return;
    this.host.log().info("approval expired: OpenClaw did not take the decision", {
      approvalId,
      reason: why,
    });
    await this.publish(row.id);
  }

  // The conversation or the scheduled task the session names, if it is this employee's.
  private async originOf(
    r: EmployeeRecord,
    sessionKey: string | null,
  ): Promise<{ conversationId: string | null; scheduleId: string | null }> {
    const origin = sessionOrigin(sessionKey);
    const none = { conversationId: null, scheduleId: null };
    if (origin?.kind === "conversation")
      return this.host.conversations().conversation(origin.conversationId)
        ? { conversationId: origin.conversationId, scheduleId: null }
        : none;
    if (origin?.kind === "schedule")
      return (await isScheduleOf(this.host.env.DB, r.id, origin.scheduleId))
        ? { conversationId: null, scheduleId: origin.scheduleId }
        : none;
    return none;
  }

  /** The row as the API shows it, to everyone watching the account. */
  private async publish(id: string): Promise<void> {
    const r = this.host.record();
    const row = await getApproval(this.host.env.DB, id);
    if (!row || !r) return;
    const title = row.conversationId
      ? (this.host.conversations().conversation(row.conversationId)?.title ?? null)
      : null;
    try {
      await accountFeedStub(this.host.env, r.accountId).publish({
        type: "approval",
        approval: toApprovalView(row, title),
      });
    } catch (err) {
      // The inbox lists it all the same; the viewers read it when they next load.
      this.host.log().warn("approval not published", { approvalId: id, ...errorFields(err) });
    }
  }

  // Every person who may decide gets one email; the channel the conversation came from one line.
  private async announce(r: EmployeeRecord, row: ApprovalRow): Promise<void> {
    const { env, log } = { env: this.host.env, log: this.host.log() };
    const config = parseConfig(env);
    const link = new URL(`/approvals?focus=${encodeURIComponent(row.id)}`, config.appOrigin).href;
    try {
      const mailer = selectMailer(config, openDb(env.DB), log);
      const deciders = await approvalDeciders(env.DB, r.accountId);
      const sent = await Promise.allSettled(
        deciders.map((d) =>
          mailer.send(
            approvalMail({
              to: d.email,
              employeeName: r.name,
              action: row.action,
              command: row.details.command,
              expiresAt: row.expiresAt,
              link,
            }),
          ),
        ),
      );
      const failed = sent.filter((s) => s.status === "rejected").length;
      log.info("approval announced by email", { approvalId: row.id, to: deciders.length, failed });
    } catch (err) {
      log.warn("approval emails not sent", { approvalId: row.id, ...errorFields(err) });
    }
    if (!row.conversationId) return;
    const command = oneLine(row.details.command, CHANNEL_COMMAND_MAX);
    const text = `I need a person's approval before I go on: ${row.action === "exec" ? `run \`${command}\`` : `${row.action}: ${command}`}. Allow or deny it here: ${link}`;
    try {
      await this.host.channelLine(row.conversationId, text);
    } catch (err) {
      log.warn("approval not announced in the channel", {
        approvalId: row.id,
        ...errorFields(err),
      });
    }
  }
}
