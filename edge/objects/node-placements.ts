// The employees placed on one node, in its NodeDO's SQLite: since when, under which generation
// (issue 16), and, while the node drains or is lost, which of them are being moved off and when
// one that could not be may be tried again.
export interface PlacementRow {
  employeeId: string;
  generation: number;
  movingSince: number | null;
  retryAt: number | null;
}

interface SqlRow extends Record<string, SqlStorageValue> {
  employee_id: string;
  generation: number;
  moving_since: number | null;
  retry_at: number | null;
}

const rowOf = (r: SqlRow): PlacementRow => ({
  employeeId: r.employee_id,
  generation: r.generation,
  movingSince: r.moving_since,
  retryAt: r.retry_at,
});

export class Placements {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(
      `CREATE TABLE IF NOT EXISTS placements (employee_id TEXT PRIMARY KEY, placed_at INTEGER NOT NULL)`,
    );
    // Added by issue 16 to tables that objects made before it already have.
    const columns = new Set(
      sql
        .exec<{ name: string }>("SELECT name FROM pragma_table_info('placements')")
        .toArray()
        .map((c) => c.name),
    );
    if (!columns.has("generation"))
      sql.exec("ALTER TABLE placements ADD COLUMN generation INTEGER NOT NULL DEFAULT 0");
    if (!columns.has("moving_since"))
      sql.exec("ALTER TABLE placements ADD COLUMN moving_since INTEGER");
    if (!columns.has("retry_at")) sql.exec("ALTER TABLE placements ADD COLUMN retry_at INTEGER");
  }

  ids(): string[] {
    return this.all().map((p) => p.employeeId);
  }

  all(): PlacementRow[] {
    return this.sql
      .exec<SqlRow>(
        "SELECT employee_id, generation, moving_since, retry_at FROM placements ORDER BY placed_at, employee_id",
      )
      .toArray()
      .map(rowOf);
  }

  get(employeeId: string): PlacementRow | undefined {
    const row = this.sql
      .exec<SqlRow>(
        "SELECT employee_id, generation, moving_since, retry_at FROM placements WHERE employee_id = ?",
        employeeId,
      )
      .toArray()[0];
    return row && rowOf(row);
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM placements").one().n;
  }

  add(employeeId: string, generation: number, now: number): void {
    this.sql.exec(
      "INSERT INTO placements (employee_id, placed_at, generation) VALUES (?, ?, ?)",
      employeeId,
      now,
      generation,
    );
  }

  /** Placed again here (a move that failed came back): a new generation, not moving any more. */
  renew(employeeId: string, generation: number | undefined, retryAt: number | null): void {
    this.sql.exec(
      "UPDATE placements SET generation = coalesce(?, generation), moving_since = NULL, retry_at = ? WHERE employee_id = ?",
      generation ?? null,
      retryAt,
      employeeId,
    );
  }

  remove(employeeId: string): void {
    this.sql.exec("DELETE FROM placements WHERE employee_id = ?", employeeId);
  }

  markMoving(employeeId: string, now: number): void {
    this.sql.exec(
      "UPDATE placements SET moving_since = ?, retry_at = NULL WHERE employee_id = ?",
      now,
      employeeId,
    );
  }

  retryLater(employeeId: string, retryAt: number): void {
    this.sql.exec(
      "UPDATE placements SET moving_since = NULL, retry_at = ? WHERE employee_id = ?",
      retryAt,
      employeeId,
    );
  }
}
