import type { ChannelKind } from "../../contract/channels.ts";

// The channels' rows in the employee's Durable Object SQLite, next to the inbox's own
// (inbox-store.ts, which must be constructed first: this adds columns to its tables).
// - channel_intake: every provider message by `kind:providerMessageId`, stored before the webhook
//   answers (the dedupe), then screened; its JSON is dropped once it is done with;
// - channel_outbox: what goes back to a provider (replies, notices, apologies, initiatives);
// - sender_rates: GCRA arrival times per sender and per employee's pairing requests.
// Objects created before channels existed get the new columns on their next start: each ALTER is
// guarded by pragma_table_info, so it runs once.

export type IntakeState =
  | "screening"
  | "held"
  | "admitted"
  | "blocked"
  | "rate_limited"
  | "ignored";

export interface IntakeRow {
  key: string;
  channel_id: string;
  kind: ChannelKind;
  state: IntakeState;
  sender_key: string;
  message_json: string | null;
  conversation_id: string | null;
  attempts: number;
  next_at: number | null;
  received_at: number;
}

export type OutboxPurpose = "reply" | "notice" | "failure" | "initiative";
export type OutboxState = "pending" | "sent" | "failed";

export interface OutboxRow {
  id: string;
  reply_id: string | null;
  conversation_id: string;
  kind: ChannelKind;
  purpose: OutboxPurpose;
  target_json: string;
  text: string;
  parts_delivered: number;
  attempts: number;
  next_at: number | null;
  state: OutboxState;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  sent_at: number | null;
}

/** Dedupe keys outlive the providers' redeliveries (Meta retries for up to 7 days). */
export const INTAKE_KEEP_MS = 14 * 24 * 60 * 60_000;

type Row<T> = T & Record<string, SqlStorageValue>;

export class ChannelStore {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS channel_intake (
      key TEXT PRIMARY KEY, channel_id TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL,
      sender_key TEXT NOT NULL, message_json TEXT, conversation_id TEXT,
      attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER, received_at INTEGER NOT NULL)`);
    sql.exec("CREATE INDEX IF NOT EXISTS channel_intake_due ON channel_intake (state, next_at)");
    sql.exec(`CREATE TABLE IF NOT EXISTS channel_outbox (
      id TEXT PRIMARY KEY, reply_id TEXT, conversation_id TEXT NOT NULL, kind TEXT NOT NULL,
      purpose TEXT NOT NULL, target_json TEXT NOT NULL, text TEXT NOT NULL,
      parts_delivered INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
      next_at INTEGER, state TEXT NOT NULL, error_code TEXT, error_message TEXT,
      created_at INTEGER NOT NULL, sent_at INTEGER)`);
    sql.exec("CREATE INDEX IF NOT EXISTS channel_outbox_due ON channel_outbox (state, next_at)");
    sql.exec(
      "CREATE TABLE IF NOT EXISTS sender_rates (sender_key TEXT PRIMARY KEY, tat INTEGER NOT NULL)",
    );
    this.addColumn("conversations", "external_key", "TEXT");
    this.addColumn("conversations", "peer", "TEXT");
    this.addColumn("messages", "reply_target", "TEXT");
    this.addColumn("messages", "sender_key", "TEXT");
    this.addColumn("messages", "notice_at", "INTEGER");
    sql.exec(
      `CREATE UNIQUE INDEX IF NOT EXISTS conversations_by_external_key ON conversations (external_key)
       WHERE external_key IS NOT NULL`,
    );
    sql.exec(
      "CREATE INDEX IF NOT EXISTS messages_notice ON messages (notice_at) WHERE notice_at IS NOT NULL",
    );
  }

  private addColumn(table: string, column: string, type: string): void {
    const has = this.sql
      .exec<{ n: number }>(
        "SELECT count(*) AS n FROM pragma_table_info(?) WHERE name = ?",
        table,
        column,
      )
      .one().n;
    if (has === 0) this.sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }

  // ---- intake ----

  /** Stores a provider message unless its key is known: true when it is new. */
  insertIntake(row: IntakeRow): boolean {
    const cursor = this.sql.exec(
      `INSERT OR IGNORE INTO channel_intake (key, channel_id, kind, state, sender_key, message_json,
         conversation_id, attempts, next_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.key,
      row.channel_id,
      row.kind,
      row.state,
      row.sender_key,
      row.message_json,
      row.conversation_id,
      row.attempts,
      row.next_at,
      row.received_at,
    );
    return cursor.rowsWritten > 0;
  }

  intake(key: string): IntakeRow | undefined {
    return this.sql
      .exec<Row<IntakeRow>>("SELECT * FROM channel_intake WHERE key = ?", key)
      .toArray()[0];
  }

  /** Messages to screen now, oldest first: new ones at once, retries when due. */
  dueIntake(now: number, limit = 50): IntakeRow[] {
    return this.sql
      .exec<Row<IntakeRow>>(
        `SELECT * FROM channel_intake WHERE state = 'screening' AND (attempts = 0 OR next_at <= ?)
         ORDER BY rowid LIMIT ?`,
        now,
        limit,
      )
      .toArray();
  }

  /** A sender's held messages, oldest first. */
  heldOf(kind: ChannelKind, senderKey: string): IntakeRow[] {
    return this.sql
      .exec<Row<IntakeRow>>(
        "SELECT * FROM channel_intake WHERE state = 'held' AND kind = ? AND sender_key = ? ORDER BY rowid",
        kind,
        senderKey,
      )
      .toArray();
  }

  countHeld(kind: ChannelKind, senderKey: string): number {
    return this.sql
      .exec<{ n: number }>(
        "SELECT count(*) AS n FROM channel_intake WHERE state = 'held' AND kind = ? AND sender_key = ?",
        kind,
        senderKey,
      )
      .one().n;
  }

  /** Moves a message on; its JSON is kept only while it may still be delivered. */
  setIntake(
    key: string,
    state: IntakeState,
    fields: { conversationId?: string | null; nextAt?: number | null; attempts?: number } = {},
  ): void {
    const keep = state === "screening" || state === "held";
    this.sql.exec(
      `UPDATE channel_intake SET state = ?, message_json = CASE WHEN ? THEN message_json ELSE NULL END,
         conversation_id = coalesce(?, conversation_id), next_at = ?,
         attempts = coalesce(?, attempts) WHERE key = ?`,
      state,
      keep ? 1 : 0,
      fields.conversationId ?? null,
      fields.nextAt ?? null,
      fields.attempts ?? null,
      key,
    );
  }

  countIntake(state: IntakeState): number {
    return this.sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM channel_intake WHERE state = ?", state)
      .one().n;
  }

  /** Forgets dedupe keys of messages long done with. */
  pruneIntake(now: number): void {
    this.sql.exec(
      "DELETE FROM channel_intake WHERE received_at < ? AND state NOT IN ('screening', 'held')",
      now - INTAKE_KEEP_MS,
    );
  }

  earliestIntake(): number | null {
    return this.sql
      .exec<{ at: number | null }>(
        "SELECT min(next_at) AS at FROM channel_intake WHERE state = 'screening'",
      )
      .one().at;
  }

  // ---- rates ----

  tat(key: string): number | undefined {
    return (
      this.sql
        .exec<{ tat: number }>("SELECT tat FROM sender_rates WHERE sender_key = ?", key)
        .toArray()[0]?.tat ?? undefined
    );
  }

  setTat(key: string, tat: number): void {
    this.sql.exec(
      "INSERT INTO sender_rates (sender_key, tat) VALUES (?, ?) ON CONFLICT (sender_key) DO UPDATE SET tat = excluded.tat",
      key,
      tat,
    );
  }
}
