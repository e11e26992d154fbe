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
