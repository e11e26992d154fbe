import { createWriteStream } from "node:fs";
import { statfs } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { OPENCLAW_BACKUP_TIMEOUT_MS } from "../../edge/protocol/snapshot-timeouts.ts";
import type { Logger } from "../logger.ts";
import { type EmployeeRuntime, RuntimeError } from "../runtime/employee-runtime.ts";
import { type ConfinedDir, openBelow } from "./confined-tree.ts";

// OpenClaw's own backup of its state, taken inside the running employee: consistent for its
// databases while the gateway runs (SQLite's online backup), which a copy of the files is not.
// Research (issue 16, §1.2): `--verify` needs TMPDIR on the data disk (the container's /tmp is a
// 256 MiB tmpfs and verify wants 256 MiB free beyond what it extracts); the workspace is left out
// (`--no-include-workspace`: the agent walks it, without the read-only team-files OpenClaw would
// follow); the output goes to a folder of the disk, copied to the agent's spool and removed.

export const SNAPSHOT_SCRATCH = ".iw-snapshot";
const SCRATCH_IN_CONTAINER = `/data/${SNAPSHOT_SCRATCH}`;
/** OpenClaw refuses a backup when its shared DB changed during capture: tried again once. */
export const OPENCLAW_BACKUP_ATTEMPTS = 2;
/** Free space the data disk needs for the archive and verify's scratch (it wants 256 MiB). */
export const OPENCLAW_BACKUP_MIN_FREE_BYTES = 512 * 1024 * 1024;
const SHORT_EXEC_MS = 30_000;

type Runtime = Pick<EmployeeRuntime, "exec">;

/** Whether the running employee has OpenClaw's CLI (the real image does, the test image not). */
export async function hasOpenClawCli(runtime: Runtime, employeeId: string): Promise<boolean> {
  const r = await runtime
    .exec(employeeId, ["sh", "-c", "command -v openclaw"], { timeoutMs: SHORT_EXEC_MS })
    .catch(() => null);
  return r?.exitCode === 0;
}

/** Whether the data disk has room for the backup and its verification. */
export async function roomForBackup(dataPath: string): Promise<boolean> {
  const fs = await statfs(dataPath).catch(() => null);
  return fs !== null && fs.bavail * fs.bsize >= OPENCLAW_BACKUP_MIN_FREE_BYTES;
}

/**
 * Runs `openclaw backup create` in the employee and copies the archive to `spoolFile`. The scratch
 * folder on the employee's disk is removed afterwards (from inside, as the employee: the agent
 * never deletes in a tree the container controls).
 */
export async function takeOpenClawBackup(opts: {
  runtime: Runtime;
  employeeId: string;
  tree: ConfinedDir;
  spoolFile: string;
  log: Logger;
}): Promise<void> {
  const { runtime, employeeId, log } = opts;
  const sh = (script: string) =>
    runtime.exec(employeeId, ["sh", "-c", script], { timeoutMs: SHORT_EXEC_MS });
  try {
    const made = await sh(
      `rm -rf ${SCRATCH_IN_CONTAINER} && mkdir -p ${SCRATCH_IN_CONTAINER}/tmp ${SCRATCH_IN_CONTAINER}/out`,
    );
    if (made.exitCode !== 0)
      throw new RuntimeError(
        "snapshot_failed",
        `could not make the backup's scratch folder: ${made.output.trim().slice(-300)}`,
        true,
      );
    let said = "";
    for (let attempt = 1; attempt <= OPENCLAW_BACKUP_ATTEMPTS; attempt++) {
      const started = Date.now();
      const r = await runtime.exec(
        employeeId,
        [
          "openclaw",
          "backup",
          "create",
          "--no-include-workspace",
          "--verify",
          "--json",
          "--output",
          `${SCRATCH_IN_CONTAINER}/out/`,
        ],
        { env: { TMPDIR: `${SCRATCH_IN_CONTAINER}/tmp` }, timeoutMs: OPENCLAW_BACKUP_TIMEOUT_MS },
      );
      log.info(
        { employeeId, attempt, ms: Date.now() - started, exitCode: r.exitCode },
        "openclaw backup",
      );
      if (r.exitCode === 0) {
        await copyArchive(opts.tree, opts.spoolFile);
        return;
      }
      said = r.output.trim().slice(-300);
      if (r.exitCode === null)
        throw new RuntimeError(
          "snapshot_failed",
          `OpenClaw's backup did not finish within ${OPENCLAW_BACKUP_TIMEOUT_MS / 1000} s`,
          true,
        );
    }
    throw new RuntimeError("snapshot_failed", `OpenClaw's backup failed: ${said}`, true);
  } finally {
    await sh(`rm -rf ${SCRATCH_IN_CONTAINER}`).catch((err: unknown) =>
      log.warn({ employeeId, err }, "could not remove the backup's scratch folder"),
    );
  }
}

// The one archive in the output folder, read through the confined tree (the container could have
// put a link there), to the agent's own spool file.
async function copyArchive(tree: ConfinedDir, spoolFile: string): Promise<void> {
  const out = await openBelow(tree, `${SNAPSHOT_SCRATCH}/out`);
  if (!out) throw noArchive();
  try {
    const { names } = await out.list();
    const name = names.find((n) => n.endsWith(".tar.gz") || n.endsWith(".tgz"));
    if (!name) throw noArchive();
    const handle = await out.file(name);
    if (!handle) throw noArchive();
    try {
      await pipeline(
        handle.createReadStream({ autoClose: false }),
        createWriteStream(spoolFile, { mode: 0o600 }),
      );
    } finally {
      await handle.close();
    }
  } finally {
    await out.close();
  }
}

const noArchive = () =>
  new RuntimeError("snapshot_failed", "OpenClaw's backup wrote no archive", true);

export const spoolPathOf = (spoolDir: string) => path.join(spoolDir, "openclaw-backup.tar.gz");
