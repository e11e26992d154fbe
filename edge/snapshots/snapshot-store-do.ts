import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { SNAPSHOT_TIMEOUT_MS } from "../protocol/snapshot-timeouts.ts";
import { type ChunkRecord, type Claim, SnapshotIndex } from "./snapshot-index.ts";
import type { SnapshotStoreRpc } from "./snapshot-store-rpc.ts";

/** Packs one collection deletes at most; the alarm comes back for the rest. */
export const GC_BATCH = 200;
// After an unreferenced pack's claim is this old, the alarm collects it: the snapshot timeout
// plus a margin, so that nothing still uploading can lose a pack.
const GC_DELAY_MS = SNAPSHOT_TIMEOUT_MS + 60_000;

// One per employee (named by its id): the chunk index of its snapshots (snapshot-index.ts) and
// the garbage collection of its packs in R2. The cron's retention step and the alarm both
// collect; the alarm alone would do, the cron moves it with its own clock.
export class SnapshotStoreDO extends DurableObject<Env> implements SnapshotStoreRpc {
  private index: SnapshotIndex;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.index = new SnapshotIndex(ctx.storage.sql);
  }

  claim(shas: string[], now: number): Claim {
    return this.index.claim(shas, now);
  }

  async beginPack(pack: string, snapshotId: string, now: number): Promise<void> {
    this.index.beginPack(pack, snapshotId, now);
    await this.armCollection(now);
  }

  stage(pack: string, chunks: ChunkRecord[]): void {
    this.index.stage(pack, chunks);
  }

  finishPack(pack: string, bytes: number, now: number): number {
    return this.index.finishPack(pack, bytes, now);
  }

  async abandonPack(pack: string): Promise<void> {
    this.index.abandonPack(pack);
    await this.armCollection(Date.now());
  }

  locate(shas: string[]) {
    return this.index.locate(shas);
  }

  addRefs(snapshotId: string, packs: string[]): void {
    this.index.addRefs(snapshotId, packs);
  }

  storedBytes(snapshotId: string): number {
    return this.index.storedBytes(snapshotId);
  }

  async release(snapshotId: string): Promise<number> {
    const released = this.index.release(snapshotId);
    if (released > 0) await this.armCollection(Date.now());
    return released;
  }

  /** Deletes unreferenced packs unclaimed since `now - SNAPSHOT_TIMEOUT_MS`; how many went. */
  async gc(now: number): Promise<number> {
    const dead = this.index.collect(now - SNAPSHOT_TIMEOUT_MS, GC_BATCH);
    if (dead.length === 0) return 0;
    // R2 first, the rows after: a failed delete leaves the pack dead, for the next collection.
    await this.env.SNAPSHOTS.delete(dead);
    this.index.forget(dead);
    return dead.length;
  }

  /** The employee's snapshots are gone (fired past the grace, account deleted). */
  async wipe(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    // The tables went with the rest: an empty index for whatever comes next.
    this.index = new SnapshotIndex(this.ctx.storage.sql);
  }

  stats() {
    return this.index.stats();
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    await this.gc(now);
    await this.armCollection(now);
  }

  // The next moment an unreferenced pack could be collected, unless an alarm comes sooner.
  private async armCollection(now: number): Promise<void> {
    const oldest = this.index.oldestUnreferencedClaim();
    const at = this.index.hasDeadPacks()
      ? now + 60_000
      : oldest === null
        ? null
        : Math.max(oldest + GC_DELAY_MS, now + 1_000);
    if (at === null) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }
}
