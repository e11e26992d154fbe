import type { ChannelRow } from "../../../db/schema.ts";
import { ChannelError } from "../../channels/channel-error.ts";
import {
  MAX_REPLY_TEXT_CHARS,
  type ReplyTarget,
  ReplyTargetSchema,
} from "../../channels/channel-message.ts";
import { channelView } from "../../channels/channel-view.ts";
import type { ChannelKind, ChannelView, PairingRequestView } from "../../contract/channels.ts";
import { employeeMailDomain, parseConfig } from "../../env.ts";
import { errorFields } from "../../log/logger.ts";
import { getEmployeeChannel, setChannelStatus } from "../../store/channels.ts";
import { sendFrame } from "../live-viewers.ts";
import {
  FAILURE_TEXT,
  MAX_WAITING_CHANNEL,
  mayNotice,
  NOTICE_TEXT,
  sendVerdict,
} from "./channel-intake.ts";
import { ChannelOutboxStore } from "./channel-outbox-store.ts";
import { type SendContext, sendToChannel } from "./channel-send.ts";
import type { OutboxPurpose, OutboxRow } from "./channel-store.ts";
import type { InboxHost } from "./inbox-host.ts";
import type { MessageRow } from "./inbox-store.ts";

// What goes back to the people who wrote through a channel, stored before it is sent: a reply
// that ended done, a one-line apology for one that failed or timed out, the "answering shortly"
// notice, and messages on the employee's own initiative. Sent in order per conversation through
// the channel's adapter (channel-send.ts); a provider's pause or outage is retried with backoff
// (or its retry_after) from the part that failed; a refused credential marks the channel failing.
export class ChannelOutbox {
  private readonly host: InboxHost;
  readonly store: ChannelOutboxStore;

  constructor(host: InboxHost) {
    this.host = host;
    this.store = new ChannelOutboxStore(host.ctx.storage.sql);
  }

  /** A reply ended: its answer (or apology) is queued; an aborted one sends nothing. */
  replyEnded(reply: MessageRow): boolean {
    this.store.clearNotice(reply.id);
    const target = this.store.replyTarget(reply.id);
    if (!target) return false;
    if (reply.status === "done" && reply.text.trim() !== "")
      return this.queue(reply.conversation_id, reply.id, "reply", target, reply.text);
    if (reply.status === "failed")
      return this.queue(reply.conversation_id, reply.id, "failure", target, FAILURE_TEXT);
    return false;
  }

  /** Notices due now: "answering shortly", once per reply and per conversation per 10 minutes. */
  noticesDue(now: number): boolean {
    let queued = false;
    for (const n of this.store.dueNotices(now)) {
      this.store.clearNotice(n.id);
      const open = n.status === "queued" || n.status === "sending" || n.status === "streaming";
      if (!open || !n.reply_target) continue;
      if (!mayNotice(this.store.lastNoticeAt(n.conversation_id), now)) continue;
      queued = this.queue(n.conversation_id, n.id, "notice", n.reply_target, NOTICE_TEXT) || queued;
    }
    return queued;
  }

  /** Too many wait in a conversation: said once (per NOTICE_GAP_MS), the message is not read. */
  busy(conversationId: string, targetJson: string, now: number): void {
    if (this.store.waiting(conversationId) < MAX_WAITING_CHANNEL) return;
    if (!mayNotice(this.store.lastNoticeAt(conversationId), now)) return;
    this.queue(
      conversationId,
      null,
      "notice",
      targetJson,
      "Too many messages are waiting; this one was not read. Please send it again later.",
    );
  }

  queue(
    conversationId: string,
    replyId: string | null,
    purpose: OutboxPurpose,
    targetJson: string,
    text: string,
  ): boolean {
    const target = ReplyTargetSchema.safeParse(JSON.parse(targetJson));
    if (!target.success) return false;
    const now = this.host.clock.now();
    return this.store.insert({
      id: crypto.randomUUID(),
      reply_id: replyId,
      conversation_id: conversationId,
      kind: target.data.kind,
      purpose,
      target_json: targetJson,
      text: text.slice(0, MAX_REPLY_TEXT_CHARS),
      parts_delivered: 0,
      attempts: 0,
      next_at: now,
      state: "pending",
      error_code: null,
      error_message: null,
      created_at: now,
      sent_at: null,
    });
  }

  /** Sends what is due, in order per conversation: a conversation waiting on a retry waits whole. */
  async flush(ctx: SendContext): Promise<void> {
    const waiting = new Set<string>();
    for (const row of this.store.pending()) {
      if (waiting.has(row.conversation_id)) continue;
      if ((row.next_at ?? 0) > this.host.clock.now()) {
        waiting.add(row.conversation_id);
        continue;
      }
      if (!(await this.send(ctx, row))) waiting.add(row.conversation_id);
    }
  }

  wakeAt(): number | null {
    const times = [this.store.earliest(), this.store.earliestNotice()];
    const due = times.filter((t): t is number => t !== null);
    return due.length ? Math.min(...due) : null;
  }

  /** One send; true when it is done with (sent or given up), false when it waits for a retry. */
  private async send(ctx: SendContext, row: OutboxRow): Promise<boolean> {
    const target = JSON.parse(row.target_json) as ReplyTarget;
    const channel = await getEmployeeChannel(ctx.env.DB, ctx.employeeId, row.kind);
    if (!channel) {
      this.store.update({ ...row, state: "failed", error_code: "channel_removed", next_at: null });
      return true;
    }
    try {
      await sendToChannel(ctx, channel, target, row.text, row.parts_delivered);
      this.store.update({ ...row, state: "sent", sent_at: this.host.clock.now(), next_at: null });
      return true;
    } catch (err) {
      const failure = err instanceof ChannelError ? err : null;
      const now = this.host.clock.now();
      const next: OutboxRow = {
        ...row,
        attempts: row.attempts + 1,
        parts_delivered: Math.max(row.parts_delivered, failure?.partsDelivered ?? 0),
        error_code: failure?.code ?? "unavailable",
        error_message: (err instanceof Error ? err.message : String(err)).slice(0, 500),
      };
      const verdict = sendVerdict(failure, next.attempts, now);
      ctx.log.warn("channel send failed", {
        kind: row.kind,
        purpose: row.purpose,
        attempts: next.attempts,
        verdict: verdict.state,
        ...errorFields(err),
      });
      if (verdict.state === "retry") {
        this.store.update({ ...next, next_at: verdict.nextAt });
        return false;
      }
      this.store.update({ ...next, state: "failed", next_at: null });
      if (verdict.markChannelFailing)
        await this.markFailing(ctx, row.kind, channel.id, next.error_message ?? "");
      return true;
    }
  }

  // The provider refused the credential: the channel shows failing with its reason, live.
  private async markFailing(ctx: SendContext, kind: ChannelKind, id: string, reason: string) {
    try {
      const row = await setChannelStatus(ctx.env.DB, id, "failing", reason, this.host.clock.now());
      if (row) this.statusChanged(ctx.employeeId, row);
    } catch (err) {
      ctx.log.warn("channel could not be marked failing", { kind, ...errorFields(err) });
    }
  }

  statusChanged(employeeId: string, row: ChannelRow): void {
    const view = channelView(row, { mailDomain: employeeMailDomain(parseConfig(this.host.env)) });
    broadcastChannel(this.host, employeeId, view);
  }
}

/** The `channel` live frame: the employee's viewers see the channel's state change. */
export function broadcastChannel(host: InboxHost, employeeId: string, channel: ChannelView) {
  sendFrame(host.ctx, { type: "channel", employeeId, channel }, host.clock.now());
}

/** The `channel.pairing` live frame: a stranger asked to talk to the employee. */
export function sendPairing(host: InboxHost, request: PairingRequestView) {
  sendFrame(host.ctx, { type: "channel.pairing", request }, host.clock.now());
}
