import type { SNAPSHOT_ROOTS } from "../../edge/protocol/snapshot-manifest.ts";

// What a snapshot leaves out of an employee's state: what is rebuilt by itself, changes all the
// time, or is not the employee's. Mirrors OpenClaw's own backup (docs/cli/backup.md: logs,
// delivery queue, sockets, pid and lock files, tmp/, npm/, tools/, dev/, git/, plugin-skills/,
// nested node_modules/, and the volatile session logs) so that a state read as files (the
// employee stopped, or an image without the CLI) holds what OpenClaw's archive would. The browser
// profile keeps cookies, logins and storage but not Chromium's caches, which it refills.

export type SnapshotRoot = (typeof SNAPSHOT_ROOTS)[number];

/** Folders of OpenClaw's state dir that are not state (top level). */
const OPENCLAW_TOP_DIRS = new Set([
  "logs",
  "delivery-queue",
  "tmp",
  "npm",
  "tools",
  "dev",
  "git",
  "plugin-skills",
  "cache",
]);

/** Chromium's caches, wherever they sit in the profile. */
const BROWSER_CACHE_DIRS = new Set([
  "Cache",
  "Code Cache",
  "GPUCache",
  "GrShaderCache",
  "GraphiteDawnCache",
  "ShaderCache",
  "DawnCache",
  "DawnGraphiteCache",
  "DawnWebGPUCache",
  "Media Cache",
  "CacheStorage",
  "ScriptCache",
  "Crashpad",
  "BrowserMetrics",
  "component_crx_cache",
  "extensions_crx_cache",
]);

// Runtime files that mean nothing after a restore and break a restored process (a stale lock).
const VOLATILE_FILE = /^Singleton|\.(sock|pid|tmp)$/;

/**
 * Whether `parts` (a path inside the root, its last part the entry's name) is left out.
 * `dir` says whether the entry is a folder.
 */
export function isSkipped(root: SnapshotRoot, parts: readonly string[], dir: boolean): boolean {
  const name = parts[parts.length - 1] ?? "";
  if (VOLATILE_FILE.test(name)) return true;
  switch (root) {
    case "workspace":
      // The account's shared files, mounted read-only over this folder: synced, never the employee's.
      return parts.length === 1 && name === "team-files";
    case "openclaw":
      if (dir && parts.length === 1 && OPENCLAW_TOP_DIRS.has(name)) return true;
      if (dir && name === "node_modules") return true;
      return !dir && parts.includes("sessions") && /\.(jsonl|log)$/.test(name);
    case "browser":
      return dir && BROWSER_CACHE_DIRS.has(name);
  }
}
