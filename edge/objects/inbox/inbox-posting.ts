import { MAX_ATTACHMENTS } from "../../contract/chat.ts";
import {
  MAX_UNSENT_ATTACHMENTS,
  MAX_WAITING_PER_CONVERSATION,
  UNSENT_ATTACHMENT_TTL_MS,
} from "./inbox-delivery.ts";
import type {
  AddedAttachment,
  AttachmentForNode,
  ChatRefusal,
  NewAttachment,
  NewChatMessage,
} from "./inbox-rpc.ts";
import { attachmentRef, attachmentView, type InboxStore } from "./inbox-store.ts";

// What a person may put into the web chat, checked against the inbox's rows (inbox.ts asks):
// a message's refusal, and the uploads waiting to be sent with one.

/** Why this message cannot be posted, or null: asked before it counts against any limit. */
export function refusalOf(store: InboxStore, input: NewChatMessage): ChatRefusal | null {
  const c = store.conversation(input.conversationId);
  if (!c) return refuse("not_found", "That conversation does not exist.");
  // A channel's conversation is the sender's and the employee's: read-only here.
  if (c.external_key)
    return refuse("invalid_state", "This conversation is a channel's: it is read-only here.");
  const ids = [...new Set(input.attachmentIds)];
  if (ids.length > MAX_ATTACHMENTS)
    return refuse("invalid_input", `A message may carry at most ${MAX_ATTACHMENTS} files.`);
  for (const id of ids) {
    const a = store.attachment(id);
    if (!a || a.message_id !== null)
      return refuse(
        "invalid_input",
        "A file of this message was not uploaded here, or was sent already.",
        { attachmentIds: "unknown or used" },
      );
  }
  if (!input.text.trim() && ids.length === 0)
    return refuse("invalid_input", "Write a message or attach a file.", { text: "empty" });
  const open = store.openMessages(c.id).filter((m) => m.role === "person");
  if (open.length >= MAX_WAITING_PER_CONVERSATION)
    return refuse("invalid_state", "Wait for the employee to answer the messages before this one.");
  return null;
}

// Uploads that were never sent would keep their bytes for as long as the employee exists: past
// a day they are forgotten (the caller deletes the bytes), and only so many may wait at once.
export function addAttachment(store: InboxStore, a: NewAttachment, now: number): AddedAttachment {
  const discarded: string[] = [];
  let waiting = 0;
  for (const u of store.unsentAttachments()) {
    if (u.created_at + UNSENT_ATTACHMENT_TTL_MS > now) waiting++;
    else {
      store.deleteAttachment(u.id);
      discarded.push(u.r2_key);
    }
  }
  if (waiting >= MAX_UNSENT_ATTACHMENTS)
    return {
      ok: false,
      message: `${waiting} files wait to be sent to this employee; send them with a message first.`,
      discarded,
    };
  return { ok: true, attachment: attachmentView(store.insertAttachment(a, now)), discarded };
}

/** A file sent with a message, as the node fetches it. */
export function attachmentForNode(store: InboxStore, id: string): AttachmentForNode | null {
  const a = store.attachment(id);
  return a?.message_id ? { ...attachmentRef(a), r2Key: a.r2_key } : null;
}

export const refuse = (
  code: ChatRefusal["code"],
  message: string,
  fields?: Record<string, string>,
): ChatRefusal => ({ ok: false, code, message, ...(fields ? { fields } : {}) });
