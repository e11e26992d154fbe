import type { ConversationSource } from "../../contract/chat.ts";
import { errorFields } from "../../log/logger.ts";
import { nodeStub } from "../stubs.ts";
import { authorName, deliveredText } from "./channel-intake.ts";
import { sessionKey } from "./inbox-delivery.ts";
import type { InboxHost } from "./inbox-host.ts";
import { attachmentRef, type InboxStore, type MessageRow } from "./inbox-store.ts";

// What the inbox tells the node its employee is placed on, through the NodeDO's durable outbox
// (which sends a chat.send again after a lost connection, under the same id until its result).

/** Hands a reply's run to the node: false when the node would not take it (not placed there). */
export async function sendRun(
  host: InboxHost,
  store: InboxStore,
  reply: MessageRow,
): Promise<boolean> {
  const r = host.record();
  const c = store.conversation(reply.conversation_id);
  const person = reply.reply_to ? store.message(reply.reply_to) : undefined;
  if (!r?.nodeId || !c || !person) return false;
  try {
    await nodeStub(host.env, r.nodeId).dispatch({
      type: "chat.send",
      // The command's id is the run id: sent again, it replaces itself in the outbox.
      id: reply.id,
      employeeId: r.id,
      sessionKey: sessionKey(c.source, c.id),
      runId: reply.id,
      // A channel's message opens with one bounded line saying where it is from and who wrote.
      text:
        c.external_key && c.source !== "web"
          ? deliveredText(c.source, authorName(c.source, person.author), person.text)
          : person.text,
      attachments: store.attachmentsOf(person.id).map(attachmentRef),
    });
    return true;
  } catch (err) {
    host.log().warn("chat message could not be handed to the node", errorFields(err));
    return false;
  }
}

/** Stops a run on the node; a failure is only logged (the run's end is recorded either way). */
export async function abortRun(
  host: InboxHost,
  source: ConversationSource,
  reply: MessageRow,
): Promise<void> {
  const r = host.record();
  if (!r?.nodeId) return;
  try {
    await nodeStub(host.env, r.nodeId).dispatch({
      type: "chat.abort",
      id: crypto.randomUUID(),
      employeeId: r.id,
      sessionKey: sessionKey(source, reply.conversation_id),
      runId: reply.id,
    });
  } catch (err) {
    host.log().warn("chat abort could not be sent", errorFields(err));
  }
}
