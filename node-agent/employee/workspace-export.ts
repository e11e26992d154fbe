import { randomUUID } from "node:crypto";
import { createWriteStream, mkdirSync, openAsBlob, rmSync } from "node:fs";
import path from "node:path";
import { Readable, Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { extract, pack } from "tar-stream";
import { WORKSPACE_EXPORT_MAX_BYTES } from "../../edge/protocol/frames.ts";
import type { Logger } from "../logger.ts";
import { type EmployeeRuntime, RuntimeError } from "../runtime/employee-runtime.ts";
import { TEAM_FILES_DIR, WORKSPACE_DIR } from "./openclaw-config.ts";

// An employee's workspace for an account export (the `workspace.export` command): the engine's
// archive of /data/workspace is filtered (regular files only, paths relative to the workspace and
// checked, without team-files/, which is the account's shared knowledge and comes with the export
// apart), gzip-compressed into a spool file within the limits, and uploaded to the edge with the
// node token (PUT /agent/exports/:exportId/:employeeId). When it cannot be sent, the edge is told
// why (a JSON {error}), so the export need not wait for it.
//
// The archive comes out of a container: it is read as a stream, and the reading stops at
// WORKSPACE_EXPORT_READ_MAX_BYTES of archive, WORKSPACE_EXPORT_MAX_FILES files, or
// WORKSPACE_EXPORT_MAX_BYTES of compressed output, whichever comes first.

/** Archive bytes read from the engine at most (bounds time as much as disk). */
export const WORKSPACE_EXPORT_READ_MAX_BYTES = 1024 * 1024 * 1024;
export const WORKSPACE_EXPORT_MAX_FILES = 20_000;
export const WORKSPACE_UPLOAD_TIMEOUT_MS = 10 * 60_000;
const ERROR_REPORT_TIMEOUT_MS = 30_000;
const PATH_MAX_CHARS = 1000;
// Where team-files/ sits inside the workspace archive's own folder.
const TEAM_FILES = TEAM_FILES_DIR.slice(WORKSPACE_DIR.length + 1);

export interface WorkspaceLimits {
  maxReadBytes: number;
  maxFiles: number;
  /** Compressed bytes written at most. */
  maxBytes: number;
}

export const WORKSPACE_EXPORT_LIMITS: WorkspaceLimits = {
  maxReadBytes: WORKSPACE_EXPORT_READ_MAX_BYTES,
  maxFiles: WORKSPACE_EXPORT_MAX_FILES,
  maxBytes: WORKSPACE_EXPORT_MAX_BYTES,
};

const MB = 1024 * 1024;
const tooLarge = (what: string) =>
  new RuntimeError("workspace_too_large", `the workspace is larger than ${what}`, false);

// C0, DEL, C1, the line and paragraph separators, the characters that reorder display (a name
// "invoice\u202Efdp.exe" shows as "invoiceexe.pdf") and "\\": the edge refuses the same
// (edge/export/zip-names.ts), so they are not sent only to be dropped there.
const HIDDEN_OR_BACKSLASH = /[\p{Cc}\u2028\u2029\p{Bidi_Control}\\]/u;

/**
 * The path of an entry of the engine's archive relative to the workspace, or null to leave it
 * out: the archive's own folder name comes first; anything outside, odd or in team-files/ is not
 * the employee's workspace.
 */
export function workspacePath(name: string): string | null {
  if (name.length > PATH_MAX_CHARS || HIDDEN_OR_BACKSLASH.test(name)) return null;
  const segments = name.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.length < 2 || segments.includes("..")) return null;
  const rest = segments.slice(1);
  if (rest[0] === TEAM_FILES) return null;
  return rest.join("/");
}

export interface PackedWorkspace {
  files: number;
  skipped: number;
  /** Compressed bytes written. */
  bytes: number;
}

/** The engine's archive of the workspace → a gzip-compressed tar of its files, into `dest`. */
export async function packWorkspace(
  source: NodeJS.ReadableStream,
  dest: Writable,
  limits: WorkspaceLimits = WORKSPACE_EXPORT_LIMITS,
): Promise<PackedWorkspace> {
  const result: PackedWorkspace = { files: 0, skipped: 0, bytes: 0 };
  const ex = extract();
  const out = pack();
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      result.bytes += chunk.length;
      if (result.bytes > limits.maxBytes) done(tooLarge(`${limits.maxBytes / MB} MB compressed`));
      else done(null, chunk);
    },
  });
  // Their errors reach the promises below; an 'error' event without a listener would crash.
  for (const stream of [ex, out]) stream.on("error", () => undefined);
  const writing = pipeline(Readable.from(out), createGzip(), counted, dest);

  // The engine's archive into the parser, with its backpressure, counted.
  const feeding = (async () => {
    let read = 0;
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (ex.destroyed) return;
      read += chunk.length;
      if (read > limits.maxReadBytes) throw tooLarge(`${limits.maxReadBytes / MB} MB`);
      if (!ex.write(chunk))
        await new Promise<void>((resolve) => {
          ex.once("drain", resolve);
          ex.once("close", resolve);
        });
    }
    ex.end(Buffer.alloc(0));
  })();

  const copying = (async () => {
    for await (const entry of ex) {
      const rel = entry.header.type === "file" ? workspacePath(entry.header.name) : null;
      if (rel === null) {
        if (entry.header.type === "file") result.skipped++;
        entry.resume();
        continue;
      }
      if (result.files >= limits.maxFiles) throw tooLarge(`${limits.maxFiles} files`);
      result.files++;
      await new Promise<void>((resolve, reject) => {
        const sink = out.entry(
          {
            name: rel,
            size: entry.header.size ?? 0,
            mode: (entry.header.mode ?? 0o644) & 0o777,
            mtime: entry.header.mtime ?? new Date(),
          },
          (err) => (err ? reject(err) : resolve()),
        );
        entry.on("error", reject);
        sink.on("error", reject);
        entry.pipe(sink);
      });
    }
    out.finalize();
  })();

  const all = [feeding, copying, writing];
  for (const p of all) p.catch(() => undefined);
  try {
    await Promise.all(all);
  } catch (err) {
    ex.destroy();
    out.destroy();
    counted.destroy();
    (source as { destroy?: () => void }).destroy?.();
    throw err;
  }
  return result;
}

export interface WorkspaceExportOptions {
  runtime: Pick<EmployeeRuntime, "archive">;
  edgeUrl: string;
  nodeToken: string;
  /** Where the archive is spooled before it goes up (deleted after). */
  spoolDir: string;
  log: Logger;
  limits?: WorkspaceLimits;
}

export class WorkspaceExporter {
  private readonly opts: WorkspaceExportOptions;

  constructor(opts: WorkspaceExportOptions) {
    this.opts = opts;
  }

  async export(employeeId: string, exportId: string): Promise<PackedWorkspace> {
    const url = new URL(`/agent/exports/${exportId}/${employeeId}`, this.opts.edgeUrl);
    mkdirSync(this.opts.spoolDir, { recursive: true, mode: 0o700 });
    const spool = path.join(this.opts.spoolDir, `${employeeId}-${randomUUID()}.tgz`);
    try {
      let packed: PackedWorkspace;
      try {
        const source = await this.opts.runtime.archive(employeeId, WORKSPACE_DIR);
        if (!source)
          throw new RuntimeError("workspace_missing", "the employee has no workspace", false);
        packed = await packWorkspace(
          source,
          createWriteStream(spool, { mode: 0o600 }),
          this.opts.limits,
        );
      } catch (err) {
        await this.tellWhy(url, err);
        throw err;
      }
      await this.upload(url, spool);
      this.opts.log.info({ employeeId, exportId, ...packed }, "workspace exported");
      return packed;
    } finally {
      rmSync(spool, { force: true });
    }
  }

  private async upload(url: URL, spool: string): Promise<void> {
    const res = await fetch(url, {
      method: "PUT",
      headers: {
        authorization: `Bearer ${this.opts.nodeToken}`,
        "content-type": "application/gzip",
      },
      body: await openAsBlob(spool),
      signal: AbortSignal.timeout(WORKSPACE_UPLOAD_TIMEOUT_MS),
    }).catch((err: unknown) => {
      throw new RuntimeError(
        "upload_failed",
        `could not upload the workspace: ${String(err)}`,
        true,
      );
    });
    if (!res.ok)
      throw new RuntimeError(
        "upload_failed",
        `the edge answered ${res.status} to the workspace upload`,
        res.status >= 500 || res.status === 429,
      );
  }

  // Best effort: the export also stops waiting on its own after a while.
  private async tellWhy(url: URL, err: unknown): Promise<void> {
    const message =
      err instanceof RuntimeError ? err.message : "the workspace could not be read on its server";
    await fetch(url, {
      method: "PUT",
      headers: {
        authorization: `Bearer ${this.opts.nodeToken}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ error: message.slice(0, 500) }),
      signal: AbortSignal.timeout(ERROR_REPORT_TIMEOUT_MS),
    }).catch((e: unknown) =>
      this.opts.log.warn({ err: e }, "could not tell the edge why a workspace is not exported"),
    );
  }
}
