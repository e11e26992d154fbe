import type { BackupProgress } from "../contract/backup.ts";
import type { Env } from "../env.ts";
import { errorFields, type Logger } from "../log/logger.ts";
import { backupView } from "../snapshots/backup-view.ts";
import {
  failSnapshot,
  getSnapshot,
  latestCompleteSnapshot,
  openSnapshot,
} from "../store/snapshots.ts";
import type { EmployeeRecord } from "./employee-record.ts";
import { releaseSlot } from "./employee-removal.ts";
import type { LifecycleEffect, LifecycleInput } from "./lifecycle-effects.ts";
import { sendFrame } from "./live-viewers.ts";
import { discardSnapshot, settleAnsweredSnapshot } from "./snapshot-catalogue.ts";
import { nodeStub } from "./stubs.ts";

// The EmployeeDO's effects for backups, restores and moves (employee-backup.ts and
// employee-relocation.ts decide them): the D1 catalogue, snapshot.create, the source node of a
// move, and the live `backup` frames. Each returns the input its answer feeds back, if any.

export interface RelocationContext {
  env: Env;
  ctx: DurableObjectState;
  log: Logger;
  now: () => number;
  current: () => EmployeeRecord | undefined;
}

type RelocationEffect = Extract<
  LifecycleEffect,
  {
    type:
      | "open_snapshot"
      | "snapshot_command"
      | "settle_snapshot"
      | "find_latest_snapshot"
      | "remove_from_source"
      | "reserve_again";
  }
>;

export async function performRelocationEffect(
  c: RelocationContext,
  effect: RelocationEffect,
): Promise<LifecycleInput | null> {
  const r = c.current();
  if (!r) return null;
  switch (effect.type) {
    case "open_snapshot": {
      if (!r.nodeId) return { type: "snapshot_opened", kind: effect.kind, snapshot: null };
      try {
        const row = await openSnapshot(
          c.env.DB,
          {
            accountId: r.accountId,
            employeeId: r.id,
            nodeId: r.nodeId,
            generation: r.generation ?? 0,
            kind: effect.kind,
          },
          c.now(),
        );
        sendFrame(c.ctx, { type: "backup", employeeId: r.id, backup: backupView(row) }, c.now());
        return {
          type: "snapshot_opened",
          kind: effect.kind,
          snapshot: { id: row.id, createdAt: row.createdAt },
        };
      } catch (err) {
        c.log.error("snapshot row could not be opened", errorFields(err));
        return { type: "snapshot_opened", kind: effect.kind, snapshot: null };
      }
    }
    case "snapshot_command": {
      const b = r.backup;
      if (!b) return null;
      try {
        await nodeStub(c.env, b.nodeId).dispatch({
          type: "snapshot.create",
          id: b.commandId,
          employeeId: r.id,
          generation: r.generation ?? 0,
          snapshotId: b.snapshotId,
          kind: b.kind,
          stopFirst: b.stopFirst,
        });
        c.log.info("snapshot requested", { snapshotId: b.snapshotId, kind: b.kind });
      } catch (err) {
        // Its deadline (SNAPSHOT_TIMEOUT_MS) ends it.
        c.log.warn("snapshot dispatch failed", { snapshotId: b.snapshotId, ...errorFields(err) });
      }
      return null;
    }
    case "settle_snapshot":
      await settle(c, r.id, effect);
      return null;
    case "find_latest_snapshot": {
      try {
        const row = await latestCompleteSnapshot(c.env.DB, r.id);
        return {
          type: "latest_snapshot",
          snapshot: row ? { id: row.id, createdAt: row.createdAt } : null,
        };
      } catch (err) {
        // The wait's deadline looks again.
        c.log.warn("latest snapshot lookup failed", errorFields(err));
        return null;
      }
    }
    case "remove_from_source":
      // The old copy goes now (its agent would also sweep it as an orphan once the slot is gone).
      try {
        await nodeStub(c.env, effect.nodeId).dispatch({
          type: "container.remove",
          id: crypto.randomUUID(),
          employeeId: r.id,
          generation: r.generation ?? 0,
        });
      } catch (err) {
        c.log.warn("old copy could not be removed", { nodeId: effect.nodeId, ...errorFields(err) });
      }
      await releaseSlot(c.env, c.log, effect.nodeId, r.id);
      return null;
    case "reserve_again":
      try {
        await nodeStub(c.env, effect.nodeId).reserve(r.id, effect.generation);
      } catch (err) {
        c.log.warn("source node could not be told", { nodeId: effect.nodeId, ...errorFields(err) });
      }
      return null;
  }
}

async function settle(
  c: RelocationContext,
  employeeId: string,
  e: Extract<LifecycleEffect, { type: "settle_snapshot" }>,
): Promise<void> {
  try {
    if (e.outcome === "skipped") await discardSnapshot(c.env, e.snapshotId);
    else if (e.outcome === "ok") await settleAnsweredSnapshot(c.env, e.snapshotId, c.now());
    else await failSnapshot(c.env.DB, e.snapshotId, e.error ?? "failed", c.now());
    await broadcastBackup(c, employeeId, e.snapshotId, null);
  } catch (err) {
    c.log.error("snapshot row could not be settled", {
      snapshotId: e.snapshotId,
      ...errorFields(err),
    });
  }
}

/** The `backup` live frame of one snapshot as D1 has it now (nothing when it was discarded). */
export async function broadcastBackup(
  c: Pick<RelocationContext, "env" | "ctx" | "now">,
  employeeId: string,
  snapshotId: string,
  progress: BackupProgress | null,
): Promise<void> {
  const row = await getSnapshot(c.env.DB, snapshotId);
  if (row)
    sendFrame(c.ctx, { type: "backup", employeeId, backup: backupView(row, progress) }, c.now());
}
