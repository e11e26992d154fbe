import type { ChunkLocation, ChunkRecord, Claim } from "./snapshot-index.ts";

// What the SnapshotStoreDO answers over RPC (edge/snapshots/snapshot-store-do.ts); the Worker's
// binding is typed by this interface, not the class, as for the other objects.
export interface SnapshotStoreRpc extends Rpc.DurableObjectBranded {
  claim(shas: string[], now: number): Claim;
  beginPack(pack: string, snapshotId: string, now: number): Promise<void>;
  stage(pack: string, chunks: ChunkRecord[]): void;
  finishPack(pack: string, bytes: number, now: number): number;
  abandonPack(pack: string): Promise<void>;
  locate(shas: string[]): (ChunkLocation | null)[];
  addRefs(snapshotId: string, packs: string[]): void;
  storedBytes(snapshotId: string): number;
  release(snapshotId: string): Promise<number>;
  gc(now: number): Promise<number>;
  wipe(): Promise<void>;
  stats(): { chunks: number; packs: number; referencedPacks: number; deadPacks: number };
}
