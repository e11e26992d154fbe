import type { InboundMessage } from "../../channels/channel-message.ts";
import type { ChannelKind, ChannelView } from "../../contract/channels.ts";
import type {
  ChatAttachmentView,
  ChatMessage,
  Conversation,
  ConversationSource,
} from "../../contract/chat.ts";
import type { ChatAttachmentRef, ResultFrame } from "../../protocol/frames.ts";

// What the EmployeeDO answers about its inbox over RPC (edge/objects/inbox/inbox.ts does it).
// Refusals are results, not throws: an error's class does not survive RPC.

export type ChatRefusal = {
  ok: false;
  code: "not_found" | "invalid_input" | "invalid_state";
  message: string;
  fields?: Record<string, string>;
};

export interface NewChatMessage {
  conversationId: string;
  text: string;
  /** A member's name or email; a channel's sender. */
  author: string;
  attachmentIds: string[];
}

export type PostResult = { ok: true; message: ChatMessage; reply: ChatMessage } | ChatRefusal;

export interface MessagePage {
  conversation: Conversation;
  messages: ChatMessage[];
  nextBefore: string | null;
}

export interface NewAttachment {
  id: string;
  name: string;
  size: number;
  contentType: string;
  sha256: string;
  r2Key: string;
}

/** An upload stored, or refused while too many wait unsent; either way, the R2 keys of unsent
 * files past their time that the inbox forgot (the caller deletes their bytes). */
export type AddedAttachment =
  | { ok: true; attachment: ChatAttachmentView; discarded: string[] }
  | { ok: false; message: string; discarded: string[] };

/** An attachment as the node fetches it: where its bytes are. */
export type AttachmentForNode = ChatAttachmentRef & { r2Key: string };

export interface ChatRpc {
  chatConversations(): Conversation[];
  chatCreateConversation(input: {
    source: ConversationSource;
    title?: string;
  }): Conversation | null;
  chatMessages(conversationId: string, before?: string): MessagePage | null;
  /** Why the message would be refused, or null; asked before the message counts anywhere. */
  chatCheckPost(input: NewChatMessage): ChatRefusal | null;
  chatPost(input: NewChatMessage): Promise<PostResult>;
  chatStop(conversationId: string): Promise<Conversation | null>;
  chatAddAttachment(input: NewAttachment): AddedAttachment | null;
  chatAttachmentForNode(nodeId: string, attachmentId: string): AttachmentForNode | null;
  /** The node's answer to a chat.send: OpenClaw took the message, or could not. */
  onChatSent(nodeId: string, result: ResultFrame): Promise<void>;
}

// ---- channels (issue 17): types only; the inbox implements them (edge/objects/inbox/channel-*)
// and EmployeeRpc extends ChannelRpc once it does.

/** What a webhook hands the inbox before it answers the provider: stored, or a duplicate. */
export interface ChannelReceiveInput {
  /** The channel's row id (db/channels). */
  channelId: string;
  kind: ChannelKind;
  /** Already parsed and bounded by the adapter; file bytes are references or in R2 (`stored`). */
  messages: InboundMessage[];
}

export interface ChannelReceiveResult {
  /** Newly stored (screened and delivered after the answer). */
  stored: number;
  /** Seen before by provider message id: nothing is done again. */
  duplicates: number;
}

export interface ChannelRpc {
  /** Stores the messages (INSERT OR IGNORE by kind:providerMessageId); throws only when it could
   * not store them, and the webhook then answers 503 so the provider retries. */
  channelReceive(input: ChannelReceiveInput): Promise<ChannelReceiveResult>;
  /** An admin's decision on a sender: allow delivers the held messages, block drops them. */
  channelReleaseSender(
    kind: ChannelKind,
    senderKey: string,
    decision: "allow" | "block",
  ): Promise<void>;
  /** A message on the employee's own initiative into a channel conversation (issue 18's
   * scheduled work): queued in the outbox; null when there is no such channel conversation. */
  channelSendOnInitiative(conversationId: string, text: string): Promise<{ id: string } | null>;
  /** A channel's state changed (connected, failing, paused): broadcasts the `channel` frame. */
  channelStatusChanged(view: ChannelView): Promise<void>;
}
