import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { AgentEvent, CommandFrame, SnapshotResult } from "../../edge/protocol/frames.ts";
import {
  parseSnapshotManifest,
  SNAPSHOT_MANIFEST_VERSION,
  type SnapshotEntry,
  type SnapshotManifest,
} from "../../edge/protocol/snapshot-manifest.ts";
import { SNAPSHOT_TIMEOUT_MS } from "../../edge/protocol/snapshot-timeouts.ts";
import type { Logger } from "../logger.ts";
import { type EmployeeRuntime, RuntimeError } from "../runtime/employee-runtime.ts";
import { type ConfinedDir, openTree } from "./confined-tree.ts";
import { ArchiveFiles, type OpenClawArchive, readOpenClawArchive } from "./openclaw-archive.ts";
import {
  hasOpenClawCli,
  roomForBackup,
  spoolPathOf,
  takeOpenClawBackup,
} from "./openclaw-backup.ts";
import { ProgressThrottle } from "./progress-throttle.ts";
import { snapshotFailure } from "./snapshot-failure.ts";
import { type ChunkSource, SnapshotUploader } from "./snapshot-uploader.ts";
import { StateReader } from "./state-reader.ts";
import type { SnapshotRoot } from "./state-skips.ts";
import { entryLine, fingerprint, WalkCache } from "./walk-cache.ts";

// Takes one snapshot of an employee (the `snapshot.create` command): its state read from the
// host, OpenClaw's part through OpenClaw's own backup while it runs, chunked, sent where the edge
// lacks a chunk, and sealed by the manifest PUT. Per employee, the executor runs one command at a
// time, so a snapshot never meets a start, stop or restore of the same employee halfway.

export type SnapshotCommand = Extract<CommandFrame, { type: "snapshot.create" }>;

export interface SnapshotTakerOptions {
  runtime: EmployeeRuntime;
  edgeUrl: string;
  nodeToken: string;
  /** STATE_DIR/snapshots: the walk caches and the spool of copies. */
  snapshotsDir: string;
  agentVersion: string;
  send: (frame: AgentEvent) => void;
  log: Logger;
  /** SNAPSHOT_TIMEOUT_MS less a margin, so the edge hears a result before it gives up. */
  timeoutMs?: number;
  packMaxBytes?: number;
}

// The edge marks a pending snapshot failed after SNAPSHOT_TIMEOUT_MS: the agent stops earlier.
const TIMEOUT_MARGIN_MS = 30_000;
const ALL_ROOTS: readonly SnapshotRoot[] = ["openclaw", "workspace", "browser"];

export class SnapshotTaker {
  private readonly opts: SnapshotTakerOptions;
  readonly cache: WalkCache;

  constructor(opts: SnapshotTakerOptions) {
    this.opts = opts;
    this.cache = new WalkCache(opts.snapshotsDir);
  }

  async create(command: SnapshotCommand): Promise<SnapshotResult> {
    const { employeeId, snapshotId } = command;
    const signal = AbortSignal.timeout(
      this.opts.timeoutMs ?? SNAPSHOT_TIMEOUT_MS - TIMEOUT_MARGIN_MS,
    );
    const spoolDir = path.join(this.cache.dir(employeeId), `spool-${snapshotId}`);
    let tree: ConfinedDir | undefined;
    try {
      // A pause left behind by an agent that died mid-copy would freeze the employee for good.
      await this.opts.runtime.unpause(employeeId);
      if (command.stopFirst) await this.opts.runtime.stop(employeeId);
      const source = await this.opts.runtime.stateSource(employeeId);
      if (!source)
        throw new RuntimeError(
          "container_missing",
          "this employee has no state on this node",
          false,
        );
      // stateSource has made sure a disk is mounted: an empty folder is an employee that has
      // written nothing yet, not a disk that is missing.
      tree = await openTree(source.dataPath);
      if (!(await hasAnyRoot(tree)))
        this.opts.log.warn(
          { employeeId, snapshotId },
          "the employee's data folder holds no state yet",
        );
      const cache = await this.cache.load(employeeId);
      const progress = new ProgressThrottle((phase, bytesDone, bytesTotal) =>
        this.opts.send({
          type: "snapshot.progress",
          employeeId,
          containerId: null,
          snapshotId,
          phase,
          bytesDone,
          bytesTotal,
        }),
      );
      let read = 0;
      const onBytes = (n: number) => {
        read += n;
        progress.report("archiving", read, null);
        signal.throwIfAborted();
      };
      const reader = new StateReader({ tree, cache, spoolDir, log: this.opts.log, onBytes });
      if (command.kind === "scheduled" && cache) {
        const now = fingerprint(await reader.scan(ALL_ROOTS));
        if (now === cache.fingerprint) {
          this.opts.log.info({ employeeId, snapshotId }, "nothing changed: snapshot skipped");
          return { snapshotId, skipped: true, logicalBytes: 0, storedBytes: 0, fileCount: 0 };
        }
      }
      await mkdir(spoolDir, { recursive: true, mode: 0o700 });
      progress.report("archiving", 0, null);

      // OpenClaw's state: its own backup where it runs with its CLI and the disk has room;
      // otherwise its files, under a pause while it runs (with the browser's).
      let archive: OpenClawArchive | null = null;
      let openclawLines: string[] | null = null;
      const sources: ChunkSource[] = [reader.files];
      const running = source.running;
      if (running && (await hasOpenClawCli(this.opts.runtime, employeeId))) {
        if (await roomForBackup(source.dataPath)) {
          const archivePath = spoolPathOf(spoolDir);
          await takeOpenClawBackup({
            runtime: this.opts.runtime,
            employeeId,
            tree,
            spoolFile: archivePath,
            log: this.opts.log,
          });
          archive = await readOpenClawArchive(archivePath, onBytes);
          if (archive.ignored > 0)
            this.opts.log.info(
              { employeeId, ignored: archive.ignored },
              "entries of OpenClaw's archive outside its state folder were left out",
            );
          openclawLines = await reader.scan(["openclaw"]);
          sources.push(new ArchiveFiles(archivePath, archive));
        } else
          this.opts.log.warn(
            { employeeId },
            "no room for OpenClaw's backup; copying its files paused",
          );
      }
      const frozen: SnapshotRoot[] = archive ? ["browser"] : ["openclaw", "browser"];
      if (running && !(await reader.unchanged(frozen))) {
        const pausedMs = await reader.quiesced(frozen, {
          pause: () => this.opts.runtime.pause(employeeId),
          unpause: () => this.opts.runtime.unpause(employeeId),
        });
        this.opts.log.info({ employeeId, snapshotId, pausedMs }, "state copied paused");
      } else await reader.live(frozen);
      await reader.live(["workspace"]);

      // Upload: what the edge lacks, then the manifest (built after: a re-read file's new chunks).
      const uploader = new SnapshotUploader({
        edgeUrl: this.opts.edgeUrl,
        nodeToken: this.opts.nodeToken,
        snapshotId,
        signal,
        onProgress: (done, total) => progress.report("uploading", done, total),
        ...(this.opts.packMaxBytes ? { packMaxBytes: this.opts.packMaxBytes } : {}),
      });
      const lacking = await uploader.missing(sources.flatMap((s) => [...s.digests()]));
      const totals = await uploader.send(sources, lackingBytes(reader, archive, lacking));
      const entries = ordered([...(archive?.entries ?? []), ...reader.walk.entries]);
      const manifest: SnapshotManifest = {
        version: SNAPSHOT_MANIFEST_VERSION,
        snapshotId,
        employeeId,
        createdAt: Date.now(),
        agentVersion: this.opts.agentVersion,
        image: source.image,
        openclawVersion: archive?.runtimeVersion ?? null,
        openclaw: archive ? { archiveRoot: archive.archiveRoot, manifest: archive.manifest } : null,
        logicalBytes: entries.reduce((n, e) => n + (e.type === "file" ? e.size : 0), 0),
        entries,
      };
      const bytes = new TextEncoder().encode(JSON.stringify(manifest));
      const checked = parseSnapshotManifest(bytes);
      if (!checked.ok) throw new RuntimeError("snapshot_failed", checked.error, false);
      const manifestSha256 = await uploader.putManifest(bytes);
      progress.flush();

      // Remembered only now that the edge has it all: the next snapshot builds on this one.
      const keys = new Map(reader.files.files.map((f) => [f.entry.path, f.key]));
      const lines = entries
        .filter((e) => !(openclawLines && e.path.split("/")[0] === "openclaw"))
        .map((e) => entryLine(e, keys.get(e.path)));
      // The snapshot is complete whatever happens to the cache: without it the next one reads all.
      await this.cache
        .save(employeeId, {
          version: 1,
          fingerprint: fingerprint([...lines, ...(openclawLines ?? [])]),
          files: Object.fromEntries(
            reader.files.files.map((f) => [
              f.entry.path,
              { key: f.key, chunks: f.refs.map((r) => [r.sha256, r.length] as [string, number]) },
            ]),
          ),
        })
        .catch((err: unknown) =>
          this.opts.log.warn({ employeeId, err }, "could not keep the snapshot's walk cache"),
        );
      const fileCount = entries.filter((e) => e.type === "file").length;
      this.opts.log.info(
        { employeeId, snapshotId, fileCount, read, ...totals, openclaw: archive !== null },
        "snapshot taken",
      );
      return {
        snapshotId,
        skipped: false,
        logicalBytes: manifest.logicalBytes,
        storedBytes: totals.storedBytes,
        fileCount,
        manifestSha256,
      };
    } catch (err) {
      throw snapshotFailure(err, signal);
    } finally {
      await tree?.close().catch(() => undefined);
      await rm(spoolDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

async function hasAnyRoot(tree: ConfinedDir): Promise<boolean> {
  for (const root of ALL_ROOTS) if ((await tree.lstat(root))?.isDirectory()) return true;
  return false;
}

// Roots in a fixed order (openclaw, workspace, browser), each in walk order.
function ordered(entries: SnapshotEntry[]): SnapshotEntry[] {
  const rank = (e: SnapshotEntry) => ALL_ROOTS.indexOf(e.path.split("/")[0] as SnapshotRoot);
  return entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => rank(a.e) - rank(b.e) || a.i - b.i)
    .map(({ e }) => e);
}

function lackingBytes(
  reader: StateReader,
  archive: OpenClawArchive | null,
  lacking: ReadonlySet<string>,
): number {
  const sizes = new Map<string, number>();
  for (const f of reader.files.files) for (const r of f.refs) sizes.set(r.sha256, r.length);
  for (const f of archive?.files ?? []) for (const r of f.refs) sizes.set(r.sha256, r.length);
  let total = 0;
  for (const sha of lacking) total += sizes.get(sha) ?? 0;
  return total;
}
