import { z } from "zod";

// A snapshot's manifest (issue 16): every file of the employee's state with the chunks that make
// it up, in order. The agent writes it (node-agent/snapshot/), the edge checks that every chunk it
// names is stored, seals it and records its SHA-256 in D1; a restore gets the same bytes back and
// checks that digest before it trusts a single path. Runtime-neutral: zod only.

export const SNAPSHOT_MANIFEST_VERSION = 1;
/** The manifest as sent (JSON bytes): the edge refuses a larger one unread. */
export const SNAPSHOT_MANIFEST_MAX_BYTES = 32 * 1024 * 1024;
export const SNAPSHOT_MAX_ENTRIES = 500_000;

export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/** Where a state lives in the employee's data volume, the first part of every entry's path. */
export const SNAPSHOT_ROOTS = ["openclaw", "workspace", "browser"] as const;

// A relative POSIX path under one of the roots: no absolute path, no "." or ".." part, no empty
// part, no NUL or backslash. The restore writes only below its staging folder, and checks again.
export const SnapshotPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => {
    if (p.includes("\0") || p.includes("\\")) return false;
    const parts = p.split("/");
    if (!(SNAPSHOT_ROOTS as readonly string[]).includes(parts[0] ?? "")) return false;
    return parts.every((part) => part !== "" && part !== "." && part !== "..");
  }, "not a safe snapshot path");

const mode = z.number().int().min(0).max(0o7777);

export const SnapshotEntry = z.discriminatedUnion("type", [
  z.object({ type: z.literal("dir"), path: SnapshotPath, mode }),
  z.object({
    type: z.literal("file"),
    path: SnapshotPath,
    mode,
    size: z.number().int().min(0),
    mtimeMs: z.number().int().min(0),
    // In order; an empty file has none. Their plaintext sizes add up to `size`.
    chunks: z.array(Sha256Hex).max(1_000_000),
  }),
  // Kept as a link, never followed (neither when taken nor when restored).
  z.object({ type: z.literal("symlink"), path: SnapshotPath, target: z.string().min(1).max(4096) }),
]);
export type SnapshotEntry = z.infer<typeof SnapshotEntry>;

export const SnapshotManifest = z.object({
  version: z.literal(SNAPSHOT_MANIFEST_VERSION),
  snapshotId: z.string().min(1).max(64),
  employeeId: z.string().min(1).max(64),
  /** When the state was read (ms since the epoch). */
  createdAt: z.number().int().min(0),
  agentVersion: z.string().max(64),
  /** The employee image (tag and id) the state was taken from; null when unknown. */
  image: z.string().max(300).nullable(),
  /** OpenClaw's version (its backup manifest's runtimeVersion); a restore refuses a newer one. */
  openclawVersion: z.string().max(64).nullable(),
  // OpenClaw's own backup archive of /data/openclaw: its manifest.json text and archive root, so
  // that its entries (under "openclaw/") can be put back as OpenClaw expects. Null when the
  // employee was stopped and its state was read from the disk as files.
  openclaw: z
    .object({ archiveRoot: z.string().min(1).max(300), manifest: z.string().max(1024 * 1024) })
    .nullable(),
  /** The sum of the files' sizes. */
  logicalBytes: z.number().int().min(0),
  entries: z.array(SnapshotEntry).max(SNAPSHOT_MAX_ENTRIES),
});
export type SnapshotManifest = z.infer<typeof SnapshotManifest>;

export type ManifestParse = { ok: true; manifest: SnapshotManifest } | { ok: false; error: string };

/** The one parser of manifests, for the edge (on upload) and the agent (on restore). */
export function parseSnapshotManifest(bytes: Uint8Array): ManifestParse {
  if (bytes.byteLength > SNAPSHOT_MANIFEST_MAX_BYTES)
    return { ok: false, error: `manifest larger than ${SNAPSHOT_MANIFEST_MAX_BYTES} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    return { ok: false, error: "manifest is not JSON" };
  }
  const parsed = SnapshotManifest.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      error:
        `invalid manifest: ${issue?.path.join(".") || "manifest"} ${issue?.message ?? ""}`.trim(),
    };
  }
  const seen = new Set<string>();
  for (const e of parsed.data.entries) {
    if (seen.has(e.path)) return { ok: false, error: `invalid manifest: ${e.path} twice` };
    seen.add(e.path);
  }
  return { ok: true, manifest: parsed.data };
}
