import type { CommandFrame } from "../protocol/frames.ts";

// A NodeDO's durable outbox. A command is written here before it is sent and leaves only when
// the agent answers with its result (node-reports.ts), so commands for an agent that is away (or
// that crashed mid-command) are delivered when it reconnects.
export class NodeOutbox {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS outbox (
      id TEXT PRIMARY KEY, employee_id TEXT NOT NULL, type TEXT NOT NULL, frame TEXT NOT NULL, created_at INTEGER NOT NULL)`);
  }

  put(frame: CommandFrame, now: number): void {
    // A newer command of the same kind for the same employee supersedes one still queued; chat
    // frames are each their own (another conversation's message is no newer version of this
    // one), and one sent again under its id (a chat.send's run id) replaces itself. So are
    // decisions of approvals (issue 18): each is about another request.
    if (!frame.type.startsWith("chat.") && frame.type !== "approval.resolve")
      this.sql.exec(
        "DELETE FROM outbox WHERE employee_id = ? AND type = ?",
        frame.employeeId,
        frame.type,
      );
    this.sql.exec(
      "INSERT OR REPLACE INTO outbox (id, employee_id, type, frame, created_at) VALUES (?, ?, ?, ?, ?)",
      frame.id,
      frame.employeeId,
      frame.type,
      JSON.stringify(frame),
      now,
    );
  }

  /** Drops every command for an employee no longer placed here. */
  forget(employeeId: string): void {
    this.sql.exec("DELETE FROM outbox WHERE employee_id = ?", employeeId);
  }

  /** The serialized commands waiting, in the order they were given. */
  queued(): string[] {
    return this.sql
      .exec<{ frame: string }>("SELECT frame FROM outbox ORDER BY created_at, rowid")
      .toArray()
      .map((row) => row.frame);
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
  }
}
