import type {
  ChatAttachmentView,
  ChatMessage,
  Conversation,
  ConversationSource,
  MessageStatus,
  ToolStep,
} from "../../contract/chat.ts";
import type { ChatAttachmentRef } from "../../protocol/frames.ts";
import type { NewAttachment } from "./inbox-rpc.ts";

// The employee's durable inbox as rows in its Durable Object's SQLite (ctx.storage.sql): one
// table each for conversations, messages and attachments. Plain reads and writes; what may change
// when is inbox-delivery.ts's, and the Inbox (inbox.ts) ties them together. Every write is
// synchronous, so no other event of the object interleaves with it.

export interface ConversationRow {
  id: string;
  source: ConversationSource;
  title: string;
  created_at: number;
  /** A channel's conversation: `kind:provider conversation id` (channel-store.ts adds it). */
  external_key?: string | null;
  /** Who a channel's conversation is with, as shown. */
  peer?: string | null;
}

export interface MessageRow {
  id: string;
  conversation_id: string;
  role: "person" | "employee";
  author: string | null;
  text: string;
  truncated: number;
  status: MessageStatus;
  error_code: string | null;
  error_message: string | null;
  tools: string;
  /** A reply's person message (what it answers); null for a person's message. */
  reply_to: string | null;
  /** While a reply is handed over or written: when it times out (the run deadline). */
  deadline_at: number | null;
  /** When a streaming update was last stored (the edge's own throttle). */
  progress_at: number | null;
  created_at: number;
  completed_at: number | null;
}

export interface AttachmentRow {
  id: string;
  message_id: string | null;
  name: string;
  size: number;
  content_type: string;
  sha256: string;
  r2_key: string;
  delivered: number;
  created_at: number;
}

const ENDED: readonly MessageStatus[] = ["done", "aborted", "failed"];
const OPEN_SQL = `status NOT IN (${ENDED.map((s) => `'${s}'`).join(", ")})`;

export class InboxStore {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS conversations (
      id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    // rowid orders messages: a conversation's history and its delivery follow it.
    sql.exec(`CREATE TABLE IF NOT EXISTS messages (
      id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, role TEXT NOT NULL, author TEXT,
      text TEXT NOT NULL, truncated INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL,
      error_code TEXT, error_message TEXT, tools TEXT NOT NULL DEFAULT '[]', reply_to TEXT,
      deadline_at INTEGER, progress_at INTEGER, created_at INTEGER NOT NULL, completed_at INTEGER)`);
    sql.exec(
      "CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages (conversation_id, status)",
    );
    sql.exec(`CREATE TABLE IF NOT EXISTS attachments (
      id TEXT PRIMARY KEY, message_id TEXT, name TEXT NOT NULL, size INTEGER NOT NULL,
      content_type TEXT NOT NULL, sha256 TEXT NOT NULL, r2_key TEXT NOT NULL,
      delivered INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL)`);
  }

  // ---- conversations ----

  insertConversation(row: ConversationRow): void {
    this.sql.exec(
      "INSERT INTO conversations (id, source, title, created_at) VALUES (?, ?, ?, ?)",
      row.id,
      row.source,
      row.title,
      row.created_at,
    );
  }

  conversation(id: string): ConversationRow | undefined {
    return this.sql
      .exec<ConversationRow & Record<string, SqlStorageValue>>(
        "SELECT id, source, title, created_at, external_key, peer FROM conversations WHERE id = ?",
        id,
      )
      .toArray()[0];
  }

  setTitle(id: string, title: string): void {
    this.sql.exec("UPDATE conversations SET title = ? WHERE id = ?", title, id);
  }

  /** Newest activity first, at most `limit`. */
  conversations(limit: number): ConversationRow[] {
    return this.sql
      .exec<ConversationRow & Record<string, SqlStorageValue>>(
        `SELECT c.id, c.source, c.title, c.created_at, c.external_key, c.peer FROM conversations c
         ORDER BY coalesce((SELECT max(created_at) FROM messages m WHERE m.conversation_id = c.id),
           c.created_at) DESC, c.rowid DESC LIMIT ?`,
        limit,
      )
      .toArray();
  }

  conversationView(row: ConversationRow): Conversation {
    const stats = this.sql
      .exec<{ n: number; newest: number | null; open: number }>(
        `SELECT count(*) AS n, max(created_at) AS newest,
           coalesce(sum(CASE WHEN ${OPEN_SQL} THEN 1 ELSE 0 END), 0) AS open
         FROM messages WHERE conversation_id = ?`,
        row.id,
      )
      .one();
    return {
      id: row.id,
      source: row.source,
      title: row.title,
      createdAt: iso(row.created_at),
      updatedAt: iso(stats.newest ?? row.created_at),
      messageCount: stats.n,
      busy: stats.open > 0,
      ...(row.external_key && row.source !== "web"
        ? { channel: { kind: row.source, peer: row.peer ?? "" } }
        : {}),
    };
  }

  // ---- messages ----

  insertMessage(row: MessageRow): void {
    this.sql.exec(
      `INSERT INTO messages (id, conversation_id, role, author, text, truncated, status, error_code,
         error_message, tools, reply_to, deadline_at, progress_at, created_at, completed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.id,
      row.conversation_id,
      row.role,
      row.author,
      row.text,
      row.truncated,
      row.status,
      row.error_code,
      row.error_message,
      row.tools,
      row.reply_to,
      row.deadline_at,
      row.progress_at,
      row.created_at,
      row.completed_at,
    );
  }

  /** Writes the row's changing fields back. */
  updateMessage(row: MessageRow): void {
    this.sql.exec(
      `UPDATE messages SET text = ?, truncated = ?, status = ?, error_code = ?, error_message = ?,
         tools = ?, deadline_at = ?, progress_at = ?, completed_at = ? WHERE id = ?`,
      row.text,
      row.truncated,
      row.status,
      row.error_code,
      row.error_message,
      row.tools,
      row.deadline_at,
      row.progress_at,
      row.completed_at,
      row.id,
    );
  }

  message(id: string): MessageRow | undefined {
    return this.sql
      .exec<MessageRow & Record<string, SqlStorageValue>>("SELECT * FROM messages WHERE id = ?", id)
      .toArray()[0];
  }

  /** A page of a conversation, oldest first, ending before `beforeId` (its newest when absent). */
  page(conversationId: string, limit: number, beforeId?: string): MessageRow[] {
    const rows = this.sql
      .exec<MessageRow & Record<string, SqlStorageValue>>(
        `SELECT * FROM messages WHERE conversation_id = ?1
           AND (?2 IS NULL OR rowid < (SELECT rowid FROM messages WHERE id = ?2 AND conversation_id = ?1))
         ORDER BY rowid DESC LIMIT ?3`,
        conversationId,
        beforeId ?? null,
        limit,
      )
      .toArray();
    return rows.reverse();
  }

  /** The conversation's messages not ended yet, in order. */
  openMessages(conversationId: string): MessageRow[] {
    return this.sql
      .exec<MessageRow & Record<string, SqlStorageValue>>(
        `SELECT * FROM messages WHERE conversation_id = ? AND ${OPEN_SQL} ORDER BY rowid`,
        conversationId,
      )
      .toArray();
  }

  /** Every reply not ended yet, across conversations, in order. */
  openReplies(): MessageRow[] {
    return this.sql
      .exec<MessageRow & Record<string, SqlStorageValue>>(
        `SELECT * FROM messages WHERE role = 'employee' AND ${OPEN_SQL} ORDER BY rowid`,
      )
      .toArray();
  }

  earliestDeadline(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT min(deadline_at) AS at FROM messages").one()
      .at;
  }

  // ---- attachments ----

  insertAttachment(a: NewAttachment, now: number): AttachmentRow {
    const row: AttachmentRow = {
      id: a.id,
      message_id: null,
      name: a.name,
      size: a.size,
      content_type: a.contentType,
      sha256: a.sha256,
      r2_key: a.r2Key,
      delivered: 0,
      created_at: now,
    };
    this.sql.exec(
      `INSERT INTO attachments (id, message_id, name, size, content_type, sha256, r2_key, delivered,
         created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.id,
      row.message_id,
      row.name,
      row.size,
      row.content_type,
      row.sha256,
      row.r2_key,
      row.delivered,
      row.created_at,
    );
    return row;
  }

  attachment(id: string): AttachmentRow | undefined {
    return this.sql
      .exec<AttachmentRow & Record<string, SqlStorageValue>>(
        "SELECT * FROM attachments WHERE id = ?",
        id,
      )
      .toArray()[0];
  }

  attachmentsOf(messageId: string): AttachmentRow[] {
    return this.sql
      .exec<AttachmentRow & Record<string, SqlStorageValue>>(
        "SELECT * FROM attachments WHERE message_id = ? ORDER BY rowid",
        messageId,
      )
      .toArray();
  }

  /** Files uploaded and not sent with a message (yet), oldest first. */
  unsentAttachments(): AttachmentRow[] {
    return this.sql
      .exec<AttachmentRow & Record<string, SqlStorageValue>>(
        "SELECT * FROM attachments WHERE message_id IS NULL ORDER BY created_at, rowid",
      )
      .toArray();
  }

  deleteAttachment(id: string): void {
    this.sql.exec("DELETE FROM attachments WHERE id = ? AND message_id IS NULL", id);
  }

  attach(ids: string[], messageId: string): void {
    for (const id of ids)
      this.sql.exec("UPDATE attachments SET message_id = ? WHERE id = ?", messageId, id);
  }

  markDelivered(messageId: string): void {
    this.sql.exec("UPDATE attachments SET delivered = 1 WHERE message_id = ?", messageId);
  }

  // ---- views ----

  messageView(row: MessageRow): ChatMessage {
    return {
      id: row.id,
      conversationId: row.conversation_id,
      role: row.role,
      author: row.author,
      text: row.text,
      truncated: row.truncated === 1,
      status: row.status,
      error:
        row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? "" },
      attachments: this.attachmentsOf(row.id).map(attachmentView),
      tools: JSON.parse(row.tools) as ToolStep[],
      createdAt: iso(row.created_at),
      completedAt: row.completed_at === null ? null : iso(row.completed_at),
    };
  }
}

export function attachmentView(row: AttachmentRow): ChatAttachmentView {
  return {
    id: row.id,
    name: row.name,
    size: row.size,
    contentType: row.content_type,
    path: row.delivered === 1 ? `uploads/${row.name}` : null,
  };
}

/** The file as chat.send names it to the node. */
export const attachmentRef = (a: AttachmentRow): ChatAttachmentRef => ({
  id: a.id,
  name: a.name,
  size: a.size,
  sha256: a.sha256,
  contentType: a.content_type,
});

const iso = (ms: number) => new Date(ms).toISOString();
