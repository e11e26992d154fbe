// One employee's chunk index, as rows in its SnapshotStoreDO's SQLite (issue 16): which pack
// (an R2 object) holds each chunk at which offset, how many complete snapshots reference each
// pack, and when a pack was last claimed by an upload in progress. One writer (the object), so
// the reference counts change in one transaction each. Every write is synchronous SQL.
//
// A pack's life: begun (an upload opened it: bytes NULL), finished (its chunks committed from
// the staging table), referenced by the snapshots whose manifests name its chunks, released by
// their deletion, and collected once unreferenced and unclaimed for longer than the snapshot
// timeout (so a snapshot still uploading never loses a pack it deduplicated against).

export interface ChunkRecord {
  sha: string;
  offset: number;
  /** Sealed bytes in the pack. */
  length: number;
  plainSize: number;
  /** The wire flag of the stored body (1: deflated before sealing). */
  flag: number;
}

export interface ChunkLocation extends ChunkRecord {
  pack: string;
}

export interface Claim {
  missing: string[];
  /** The packs holding the chunks that are there (now claimed). */
  packs: string[];
}

export class SnapshotIndex {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS chunks (sha TEXT PRIMARY KEY, pack TEXT NOT NULL,
      offset INTEGER NOT NULL, length INTEGER NOT NULL, plain_size INTEGER NOT NULL,
      flag INTEGER NOT NULL)`);
    sql.exec("CREATE INDEX IF NOT EXISTS chunks_by_pack ON chunks (pack)");
    sql.exec(`CREATE TABLE IF NOT EXISTS packs (pack TEXT PRIMARY KEY, bytes INTEGER,
      refs INTEGER NOT NULL DEFAULT 0, claimed_at INTEGER NOT NULL, snapshot_id TEXT NOT NULL,
      dead INTEGER NOT NULL DEFAULT 0)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS snapshot_packs (snapshot_id TEXT NOT NULL,
      pack TEXT NOT NULL, PRIMARY KEY (snapshot_id, pack))`);
    // A pack's chunks while its upload runs: committed by finishPack, dropped by abandonPack.
    sql.exec(`CREATE TABLE IF NOT EXISTS staged (pack TEXT NOT NULL, sha TEXT NOT NULL,
      offset INTEGER NOT NULL, length INTEGER NOT NULL, plain_size INTEGER NOT NULL,
      flag INTEGER NOT NULL)`);
  }

  /** Which of `shas` are missing; the packs holding the others are claimed at `now`. */
  claim(shas: readonly string[], now: number): Claim {
    const list = JSON.stringify(shas);
    const found = this.sql
      .exec<{ sha: string; pack: string }>(
        "SELECT sha, pack FROM chunks WHERE sha IN (SELECT value FROM json_each(?))",
        list,
      )
      .toArray();
    const have = new Set(found.map((r) => r.sha));
    const packs = [...new Set(found.map((r) => r.pack))];
    if (packs.length > 0)
      this.sql.exec(
        "UPDATE packs SET claimed_at = ? WHERE pack IN (SELECT value FROM json_each(?))",
        now,
        JSON.stringify(packs),
      );
    return { missing: [...new Set(shas.filter((s) => !have.has(s)))], packs };
  }

  beginPack(pack: string, snapshotId: string, now: number): void {
    this.sql.exec(
      "INSERT INTO packs (pack, bytes, refs, claimed_at, snapshot_id) VALUES (?, NULL, 0, ?, ?)",
      pack,
      now,
      snapshotId,
    );
  }

  stage(pack: string, chunks: readonly ChunkRecord[]): void {
    for (const c of chunks)
      this.sql.exec(
        "INSERT INTO staged (pack, sha, offset, length, plain_size, flag) VALUES (?, ?, ?, ?, ?, ?)",
        pack,
        c.sha,
        c.offset,
        c.length,
        c.plainSize,
        c.flag,
      );
  }

  /** The upload completed: its chunks become findable (a chunk already stored keeps its place). */
  finishPack(pack: string, bytes: number, now: number): number {
    const before = this.count("SELECT COUNT(*) AS n FROM chunks");
    this.sql.exec(
      `INSERT OR IGNORE INTO chunks (sha, pack, offset, length, plain_size, flag)
       SELECT sha, pack, offset, length, plain_size, flag FROM staged WHERE pack = ?`,
      pack,
    );
    this.sql.exec("DELETE FROM staged WHERE pack = ?", pack);
    this.sql.exec("UPDATE packs SET bytes = ?, claimed_at = ? WHERE pack = ?", bytes, now, pack);
    return this.count("SELECT COUNT(*) AS n FROM chunks") - before;
  }

  /** The upload failed: nothing of it is recorded, and its object (if any) is collected. */
  abandonPack(pack: string): void {
    this.sql.exec("DELETE FROM staged WHERE pack = ?", pack);
    this.sql.exec("DELETE FROM chunks WHERE pack = ?", pack);
    this.sql.exec("UPDATE packs SET dead = 1 WHERE pack = ? AND refs = 0", pack);
  }

  /** Where each chunk is, in the order asked; null for one not stored. */
  locate(shas: readonly string[]): (ChunkLocation | null)[] {
    const rows = this.sql
      .exec<{
        sha: string;
        pack: string;
        offset: number;
        length: number;
        plain_size: number;
        flag: number;
      }>(
        `SELECT sha, pack, offset, length, plain_size, flag FROM chunks
         WHERE sha IN (SELECT value FROM json_each(?))`,
        JSON.stringify(shas),
      )
      .toArray();
    const bySha = new Map(rows.map((r) => [r.sha, r]));
    return shas.map((sha) => {
      const r = bySha.get(sha);
      return r
        ? {
            sha,
            pack: r.pack,
            offset: r.offset,
            length: r.length,
            plainSize: r.plain_size,
            flag: r.flag,
          }
        : null;
    });
  }

  /** A complete snapshot references these packs; once only (a retry changes nothing). */
  addRefs(snapshotId: string, packs: readonly string[]): void {
    for (const pack of new Set(packs)) {
      const inserted = this.sql.exec(
        "INSERT OR IGNORE INTO snapshot_packs (snapshot_id, pack) VALUES (?, ?)",
        snapshotId,
        pack,
      ).rowsWritten;
      if (inserted > 0) this.sql.exec("UPDATE packs SET refs = refs + 1 WHERE pack = ?", pack);
    }
  }

  /** Sealed bytes of the packs this snapshot's upload added (what it cost in storage). */
  storedBytes(snapshotId: string): number {
    return this.count(
      "SELECT COALESCE(SUM(bytes), 0) AS n FROM packs WHERE snapshot_id = ? AND dead = 0",
      snapshotId,
    );
  }

  /** A deleted snapshot drops its references; how many it held. */
  release(snapshotId: string): number {
    const packs = this.sql
      .exec<{ pack: string }>("SELECT pack FROM snapshot_packs WHERE snapshot_id = ?", snapshotId)
      .toArray();
    for (const { pack } of packs)
      this.sql.exec("UPDATE packs SET refs = MAX(refs - 1, 0) WHERE pack = ?", pack);
    this.sql.exec("DELETE FROM snapshot_packs WHERE snapshot_id = ?", snapshotId);
    return packs.length;
  }

  /**
   * Packs no snapshot references and no upload claimed since `claimedBefore` become dead: their
   * chunks are forgotten at once (no later claim can find them). Returns every dead pack not yet
   * forgotten, for the caller to delete from R2 and then `forget`.
   */
  collect(claimedBefore: number, limit: number): string[] {
    const garbage = this.sql
      .exec<{ pack: string }>(
        "SELECT pack FROM packs WHERE refs = 0 AND dead = 0 AND claimed_at < ? LIMIT ?",
        claimedBefore,
        limit,
      )
      .toArray();
    for (const { pack } of garbage) {
      this.sql.exec("DELETE FROM chunks WHERE pack = ?", pack);
      this.sql.exec("DELETE FROM staged WHERE pack = ?", pack);
      this.sql.exec("UPDATE packs SET dead = 1 WHERE pack = ?", pack);
    }
    return this.sql
      .exec<{ pack: string }>("SELECT pack FROM packs WHERE dead = 1 LIMIT ?", limit)
      .toArray()
      .map((r) => r.pack);
  }

  forget(packs: readonly string[]): void {
    this.sql.exec(
      "DELETE FROM packs WHERE dead = 1 AND pack IN (SELECT value FROM json_each(?))",
      JSON.stringify(packs),
    );
  }

  /** The earliest claim among unreferenced live packs: when a collection could next find one. */
  oldestUnreferencedClaim(): number | null {
    const row = this.sql
      .exec<{ at: number | null }>(
        "SELECT MIN(claimed_at) AS at FROM packs WHERE refs = 0 AND dead = 0",
      )
      .one();
    return row.at;
  }

  hasDeadPacks(): boolean {
    return this.count("SELECT COUNT(*) AS n FROM packs WHERE dead = 1") > 0;
  }

  stats(): { chunks: number; packs: number; referencedPacks: number; deadPacks: number } {
    return {
      chunks: this.count("SELECT COUNT(*) AS n FROM chunks"),
      packs: this.count("SELECT COUNT(*) AS n FROM packs"),
      referencedPacks: this.count("SELECT COUNT(*) AS n FROM packs WHERE refs > 0"),
      deadPacks: this.count("SELECT COUNT(*) AS n FROM packs WHERE dead = 1"),
    };
  }

  private count(query: string, ...args: (string | number)[]): number {
    return Number(this.sql.exec<{ n: number }>(query, ...args).one().n);
  }
}
