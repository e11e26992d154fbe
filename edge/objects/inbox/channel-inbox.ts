import { ChannelStore } from "./channel-store.ts";
import type { InboxHost } from "./inbox-host.ts";
import type { ChannelReceiveInput, ChannelReceiveResult } from "./inbox-rpc.ts";

// The inbox's channel side (issue 17): what providers hand the employee is stored here before
// the webhook answers, then screened and put into the inbox as a channel conversation; what the
// employee answers goes back through the outbox.
export class ChannelInbox {
  private readonly host: InboxHost;
  readonly store: ChannelStore;

  constructor(host: InboxHost) {
    this.host = host;
    this.store = new ChannelStore(host.ctx.storage.sql);
  }

  /**
   * Stored before answered: each message by `kind:providerMessageId`, once. Nothing else happens
   * before the webhook's answer; screening follows (started now, the alarm as its backstop).
   */
  receive(input: ChannelReceiveInput): ChannelReceiveResult {
    const now = this.host.clock.now();
    let stored = 0;
    let duplicates = 0;
    for (const m of input.messages) {
      const fresh = this.store.insertIntake({
        key: intakeKey(m.kind, m.providerMessageId),
        channel_id: input.channelId,
        kind: m.kind,
        state: "screening",
        sender_key: m.sender.id,
        message_json: JSON.stringify(m),
        conversation_id: null,
        attempts: 0,
        next_at: now,
        received_at: now,
      });
      if (fresh) stored++;
      else duplicates++;
    }
    if (stored > 0) this.host.syncAlarm();
    return { stored, duplicates };
  }

  wakeAt(): number | null {
    return this.store.earliestIntake();
  }
}

export const intakeKey = (kind: string, providerMessageId: string) =>
  `${kind}:${providerMessageId}`;
