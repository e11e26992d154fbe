import type { SnapshotRow } from "../../db/schema.ts";
import type { Env } from "../env.ts";
import { type ChunkFlag, encodeFrameHeader } from "../protocol/snapshot-wire.ts";
import { markSnapshotCorrupt } from "../store/snapshots.ts";
import { open } from "./snapshot-crypto.ts";
import { SnapshotError } from "./snapshot-error.ts";
import type { ChunkLocation } from "./snapshot-index.ts";
import { accountDataKey } from "./snapshot-keys.ts";
import { snapshotStore } from "./snapshot-store-stub.ts";

// A restore's download (POST /agent/snapshots/:id/chunks): the asked chunks as frames, in the
// asked order, each read from its pack with a ranged R2 read and opened only when the stream
// wants the next one, so memory holds one chunk whatever was asked. A chunk that does not open
// (a flipped byte, a moved object) ends the stream with an error and marks the snapshot failed:
// the agent sees a broken body and never a wrong byte.

/** The body stream, once every asked chunk is known to be stored (409 otherwise). */
export async function chunkStream(
  env: Env,
  row: SnapshotRow,
  shas: readonly string[],
): Promise<ReadableStream<Uint8Array>> {
  const found = await snapshotStore(env, row.employeeId).locate([...shas]);
  const missing = shas.filter((_, i) => found[i] === null);
  if (missing.length > 0)
    throw new SnapshotError(
      409,
      "snapshot_incomplete",
      `${missing.length} asked chunks are not stored, e.g. ${missing.slice(0, 3).join(", ")}`,
    );
  const locations = found as ChunkLocation[];
  const key = await accountDataKey(env, row.accountId, { create: false, now: Date.now() });
  const owner = { accountId: row.accountId, employeeId: row.employeeId };
  let next = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const at = locations[next++];
        if (!at) {
          controller.close();
          return;
        }
        try {
          const object = await env.SNAPSHOTS.get(at.pack, {
            range: { offset: at.offset, length: at.length },
          });
          if (!object) throw new Error(`pack ${at.pack} is gone`);
          const sealed = new Uint8Array(await object.arrayBuffer());
          const body = await open(key, owner, at.sha, sealed);
          controller.enqueue(encodeFrameHeader(at.sha, at.flag as ChunkFlag, body.byteLength));
          controller.enqueue(body);
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          await markSnapshotCorrupt(
            env.DB,
            row.id,
            `snapshot_corrupt: chunk ${at.sha}: ${reason}`,
            Date.now(),
          );
          controller.error(
            new SnapshotError(409, "snapshot_corrupt", `chunk ${at.sha} is corrupt`),
          );
        }
      },
    },
    { highWaterMark: 1 },
  );
}
