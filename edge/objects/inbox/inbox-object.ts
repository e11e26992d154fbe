import { DurableObject } from "cloudflare:workers";
import type { ChannelKind, ChannelView } from "../../contract/channels.ts";
import type { Conversation, ConversationSource } from "../../contract/chat.ts";
import type { Env } from "../../env.ts";
import type { Logger } from "../../log/logger.ts";
import type { ResultFrame } from "../../protocol/frames.ts";
import type { Clock } from "../clock.ts";
import type { EmployeeRecord } from "../employee-record.ts";
import { ChannelInbox } from "./channel-inbox.ts";
import { Inbox } from "./inbox.ts";
import type {
  AddedAttachment,
  AttachmentForNode,
  ChannelReceiveInput,
  ChannelReceiveResult,
  ChannelRpc,
  ChatRefusal,
  ChatRpc,
  MessagePage,
  NewAttachment,
  NewChatMessage,
  PostResult,
} from "./inbox-rpc.ts";

const GONE = "This employee does not exist.";

// The EmployeeDO's chat RPC, kept apart from its lifecycle: the EmployeeDO extends this class and
// tells it the record, its logger and how to set the one alarm; the inbox (inbox.ts) does the
// work. Every method answers null or not_found once the employee is gone.
export abstract class InboxObject extends DurableObject<Env> implements ChatRpc, ChannelRpc {
  protected readonly clock: Clock;
  protected readonly inbox: Inbox;
  protected readonly channels: ChannelInbox;

  constructor(ctx: DurableObjectState, env: Env, clock: Clock) {
    super(ctx, env);
    this.clock = clock;
    const host = {
      ctx,
      env,
      clock,
      record: () => this.current(),
      log: () => this.logger(),
      syncAlarm: () => this.syncAlarm(),
    };
    this.inbox = new Inbox(host);
    this.channels = new ChannelInbox(host, this.inbox);
  }

  protected abstract current(): EmployeeRecord | undefined;
  protected abstract logger(): Logger;
  protected abstract syncAlarm(): void;

  chatConversations(): Conversation[] {
    return this.current() ? this.inbox.conversations() : [];
  }

  chatCreateConversation(input: { source: ConversationSource; title?: string }) {
    return this.current() ? this.inbox.createConversation(input.source, input.title) : null;
  }

  chatMessages(conversationId: string, before?: string): MessagePage | null {
    return this.current() ? this.inbox.page(conversationId, before) : null;
  }

  chatCheckPost(input: NewChatMessage): ChatRefusal | null {
    if (!this.current()) return { ok: false, code: "not_found", message: GONE };
    return this.inbox.refusalOf(input);
  }

  async chatPost(input: NewChatMessage): Promise<PostResult> {
    if (!this.current()) return { ok: false, code: "not_found", message: GONE };
    return this.inbox.post(input);
  }

  async chatStop(conversationId: string): Promise<Conversation | null> {
    return this.current() ? this.inbox.stop(conversationId) : null;
  }

  chatAddAttachment(input: NewAttachment): AddedAttachment | null {
    return this.current() ? this.inbox.addAttachment(input) : null;
  }

  chatAttachmentForNode(nodeId: string, attachmentId: string): AttachmentForNode | null {
    return this.current() ? this.inbox.attachmentForNode(nodeId, attachmentId) : null;
  }

  // ---- from the NodeDO of the node this employee is placed on ----

  async onChatSent(nodeId: string, result: ResultFrame): Promise<void> {
    await this.inbox.sent(nodeId, result);
  }

  // ---- channels (issue 17): from the webhooks, the pairing verbs and the channel verbs ----

  // Stored even while the employee is gone from D1 but not yet removed here: a throw is only for
  // what could not be stored (the webhook then answers 503 and the provider retries).
  async channelReceive(input: ChannelReceiveInput): Promise<ChannelReceiveResult> {
    if (!this.current()) return { stored: 0, duplicates: input.messages.length };
    return this.channels.receive(input);
  }

  async channelReleaseSender(
    kind: ChannelKind,
    senderKey: string,
    decision: "allow" | "block",
  ): Promise<void> {
    if (this.current()) await this.channels.release(kind, senderKey, decision);
  }

  async channelSendOnInitiative(conversationId: string, text: string) {
    return this.current() ? this.channels.initiative(conversationId, text) : null;
  }

  async channelStatusChanged(view: ChannelView): Promise<void> {
    this.channels.statusChanged(view);
  }
}
