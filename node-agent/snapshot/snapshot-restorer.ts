import type { AgentEvent, EmployeeSpec, Instance } from "../../edge/protocol/frames.ts";
import {
  RESTORE_FETCH_TIMEOUT_MS,
  RESTORE_TIMEOUT_MS,
} from "../../edge/protocol/snapshot-timeouts.ts";
import type { Logger } from "../logger.ts";
import { type EmployeeRuntime, RuntimeError } from "../runtime/employee-runtime.ts";
import { type RestoreStates, STATE_OWNER } from "../runtime/restore-states.ts";
import { ChunkFetcher, corrupt } from "./chunk-fetcher.ts";
import { RestoreProgress } from "./restore-progress.ts";
import { chunkOrder, writeSnapshot } from "./restore-writer.ts";

// container.restore (issue 16): the employee's state put back from a snapshot on the edge.
//   1. downloading: the manifest (digest checked) and every chunk (each checked) written into a
//      staging state, while an employee restored in place keeps running;
//   2. swapping: the employee stopped, its live state moved aside, the staged one made live;
//   3. starting: provisioned with the command's spec (openclaw.json rendered for this node) and
//      waited for until healthy.
// Then the old state is deleted. A failure anywhere puts things back: in place, the old state is
// swapped back and started as it was (the result says rolledBack); fresh, everything made here is
// removed. Each phase is bounded by the named timeouts of edge/protocol/snapshot-timeouts.ts.

export interface RestoreRequest {
  employeeId: string;
  snapshotId: string;
  mode: "in_place" | "fresh";
  spec: EmployeeSpec;
  /** The placement's generation, for the restored container's label (see provision below). */
  generation?: number;
}

/** A restore that failed; rolledBack when the employee's old state is live again. */
export class RestoreFailure extends RuntimeError {
  readonly rolledBack: boolean;
  constructor(cause: RuntimeError, rolledBack: boolean) {
    super(cause.code, cause.message, cause.retryable);
    this.rolledBack = rolledBack;
  }
}

export interface SnapshotRestorerOptions {
  runtime: EmployeeRuntime;
  edgeUrl: string;
  nodeToken: string;
  send: (frame: AgentEvent) => void;
  log: Logger;
  /** RESTORE_FETCH_TIMEOUT_MS and RESTORE_TIMEOUT_MS unless a test shortens them. */
  fetchTimeoutMs?: number;
  totalTimeoutMs?: number;
}

export class SnapshotRestorer {
  private readonly opts: SnapshotRestorerOptions;

  constructor(opts: SnapshotRestorerOptions) {
    this.opts = opts;
  }

  async restore(req: RestoreRequest): Promise<Instance> {
    const { runtime } = this.opts;
    const states = runtime.restoreStates;
    if (!states)
      throw new RestoreFailure(
        new RuntimeError("unsupported", `the ${runtime.kind} runtime cannot restore`, false),
        false,
      );
    const log = this.opts.log.child({ employeeId: req.employeeId, snapshotId: req.snapshotId });
    const started = Date.now();
    const progress = new RestoreProgress(this.opts.send, req);
    const id = req.employeeId;
    try {
      await states.recover(id);
      const hadState = await states.exists(id);
      if (req.mode === "in_place" && !hadState)
        log.warn("restore in place, but this node has no state for the employee: made fresh");
      const before = hadState
        ? (await runtime.inventory()).find((i) => i.employeeId === id)
        : undefined;
      const wasRunning = ["running", "starting", "unhealthy"].includes(before?.state ?? "");
      const rollback = hadState ? "swap back" : "remove";

      // 1. downloading (the live employee untouched)
      try {
        await this.download(req, states, progress, log);
      } catch (err) {
        await states.discard(id).catch((e: unknown) => log.error({ err: e }, "staging kept"));
        throw new RestoreFailure(asRuntimeError(err), hadState);
      }

      // 2. swapping, 3. starting
      let swapped = false;
      try {
        progress.report("swapping", 0, null);
        if (hadState) await runtime.stop(id);
        swapped = true; // from here on, part of the swap may have happened
        await states.swapIn(id);
        progress.report("starting", 0, null);
        // The container carries the placement's generation on its instantworker.generation
        // label; a newer generation than an existing container's makes a new container.
        const instance = await withDeadline(
          runtime.provision(req.spec, req.generation),
          started + (this.opts.totalTimeoutMs ?? RESTORE_TIMEOUT_MS) - Date.now(),
        );
        await states.commit(id).catch((e: unknown) => log.warn({ err: e }, "old state kept"));
        log.info({ ms: Date.now() - started }, "restored");
        return instance;
      } catch (err) {
        const cause = asRuntimeError(err);
        log.warn({ err: cause, rollback }, "restore failed after the download; putting back");
        const restored = await this.putBack(id, states, { hadState, wasRunning, swapped }, log);
        throw new RestoreFailure(cause, restored);
      }
    } catch (err) {
      if (err instanceof RestoreFailure) throw err;
      throw new RestoreFailure(asRuntimeError(err), false);
    } finally {
      progress.close();
    }
  }

  private async download(
    req: RestoreRequest,
    states: RestoreStates,
    progress: RestoreProgress,
    log: Logger,
  ): Promise<void> {
    const deadline = AbortSignal.timeout(this.opts.fetchTimeoutMs ?? RESTORE_FETCH_TIMEOUT_MS);
    const fetcher = new ChunkFetcher({
      edgeUrl: this.opts.edgeUrl,
      nodeToken: this.opts.nodeToken,
      snapshotId: req.snapshotId,
      signal: deadline,
    });
    const { manifest, sha256 } = await fetcher.manifest();
    if (manifest.employeeId !== req.employeeId)
      throw corrupt(`the snapshot is of employee ${manifest.employeeId}`);
    const imageVersion = await states.openclawVersion();
    if (
      manifest.openclawVersion &&
      imageVersion &&
      compareVersions(manifest.openclawVersion, imageVersion) > 0
    )
      throw new RuntimeError(
        "snapshot_too_new",
        `the snapshot is of OpenClaw ${manifest.openclawVersion}; this server runs ${imageVersion}`,
        false,
      );
    log.info(
      { manifestSha256: sha256, entries: manifest.entries.length, bytes: manifest.logicalBytes },
      "restoring a snapshot",
    );
    const { root } = await states.stage(req.employeeId);
    progress.report("downloading", 0, manifest.logicalBytes);
    const source = fetcher.chunks(chunkOrder(manifest));
    try {
      const summary = await writeSnapshot(root, manifest, source, {
        owner: process.getuid?.() === 0 ? STATE_OWNER : null,
        signal: deadline,
        onBytes: (done) => progress.report("downloading", done, manifest.logicalBytes),
      });
      log.info({ ...summary }, "snapshot written to staging");
    } catch (err) {
      if (deadline.aborted && !(err instanceof RuntimeError))
        throw new RuntimeError(
          "snapshot_fetch_timeout",
          "fetching the snapshot took too long",
          true,
        );
      throw err;
    } finally {
      await source.return(undefined).catch(() => undefined);
    }
  }

  // Best effort, each step on its own: true when the employee's old state is live again.
  private async putBack(
    id: string,
    states: RestoreStates,
    at: { hadState: boolean; wasRunning: boolean; swapped: boolean },
    log: Logger,
  ): Promise<boolean> {
    const { runtime } = this.opts;
    try {
      if (!at.hadState) {
        await runtime.remove(id);
        await states.swapBack(id);
        await states.discard(id);
        return false;
      }
      await runtime.stop(id);
      if (at.swapped) await states.swapBack(id);
      await states.discard(id);
    } catch (err) {
      log.error({ err }, "could not put the old state back");
      return false;
    }
    if (at.wasRunning)
      await runtime.start(id).catch((err: unknown) => {
        log.error({ err }, "the old state is back, but the employee did not start");
      });
    return true;
  }
}

function asRuntimeError(err: unknown): RuntimeError {
  if (err instanceof RuntimeError) return err;
  return new RuntimeError("restore_failed", err instanceof Error ? err.message : String(err), true);
}

async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RuntimeError("not_ready", "the restored employee did not get ready", true)),
      Math.max(ms, 0),
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Compares dotted versions numerically (2026.10.1 > 2026.9.6); a suffix after "-" is ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => (v.split("-")[0] ?? "").split(".").map((n) => Number(n) || 0);
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
