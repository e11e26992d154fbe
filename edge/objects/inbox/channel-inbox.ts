import { type InboundMessage, InboundMessageSchema } from "../../channels/channel-message.ts";
import {
  type ChannelKind,
  ChannelSettings,
  type ChannelView,
  defaultChannelSettings,
} from "../../contract/channels.ts";
import { errorFields } from "../../log/logger.ts";
import { findChannelSender, recordSender } from "../../store/channel-senders.ts";
import { getChannel } from "../../store/channels.ts";
import {
  channelPair,
  intakeKey,
  MAX_WAITING_CHANNEL,
  oneLine,
  PAIRING_RATE,
  rateStep,
  SENDER_RATE,
  screenOutcome,
  screenRetryAt,
} from "./channel-intake.ts";
import { broadcastChannel, ChannelOutbox, sendPairing } from "./channel-outbox.ts";
import { identify, storeFiles } from "./channel-screen.ts";
import type { SendContext } from "./channel-send.ts";
import { ChannelStore, type IntakeRow } from "./channel-store.ts";
import type { Inbox } from "./inbox.ts";
import type { InboxHost } from "./inbox-host.ts";
import type { ChannelReceiveInput, ChannelReceiveResult } from "./inbox-rpc.ts";
import type { MessageRow } from "./inbox-store.ts";

/** Screening starts at once; the alarm runs it this much later if that did not finish. */
const SCREEN_BACKSTOP_MS = 15_000;

// The inbox's channel side (issue 17): what providers hand the employee is stored here before
// the webhook answers (channel_intake, deduplicated by the provider's id), then screened (the
// sender's rate, who they are, the pairing requests) and put into the inbox as a channel
// conversation, which delivers it like any other message; the employee's answers go back through
// the outbox (channel-outbox.ts). Work after the answer runs one pass at a time.
export class ChannelInbox {
  private readonly host: InboxHost;
  private readonly inbox: Inbox;
  readonly store: ChannelStore;
  readonly outbox: ChannelOutbox;
  private chain: Promise<void> = Promise.resolve();

  constructor(host: InboxHost, inbox: Inbox) {
    this.host = host;
    this.inbox = inbox;
    this.store = new ChannelStore(host.ctx.storage.sql);
    this.outbox = new ChannelOutbox(host);
    inbox.onReplyEnded = (reply) => {
      if (this.outbox.replyEnded(reply)) this.kick();
    };
  }

  /**
   * Stored before answered: each message by `kind:providerMessageId`, once; a sender over the
   * rate is recorded as rate_limited. Screening follows after the answer.
   */
  receive(input: ChannelReceiveInput): ChannelReceiveResult {
    const now = this.host.clock.now();
    let stored = 0;
    let duplicates = 0;
    for (const m of input.messages) {
      const key = intakeKey(m.kind, m.providerMessageId);
      if (this.store.intake(key)) {
        duplicates++;
        continue;
      }
      const rateKey = `sender:${m.kind}:${m.sender.id}`;
      const rate = rateStep(this.store.tat(rateKey), now, SENDER_RATE);
      if (rate.ok) this.store.setTat(rateKey, rate.tat);
      const fresh = this.store.insertIntake({
        key,
        channel_id: input.channelId,
        kind: m.kind,
        state: rate.ok ? "screening" : "rate_limited",
        sender_key: m.sender.id,
        message_json: rate.ok ? JSON.stringify(m) : null,
        conversation_id: null,
        attempts: 0,
        next_at: rate.ok ? now + SCREEN_BACKSTOP_MS : null,
        received_at: now,
      });
      if (fresh) stored++;
      else duplicates++;
    }
    if (stored > 0) {
      this.host.syncAlarm();
      this.kick();
    }
    return { stored, duplicates };
  }

  /** An admin decided: an allowed sender's held messages are screened again (and go), a blocked one's dropped. */
  async release(kind: ChannelKind, senderKey: string, decision: "allow" | "block"): Promise<void> {
    const now = this.host.clock.now();
    for (const row of this.store.heldOf(kind, senderKey))
      if (decision === "allow")
        this.store.setIntake(row.key, "screening", { nextAt: now, attempts: 0 });
      else this.store.setIntake(row.key, "blocked");
    if (decision === "allow") await this.tick();
  }

  /** The employee writes first, into a channel conversation it has: queued in the outbox. */
  async initiative(conversationId: string, text: string): Promise<{ id: string } | null> {
    const c = this.inbox.store.conversation(conversationId);
    const target = c?.external_key ? this.outbox.store.latestTarget(conversationId) : null;
    const body = text.trim();
    if (!c || !target || !body) return null;
    const now = this.host.clock.now();
    const row: MessageRow = {
      id: crypto.randomUUID(),
      conversation_id: c.id,
      role: "employee",
      author: null,
      text: body,
      truncated: 0,
      status: "done",
      error_code: null,
      error_message: null,
      tools: "[]",
      reply_to: null,
      deadline_at: null,
      progress_at: null,
      created_at: now,
      completed_at: now,
    };
    this.inbox.store.insertMessage(row);
    this.outbox.queue(c.id, row.id, "initiative", target, body);
    this.inbox.announce(c.id);
    await this.tick();
    return { id: row.id };
  }

  statusChanged(view: ChannelView): void {
    const r = this.host.record();
    if (r) broadcastChannel(this.host, r.id, view);
  }

  wakeAt(): number | null {
    const due = [this.store.earliestIntake(), this.outbox.wakeAt()].filter(
      (t): t is number => t !== null,
    );
    return due.length ? Math.min(...due) : null;
  }

  /** One pass (never two at once): screen what arrived, queue due notices, send what is due. */
  tick(): Promise<void> {
    this.chain = this.chain.then(
      () => this.pass(),
      () => this.pass(),
    );
    return this.chain;
  }

  private kick(): void {
    this.tick().catch((err) => this.host.log().warn("channel pass failed", errorFields(err)));
  }

  private async pass(): Promise<void> {
    const r = this.host.record();
    if (!r) return;
    const ctx: SendContext = {
      env: this.host.env,
      log: this.host.log(),
      employeeId: r.id,
      accountId: r.accountId,
      employeeName: r.name,
    };
    for (const row of this.store.dueIntake(this.host.clock.now())) await this.screen(ctx, row);
    this.outbox.noticesDue(this.host.clock.now());
    await this.outbox.flush(ctx);
    this.store.pruneIntake(this.host.clock.now());
    this.host.syncAlarm();
  }

  private async screen(ctx: SendContext, row: IntakeRow): Promise<void> {
    const parsed = InboundMessageSchema.safeParse(JSON.parse(row.message_json ?? "null"));
    if (!parsed.success) return this.store.setIntake(row.key, "ignored");
    const m = parsed.data;
    try {
      const channel = await getChannel(ctx.env.DB, row.channel_id);
      if (!channel || channel.employeeId !== ctx.employeeId)
        return this.store.setIntake(row.key, "ignored");
      const settings = ChannelSettings.safeParse(channel.settings);
      const { policy, noticeAfterSeconds } = settings.success
        ? settings.data
        : defaultChannelSettings(m.kind);
      const who = policy === "anyone" ? null : await identify(ctx, m);
      const seen = who?.member
        ? null
        : await findChannelSender(ctx.env.DB, ctx.employeeId, m.kind, m.sender.id);
      const now = this.host.clock.now();
      let mayOpenRequest = true;
      if (policy !== "anyone" && !who?.member && !seen) {
        const step = rateStep(this.store.tat(`pairing:${ctx.employeeId}`), now, PAIRING_RATE);
        mayOpenRequest = step.ok;
        if (step.ok) this.store.setTat(`pairing:${ctx.employeeId}`, step.tat);
      }
      const outcome = screenOutcome({
        policy,
        member: who?.member ?? false,
        decision: seen?.status ?? null,
        held: this.store.countHeld(m.kind, m.sender.id),
        mayOpenRequest,
      });
      if (outcome === "hold") {
        const { row: sender, opened } = await recordSender(
          ctx.env.DB,
          {
            accountId: ctx.accountId,
            employeeId: ctx.employeeId,
            kind: m.kind,
            senderKey: m.sender.id,
            displayName: who?.name ?? m.sender.name ?? null,
            email: who?.email ?? m.sender.email ?? null,
            text: m.text,
          },
          now,
        );
        this.store.setIntake(row.key, "held");
        if (opened) this.pairingFrame(ctx, sender);
        return;
      }
      if (outcome !== "admit")
        return this.store.setIntake(row.key, outcome === "block" ? "blocked" : outcome);
      await this.admit(ctx, row, m, channel, who?.name, noticeAfterSeconds);
    } catch (err) {
      const attempts = row.attempts + 1;
      const nextAt = screenRetryAt(attempts, this.host.clock.now());
      ctx.log.warn("channel message not screened", { kind: m.kind, attempts, ...errorFields(err) });
      if (nextAt === null) this.store.setIntake(row.key, "ignored", { attempts });
      else this.store.setIntake(row.key, "screening", { nextAt, attempts });
    }
  }

  private async admit(
    ctx: SendContext,
    row: IntakeRow,
    m: InboundMessage,
    channel: Parameters<typeof storeFiles>[1],
    name: string | undefined,
    noticeAfterSeconds: number | null,
  ): Promise<void> {
    const shown = name ?? m.sender.name ?? m.sender.email ?? m.sender.id;
    const conversationId = this.conversationFor(m, oneLine(shown));
    const targetJson = JSON.stringify(m.replyTo);
    const now = this.host.clock.now();
    if (this.outbox.store.waiting(conversationId) >= MAX_WAITING_CHANNEL) {
      this.outbox.busy(conversationId, targetJson, now);
      this.store.setIntake(row.key, "ignored", { conversationId });
      this.kick();
      return;
    }
    const files = await storeFiles(ctx, channel, m);
    const added = files.attachments.map((a) => this.inbox.store.insertAttachment(a, now).id);
    this.store.setIntake(row.key, "admitted", { conversationId });
    const { person, reply } = channelPair(conversationId, m, shown, files.omitted, now);
    await this.inbox.enqueue(person, reply, added, () => {
      this.outbox.store.setSenderKey(person.id, m.sender.id);
      this.outbox.store.setReplyChannel(
        reply.id,
        targetJson,
        noticeAfterSeconds === null ? null : now + noticeAfterSeconds * 1000,
      );
    });
  }

  /** The conversation of this provider thread, made the first time (one OpenClaw session each). */
  private conversationFor(m: InboundMessage, peer: string): string {
    const key = `${m.kind}:${m.conversationId}`;
    const found = this.outbox.store.conversationByKey(key);
    if (found) return found;
    const id = crypto.randomUUID();
    this.inbox.store.insertConversation({
      id,
      source: m.kind,
      title: "",
      created_at: this.host.clock.now(),
    });
    this.outbox.store.setConversationChannel(id, key, peer);
    this.inbox.announce(id);
    return id;
  }

  private pairingFrame(ctx: SendContext, s: Awaited<ReturnType<typeof recordSender>>["row"]) {
    const r = this.host.record();
    sendPairing(this.host, {
      id: s.id,
      employeeId: ctx.employeeId,
      employeeName: r?.name ?? "",
      kind: s.kind,
      sender: { id: s.senderKey, name: s.displayName, email: s.email },
      preview: s.preview,
      messageCount: s.messageCount,
      status: s.status,
      createdAt: new Date(s.createdAt).toISOString(),
    });
  }
}
