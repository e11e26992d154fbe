import {
  CHAT_ERROR_CODES,
  type ChatErrorCode,
  type Conversation,
  type ConversationSource,
  MESSAGE_PAGE,
} from "../../contract/chat.ts";
import type { LiveFrame } from "../../contract/live.ts";
import { errorFields } from "../../log/logger.ts";
import type { AgentEvent, ResultFrame } from "../../protocol/frames.ts";
import { sendFrame } from "../live-viewers.ts";
import { chatReadiness } from "./chat-readiness.ts";
import {
  CONVERSATION_LIST_LIMIT,
  ended,
  handedOver,
  isInFlight,
  mayDeliver,
  nextReply,
  progressed,
  requeued,
  taken,
  timedOut,
  titleFrom,
} from "./inbox-delivery.ts";
import type { InboxHost } from "./inbox-host.ts";
import { abortRun, sendRun } from "./inbox-node.ts";
import { addAttachment, attachmentForNode, refusalOf, refuse } from "./inbox-posting.ts";
import type {
  AddedAttachment,
  AttachmentForNode,
  ChatRefusal,
  MessagePage,
  NewAttachment,
  NewChatMessage,
  PostResult,
} from "./inbox-rpc.ts";
import { InboxStore, type MessageRow } from "./inbox-store.ts";

const NEW_TITLE = "New conversation";
const ENDED: readonly string[] = ["done", "failed", "aborted"];

// The employee's durable inbox (DESIGN.md): conversations and messages in the object's SQLite,
// delivered in order, one run at a time per conversation, to the employee's own OpenClaw through
// the node it is placed on, and only while it runs. Every change is stored before it is sent
// anywhere, and every viewer of the live socket hears it (chat.message, chat.conversation).
export class Inbox {
  readonly store: InboxStore;
  private readonly host: InboxHost;
  /** Told of every reply that ended (done, failed, aborted): the channels' outbox. */
  onReplyEnded: ((reply: MessageRow) => void) | undefined;
  /** Told of the same ends: the work ledger (issue 18, objects/work-ledger.ts). */
  onTurnEnded: ((reply: MessageRow) => void) | undefined;

  constructor(host: InboxHost) {
    this.host = host;
    this.store = new InboxStore(host.ctx.storage.sql);
  }

  // ---- what people ask ----

  conversations(): Conversation[] {
    return this.store
      .conversations(CONVERSATION_LIST_LIMIT)
      .map((c) => this.store.conversationView(c));
  }

  createConversation(source: ConversationSource, title: string | undefined): Conversation {
    const row = {
      id: crypto.randomUUID(),
      source,
      title: title?.trim() ?? "",
      created_at: this.now(),
    };
    this.store.insertConversation(row);
    const view = this.store.conversationView(row);
    this.broadcast({ type: "chat.conversation", conversation: view });
    return view;
  }

  page(conversationId: string, before: string | undefined): MessagePage | null {
    const c = this.store.conversation(conversationId);
    if (!c) return null;
    if (before && this.store.message(before)?.conversation_id !== conversationId) return null;
    // One more than a page says whether there is an older one.
    const rows = this.store.page(conversationId, MESSAGE_PAGE + 1, before);
    const older = rows.length > MESSAGE_PAGE;
    const shown = older ? rows.slice(1) : rows;
    return {
      conversation: this.store.conversationView(c),
      messages: shown.map((m) => this.store.messageView(m)),
      nextBefore: older ? (shown[0]?.id ?? null) : null,
    };
  }

  /** Why this message cannot be posted, or null: asked before it counts against any limit. */
  refusalOf(input: NewChatMessage): ChatRefusal | null {
    return refusalOf(this.store, input);
  }

  async post(input: NewChatMessage): Promise<PostResult> {
    const refused = this.refusalOf(input);
    if (refused) return refused;
    const c = this.store.conversation(input.conversationId);
    if (!c) return refuse("not_found", "That conversation does not exist.");
    const ids = [...new Set(input.attachmentIds)];
    const text = input.text.trim();
    const now = this.now();
    const base = {
      conversation_id: c.id,
      truncated: 0,
      error_code: null,
      error_message: null,
      tools: "[]",
      deadline_at: null,
      progress_at: null,
      created_at: now,
      completed_at: null,
    };
    const message: MessageRow = {
      ...base,
      id: crypto.randomUUID(),
      role: "person",
      author: input.author,
      text,
      status: "queued",
      reply_to: null,
    };
    // The reply's id is the run id: OpenClaw's idempotency key for this message.
    const reply: MessageRow = {
      ...base,
      id: crypto.randomUUID(),
      role: "employee",
      author: null,
      text: "",
      status: "queued",
      reply_to: message.id,
    };
    await this.enqueue(message, reply, ids);
    return {
      ok: true,
      message: this.store.messageView(this.store.message(message.id) ?? message),
      reply: this.store.messageView(this.store.message(reply.id) ?? reply),
    };
  }

  /**
   * A person's message and its reply (queued), stored together and delivered in order: the web
   * chat's post, and a channel's admitted message (channel-inbox.ts).
   */
  async enqueue(
    message: MessageRow,
    reply: MessageRow,
    attachmentIds: string[],
    stored?: () => void,
  ): Promise<void> {
    const c = this.store.conversation(message.conversation_id);
    if (!c) return;
    this.store.insertMessage(message);
    this.store.insertMessage(reply);
    this.store.attach(attachmentIds, message.id);
    // What the caller adds to the rows (a channel's target), before anything is sent.
    stored?.();
    if (!c.title)
      this.store.setTitle(
        c.id,
        titleFrom(message.text, attachmentIds.length ? "Files" : NEW_TITLE),
      );
    this.changed(message);
    this.changed(reply);
    await this.deliver(c.id);
  }

  /** A channel could not take the employee's answer: it shows failed, with why. */
  undelivered(messageId: string, why: string): void {
    const m = this.store.message(messageId);
    if (m?.role === "employee")
      this.changed({
        ...m,
        status: "failed",
        error_code: "unreachable",
        error_message: why.slice(0, 1000),
      });
  }

  /** Tells the viewers of a conversation made or changed outside a post (a channel's). */
  announce(conversationId: string): void {
    const c = this.store.conversation(conversationId);
    if (c)
      this.broadcast({ type: "chat.conversation", conversation: this.store.conversationView(c) });
  }

  // The stop button: the answer being written is aborted on the node, and what waits behind it
  // in this conversation is not sent.
  async stop(conversationId: string): Promise<Conversation | null> {
    const c = this.store.conversation(conversationId);
    if (!c) return null;
    const now = this.now();
    for (const m of this.store.openMessages(c.id)) {
      const wasInFlight = isInFlight(m);
      this.changed(ended(m, now, "aborted"));
      if (wasInFlight) await abortRun(this.host, c.source, m);
    }
    this.host.syncAlarm();
    return this.store.conversationView(c);
  }

  addAttachment(a: NewAttachment): AddedAttachment {
    return addAttachment(this.store, a, this.now());
  }

  /** Only for the node the employee is on, and only a file sent with a message. */
  attachmentForNode(nodeId: string, id: string): AttachmentForNode | null {
    if (this.host.record()?.nodeId !== nodeId) return null;
    return attachmentForNode(this.store, id);
  }

  // ---- what the node reports ----

  async sent(nodeId: string, result: ResultFrame): Promise<void> {
    const reply = this.store.message(result.id);
    if (this.host.record()?.nodeId !== nodeId || reply?.status !== "sending") return;
    if (result.ok) {
      this.took(reply);
      this.changed(taken(reply, this.now()));
    } else {
      const code = (CHAT_ERROR_CODES as readonly string[]).includes(result.error.code)
        ? (result.error.code as ChatErrorCode)
        : "unreachable";
      this.fail(reply, code, result.error.message);
      await this.deliver(reply.conversation_id);
    }
    this.host.syncAlarm();
  }

  async progress(nodeId: string, event: Extract<AgentEvent, { type: "chat.progress" }>) {
    const reply = this.store.message(event.runId);
    if (this.host.record()?.nodeId !== nodeId || reply?.role !== "employee") {
      this.host.log().warn("chat progress for no reply of this employee", { runId: event.runId });
      return;
    }
    const next = progressed(reply, event, this.now());
    if (!next) return;
    if (reply.status === "sending") this.took(reply);
    this.changed(next);
    if (!isInFlight(next)) await this.deliver(next.conversation_id);
    this.host.syncAlarm();
  }

  // ---- what the lifecycle and time do ----

  /** The employee's status changed: it runs (what waits goes) or not (what was out waits again). */
  async statusChanged(): Promise<void> {
    const r = this.host.record();
    if (!r) return;
    if (mayDeliver(r.status)) await this.deliverAll();
    else
      for (const reply of this.store.openReplies().filter(isInFlight))
        this.changed(requeued(reply));
    this.host.syncAlarm();
    try {
      const readiness = await chatReadiness(this.host.env, r.accountId, r.status, this.now(), r.id);
      this.broadcast({ type: "chat.readiness", readiness });
    } catch (err) {
      this.host.log().warn("chat readiness could not be told", errorFields(err));
    }
  }

  /**
   * The node's agent connected again: a run OpenClaw had taken is asked for again under the same
   * run id (it answers from its own dedupe, or runs it if it never did); one not taken yet is
   * still in the node's outbox, which the agent already got again.
   */
  async reconnected(): Promise<void> {
    const r = this.host.record();
    if (!r?.nodeId || !mayDeliver(r.status)) return;
    for (const reply of this.store.openReplies().filter((m) => m.status === "streaming"))
      await this.dispatch(reply);
    await this.deliverAll();
  }

  /** Runs past their deadline fail with timed_out, and are aborted on the node. */
  async expire(): Promise<void> {
    const now = this.now();
    for (const reply of this.store.openReplies()) {
      if (reply.deadline_at === null || reply.deadline_at > now) continue;
      this.changed(timedOut(reply, now));
      const c = this.store.conversation(reply.conversation_id);
      if (c) await abortRun(this.host, c.source, reply);
      await this.deliver(reply.conversation_id);
    }
    this.host.syncAlarm();
  }

  wakeAt(): number | null {
    return this.store.earliestDeadline();
  }

  // ---- delivery ----

  private async deliverAll(): Promise<void> {
    const conversations = new Set(this.store.openReplies().map((m) => m.conversation_id));
    for (const id of conversations) await this.deliver(id);
  }

  private async deliver(conversationId: string): Promise<void> {
    const r = this.host.record();
    if (!r?.nodeId || !mayDeliver(r.status)) return;
    const reply = nextReply(this.store.openMessages(conversationId));
    if (!reply) return;
    // Stored as handed over before it is sent: nothing else can pick it meanwhile.
    const out = handedOver(reply, this.now());
    this.changed(out);
    this.host.syncAlarm();
    await this.dispatch(out);
  }

  private async dispatch(reply: MessageRow): Promise<void> {
    if (await sendRun(this.host, this.store, reply)) return;
    // Not on that node any more: the lifecycle moves it, and the reply waits for that.
    const now = this.store.message(reply.id);
    if (now?.status === "sending") this.changed(requeued(now));
  }

  // The person's message was taken by OpenClaw: done, and its files are in the workspace.
  private took(reply: MessageRow): void {
    const person = reply.reply_to ? this.store.message(reply.reply_to) : undefined;
    if (person?.status !== "queued") return;
    this.store.markDelivered(person.id);
    this.changed(ended(person, this.now(), "done"));
  }

  private fail(reply: MessageRow, code: ChatErrorCode, message: string): void {
    const now = this.now();
    const person = reply.reply_to ? this.store.message(reply.reply_to) : undefined;
    if (person?.status === "queued") this.changed(ended(person, now, "failed"));
    this.changed(ended(reply, now, "failed", { code, message: message.slice(0, 1000) }));
  }

  /** Stores a message and tells the viewers, with its conversation. */
  private changed(row: MessageRow): void {
    // Read back only for a reply that ends now: the channels' outbox hears of each end once.
    const was =
      row.role === "employee" && ENDED.includes(row.status)
        ? this.store.message(row.id)?.status
        : undefined;
    this.store.updateMessage(row);
    if (was && !ENDED.includes(was) && ENDED.includes(row.status)) {
      this.onReplyEnded?.(row);
      this.onTurnEnded?.(row);
    }
    this.broadcast({ type: "chat.message", message: this.store.messageView(row) });
    const c = this.store.conversation(row.conversation_id);
    if (c)
      this.broadcast({ type: "chat.conversation", conversation: this.store.conversationView(c) });
  }

  private broadcast(frame: LiveFrame): void {
    sendFrame(this.host.ctx, frame, this.now());
  }

  private now(): number {
    return this.host.clock.now();
  }
}
