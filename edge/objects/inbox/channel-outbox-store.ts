import type { OutboxRow } from "./channel-store.ts";

// The outbox's rows and the channel fields of the inbox's conversations and messages, in the
// employee's SQLite (the tables are made by ChannelStore, channel-store.ts). Plain reads and
// writes; what happens when is channel-outbox.ts's.

type Row<T> = T & Record<string, SqlStorageValue>;

export interface NoticeDue {
  id: string;
  conversation_id: string;
  status: string;
  reply_target: string | null;
}

export class ChannelOutboxStore {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    // One reply, one apology, one notice per reply: queued twice (a replay), sent once.
    sql.exec(
      `CREATE UNIQUE INDEX IF NOT EXISTS channel_outbox_once ON channel_outbox (reply_id, purpose)
       WHERE reply_id IS NOT NULL`,
    );
  }

  /** Queues a send unless the same reply's send of this purpose is queued already. */
  insert(row: OutboxRow): boolean {
    return (
      this.sql.exec(
        `INSERT OR IGNORE INTO channel_outbox (id, reply_id, conversation_id, kind, purpose,
         target_json, text, parts_delivered, attempts, next_at, state, error_code, error_message,
         created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        row.id,
        row.reply_id,
        row.conversation_id,
        row.kind,
        row.purpose,
        row.target_json,
        row.text,
        row.parts_delivered,
        row.attempts,
        row.next_at,
        row.state,
        row.error_code,
        row.error_message,
        row.created_at,
        row.sent_at,
      ).rowsWritten > 0
    );
  }

  /** Every send still to make, in order. */
  pending(): OutboxRow[] {
    return this.sql
      .exec<Row<OutboxRow>>("SELECT * FROM channel_outbox WHERE state = 'pending' ORDER BY rowid")
      .toArray();
  }

  all(conversationId: string): OutboxRow[] {
    return this.sql
      .exec<Row<OutboxRow>>(
        "SELECT * FROM channel_outbox WHERE conversation_id = ? ORDER BY rowid",
        conversationId,
      )
      .toArray();
  }

  update(row: OutboxRow): void {
    this.sql.exec(
      `UPDATE channel_outbox SET parts_delivered = ?, attempts = ?, next_at = ?, state = ?,
         error_code = ?, error_message = ?, sent_at = ? WHERE id = ?`,
      row.parts_delivered,
      row.attempts,
      row.next_at,
      row.state,
      row.error_code,
      row.error_message,
      row.sent_at,
      row.id,
    );
  }

  /** When this conversation's last notice was queued (for NOTICE_GAP_MS). */
  lastNoticeAt(conversationId: string): number | null {
    return this.sql
      .exec<{ at: number | null }>(
        "SELECT max(created_at) AS at FROM channel_outbox WHERE conversation_id = ? AND purpose = 'notice'",
        conversationId,
      )
      .one().at;
  }

  /** The next retry: of each conversation's first pending send (the rest wait behind it). */
  earliest(): number | null {
    return this.sql
      .exec<{ at: number | null }>(
        `SELECT min(o.next_at) AS at FROM channel_outbox o WHERE o.state = 'pending'
         AND o.rowid = (SELECT min(rowid) FROM channel_outbox p
                        WHERE p.conversation_id = o.conversation_id AND p.state = 'pending')`,
      )
      .one().at;
  }

  // ---- the channel fields of conversations and messages ----

  conversationByKey(externalKey: string): string | undefined {
    return this.sql
      .exec<{ id: string }>("SELECT id FROM conversations WHERE external_key = ?", externalKey)
      .toArray()[0]?.id;
  }

  setConversationChannel(id: string, externalKey: string, peer: string): void {
    this.sql.exec(
      "UPDATE conversations SET external_key = ?, peer = ? WHERE id = ?",
      externalKey,
      peer,
      id,
    );
  }

  /** The reply's target (where its answer goes) and when its notice is due. */
  setReplyChannel(replyId: string, targetJson: string, noticeAt: number | null): void {
    this.sql.exec(
      "UPDATE messages SET reply_target = ?, notice_at = ? WHERE id = ?",
      targetJson,
      noticeAt,
      replyId,
    );
  }

  setSenderKey(messageId: string, senderKey: string): void {
    this.sql.exec("UPDATE messages SET sender_key = ? WHERE id = ?", senderKey, messageId);
  }

  replyTarget(replyId: string): string | null {
    return (
      this.sql
        .exec<{ t: string | null }>("SELECT reply_target AS t FROM messages WHERE id = ?", replyId)
        .toArray()[0]?.t ?? null
    );
  }

  /** The conversation's latest reply's target: where a message on the employee's initiative goes. */
  latestTarget(conversationId: string): string | null {
    return (
      this.sql
        .exec<{ t: string | null }>(
          `SELECT reply_target AS t FROM messages WHERE conversation_id = ? AND reply_target IS NOT NULL
           ORDER BY rowid DESC LIMIT 1`,
          conversationId,
        )
        .toArray()[0]?.t ?? null
    );
  }

  dueNotices(now: number): NoticeDue[] {
    return this.sql
      .exec<Row<NoticeDue>>(
        `SELECT id, conversation_id, status, reply_target FROM messages
         WHERE notice_at IS NOT NULL AND notice_at <= ? ORDER BY rowid`,
        now,
      )
      .toArray();
  }

  clearNotice(replyId: string): void {
    this.sql.exec("UPDATE messages SET notice_at = NULL WHERE id = ?", replyId);
  }

  earliestNotice(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT min(notice_at) AS at FROM messages").one()
      .at;
  }

  /** Channel messages of a conversation not answered yet (the cap of MAX_WAITING_CHANNEL). */
  waiting(conversationId: string): number {
    return this.sql
      .exec<{ n: number }>(
        `SELECT count(*) AS n FROM messages WHERE conversation_id = ? AND role = 'person'
         AND status NOT IN ('done', 'aborted', 'failed')`,
        conversationId,
      )
      .one().n;
  }
}
