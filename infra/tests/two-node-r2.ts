// The local R2 behind `wrangler dev --persist-to DIR`, read and damaged from outside, as bit-rot
// or a tampering hand would: miniflare keeps each bucket's object index in a SQLite file under
// DIR/v3/r2/miniflare-R2BucketObject/ (table _mf_objects; a multipart object's parts in
// _mf_multipart_parts) and the bytes in DIR/v3/r2/<bucket>/blobs/<blob id>.
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

export interface StoredObject {
  key: string;
  size: number;
  /** The object's bytes on disk, in order (one file, or one per multipart part). */
  blobs: { file: string; size: number }[];
}

/** Every stored object whose key matches, across the persisted buckets. */
export function r2Objects(persistDir: string, match: (key: string) => boolean): StoredObject[] {
  const r2 = path.join(persistDir, "v3", "r2");
  const index = path.join(r2, "miniflare-R2BucketObject");
  if (!existsSync(index)) return [];
  const blobDirs = readdirSync(r2)
    .map((d) => path.join(r2, d, "blobs"))
    .filter((d) => existsSync(d));
  const blobFile = (id: string) => blobDirs.map((d) => path.join(d, id)).find((f) => existsSync(f));
  const found: StoredObject[] = [];
  for (const file of readdirSync(index).filter((f) => f.endsWith(".sqlite"))) {
    const db = new DatabaseSync(path.join(index, file), { readOnly: true });
    try {
      const hasObjects = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_mf_objects'")
        .get();
      if (!hasObjects) continue;
      const rows = db.prepare("SELECT key, blob_id, size FROM _mf_objects").all() as {
        key: string;
        blob_id: string | null;
        size: number;
      }[];
      for (const row of rows.filter((r) => match(r.key))) {
        const ids = row.blob_id
          ? [row.blob_id]
          : (
              db
                .prepare(
                  "SELECT blob_id FROM _mf_multipart_parts WHERE object_key = ? ORDER BY part_number",
                )
                .all(row.key) as { blob_id: string }[]
            ).map((p) => p.blob_id);
        const blobs = ids.flatMap((id) => {
          const f = blobFile(id);
          return f ? [{ file: f, size: statSync(f).size }] : [];
        });
        found.push({ key: row.key, size: row.size, blobs });
      }
    } finally {
      db.close();
    }
  }
  return found;
}

/** Flips every bit of the byte at `offset` of the object (across its parts); returns it as it was. */
export function flipByte(object: StoredObject, offset: number): number {
  let at = offset;
  for (const blob of object.blobs) {
    if (at >= blob.size) {
      at -= blob.size;
      continue;
    }
    const fd = openSync(blob.file, "r+");
    try {
      const b = Buffer.alloc(1);
      readSync(fd, b, 0, 1, at);
      const was = b[0] ?? 0;
      b[0] = was ^ 0xff;
      writeSync(fd, b, 0, 1, at);
      return was;
    } finally {
      closeSync(fd);
    }
  }
  throw new Error(`${object.key} has no byte ${offset} (size ${object.size})`);
}
