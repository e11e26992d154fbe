import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { extract, type Header } from "tar-stream";
import type { SnapshotEntry } from "../../edge/protocol/snapshot-manifest.ts";
import { RuntimeError } from "../runtime/employee-runtime.ts";
import { ChunkDigester, type ChunkRef } from "./chunk-digests.ts";
import type { ChunkBody, ChunkSource } from "./snapshot-uploader.ts";
import type { FileEntry } from "./state-walker.ts";

// OpenClaw's own backup archive (`openclaw backup create`, a .tar.gz of <root>/manifest.json and
// <root>/payload/posix/<absolute path>/...) read as a stream: gunzipped and untarred as it comes,
// each entry under the payload's /data/openclaw becomes an `openclaw/...` entry of the snapshot,
// chunked like any file. Its manifest.json and root are kept so that the restore can rebuild the
// archive OpenClaw expects. The archive was made inside the container: every name is checked, and
// the agent reads it from its own copy, twice (digests first, then the bytes the edge lacks).

const STATE_IN_PAYLOAD = "payload/posix/data/openclaw";
export const OPENCLAW_MANIFEST_MAX_BYTES = 1024 * 1024;
const PART_OK = (p: string) => p !== "" && p !== "." && p !== ".." && !p.includes("\\");

export interface OpenClawArchive {
  archiveRoot: string;
  manifest: string;
  runtimeVersion: string | null;
  entries: SnapshotEntry[];
  files: { entry: FileEntry; name: string; refs: ChunkRef[] }[];
  /** Entries left out (outside the state folder, odd names or kinds), for the log. */
  ignored: number;
}

/** The snapshot path of an archive entry, or null when it is not OpenClaw's state. */
export function statePath(name: string, archiveRoot: string): string | null {
  const clean = name.replace(/\/+$/, "");
  const prefix = `${archiveRoot}/${STATE_IN_PAYLOAD}`;
  if (clean === prefix) return "openclaw";
  if (!clean.startsWith(`${prefix}/`)) return null;
  const rest = clean.slice(prefix.length + 1).split("/");
  if (!rest.every(PART_OK) || clean.length > 4000 || clean.includes("\0")) return null;
  return `openclaw/${rest.join("/")}`;
}

async function* tarEntries(archivePath: string) {
  const ex = extract();
  const source = createReadStream(archivePath).pipe(createGunzip());
  source.on("error", (err) => ex.destroy(err));
  source.pipe(ex);
  try {
    for await (const entry of ex) yield entry;
  } finally {
    source.destroy();
    ex.destroy();
  }
}

async function readAll(stream: AsyncIterable<Buffer>, max: number): Promise<string | null> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const piece of stream) {
    n += piece.length;
    if (n <= max) parts.push(piece);
  }
  return n <= max ? Buffer.concat(parts).toString("utf8") : null;
}

/** The archive's entries with their chunks' digests (first reading). */
export async function readOpenClawArchive(
  archivePath: string,
  onBytes?: (n: number) => void,
): Promise<OpenClawArchive> {
  const out: OpenClawArchive = {
    archiveRoot: "",
    manifest: "",
    runtimeVersion: null,
    entries: [],
    files: [],
    ignored: 0,
  };
  const seen = new Set<string>();
  for await (const entry of tarEntries(archivePath)) {
    const h: Header = entry.header;
    const root = h.name.split("/")[0] ?? "";
    if (!out.archiveRoot && PART_OK(root) && root.length <= 300) out.archiveRoot = root;
    if (h.name === `${out.archiveRoot}/manifest.json` && h.type === "file") {
      out.manifest =
        (await readAll(entry as AsyncIterable<Buffer>, OPENCLAW_MANIFEST_MAX_BYTES)) ?? "";
      continue;
    }
    const path = out.archiveRoot ? statePath(h.name, out.archiveRoot) : null;
    if (!path || seen.has(path)) {
      out.ignored++;
      entry.resume();
      continue;
    }
    const mode = (h.mode ?? 0o644) & 0o7777;
    if (h.type === "directory") {
      seen.add(path);
      out.entries.push({ type: "dir", path, mode });
      entry.resume();
    } else if (h.type === "symlink" && h.linkname && h.linkname.length <= 4096) {
      seen.add(path);
      out.entries.push({ type: "symlink", path, target: h.linkname });
      entry.resume();
    } else if (h.type === "file") {
      seen.add(path);
      const size = h.size ?? 0;
      const digester = new ChunkDigester(size);
      for await (const piece of entry as AsyncIterable<Buffer>) {
        digester.push(piece);
        onBytes?.(piece.length);
      }
      const refs = digester.end();
      const file: FileEntry = {
        type: "file",
        path,
        mode,
        size,
        mtimeMs: Math.max(0, h.mtime?.getTime() ?? 0),
        chunks: refs.map((r) => r.sha256),
      };
      out.entries.push(file);
      out.files.push({ entry: file, name: h.name, refs });
    } else {
      out.ignored++;
      entry.resume();
    }
  }
  if (!out.archiveRoot || !out.manifest)
    throw new RuntimeError("snapshot_failed", "OpenClaw's backup archive has no manifest", true);
  if (!seen.has("openclaw")) out.entries.unshift({ type: "dir", path: "openclaw", mode: 0o755 });
  try {
    const parsed = JSON.parse(out.manifest) as { runtimeVersion?: unknown };
    if (typeof parsed.runtimeVersion === "string" && parsed.runtimeVersion.length <= 64)
      out.runtimeVersion = parsed.runtimeVersion;
  } catch {
    throw new RuntimeError("snapshot_failed", "OpenClaw's backup manifest is not JSON", true);
  }
  return out;
}

/** The archive's files as a source of chunks: one more pass over the archive for their bytes. */
export class ArchiveFiles implements ChunkSource {
  private readonly path: string;
  private readonly byName: Map<string, ChunkRef[]>;

  constructor(archivePath: string, archive: OpenClawArchive) {
    this.path = archivePath;
    this.byName = new Map(archive.files.map((f) => [f.name, f.refs]));
  }

  *digests(): Iterable<string> {
    for (const refs of this.byName.values()) for (const r of refs) yield r.sha256;
  }

  async *bodies(wanted: ReadonlySet<string>): AsyncIterable<ChunkBody> {
    const left = new Set([...this.byName.keys()].filter((n) => this.needs(n, wanted)));
    if (left.size === 0) return;
    for await (const entry of tarEntries(this.path)) {
      const refs = left.has(entry.header.name) ? this.byName.get(entry.header.name) : undefined;
      left.delete(entry.header.name);
      if (!refs || entry.header.type !== "file") {
        entry.resume();
        continue;
      }
      // Slices the entry at its chunks' boundaries; only wanted chunks are kept, one at a time.
      let i = 0;
      let at = 0;
      let parts: Buffer[] = [];
      for await (const piece of entry as AsyncIterable<Buffer>) {
        let used = 0;
        while (used < piece.length) {
          const ref = refs[i];
          if (!ref) throw changed();
          const take = Math.min(piece.length - used, ref.offset + ref.length - at);
          if (wanted.has(ref.sha256)) parts.push(piece.subarray(used, used + take));
          used += take;
          at += take;
          if (at === ref.offset + ref.length) {
            i++;
            if (wanted.has(ref.sha256)) {
              const bytes = Buffer.concat(parts);
              parts = [];
              if (createHash("sha256").update(bytes).digest("hex") !== ref.sha256) throw changed();
              yield { sha256: ref.sha256, bytes };
            }
          }
        }
      }
      if (i !== refs.length) throw changed();
      if (left.size === 0) return;
    }
    if (left.size > 0) throw changed();
  }

  private needs(name: string, wanted: ReadonlySet<string>): boolean {
    return (this.byName.get(name) ?? []).some((r) => wanted.has(r.sha256));
  }
}

const changed = () =>
  new RuntimeError("snapshot_failed", "OpenClaw's backup archive changed while it was read", true);
