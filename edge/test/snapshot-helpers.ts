import { env, exports } from "cloudflare:workers";
import type { SnapshotManifest } from "../protocol/snapshot-manifest.ts";
import { encodeFrameHeader, FLAG_DEFLATE, FLAG_RAW, toHex } from "../protocol/snapshot-wire.ts";
import { openSnapshot } from "../store/snapshots.ts";
import { createNode } from "./fake-agent.ts";
import { ORIGIN } from "./helpers.ts";

// What the snapshot store's tests share: an account with an employee placed on a node (rows made
// directly, no agent), a pending snapshot opened for it as the lifecycle does, chunk frames as
// the agent sends them, and the /agent/snapshots routes called with the node's token.

export interface Placed {
  accountId: string;
  employeeId: string;
  node: { id: string; token: string };
}

export async function placedEmployee(plan = "trial"): Promise<Placed> {
  const accountId = crypto.randomUUID();
  const employeeId = crypto.randomUUID();
  const node = await createNode();
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO accounts (id, name, plan, trial_ends_at, created_at) VALUES (?, 'Snap', ?, ?, ?)",
    ).bind(accountId, plan, now + 7 * 86_400_000, now),
    env.DB.prepare(
      `INSERT INTO employees (id, account_id, name, role, tone, skills, status, node_id, created_at, updated_at)
       VALUES (?, ?, 'Snappy', 'assistant', 'friendly', '[]', 'running', ?, ?, ?)`,
    ).bind(employeeId, accountId, node.id, now, now),
  ]);
  return { accountId, employeeId, node };
}

export async function openFor(p: Placed, createdAt = Date.now()): Promise<string> {
  const row = await openSnapshot(
    env.DB,
    {
      accountId: p.accountId,
      employeeId: p.employeeId,
      nodeId: p.node.id,
      generation: 0,
      kind: "scheduled",
    },
    createdAt,
  );
  return row.id;
}

export async function sha256(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

/** Deterministic bytes of a seed (xorshift): fast, and different for every seed. */
export function pseudoRandom(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  const words = new Uint32Array(out.buffer, 0, Math.floor(size / 4));
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  for (let i = words.length * 4; i < size; i++) out[i] = i & 0xff;
  return out;
}

export async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export interface Chunk {
  sha: string;
  plain: Uint8Array;
}

export async function chunkOf(plain: Uint8Array): Promise<Chunk> {
  return { sha: await sha256(plain), plain };
}

/** Frames as the agent sends them; `deflated` sends a compressible chunk deflated. */
export async function frames(chunks: readonly Chunk[], opts: { deflated?: boolean } = {}) {
  const parts: Uint8Array[] = [];
  for (const c of chunks) {
    const body = opts.deflated ? await deflate(c.plain) : c.plain;
    parts.push(encodeFrameHeader(c.sha, opts.deflated ? FLAG_DEFLATE : FLAG_RAW, body.byteLength));
    parts.push(body);
  }
  return join(parts);
}

export function join(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** A manifest of one file per chunk list. */
export function manifestOf(
  p: Placed,
  snapshotId: string,
  files: { path: string; chunks: Chunk[] }[],
): SnapshotManifest {
  const entries = files.map((f) => ({
    type: "file" as const,
    path: f.path,
    mode: 0o644,
    size: f.chunks.reduce((n, c) => n + c.plain.byteLength, 0),
    mtimeMs: 1_700_000_000_000,
    chunks: f.chunks.map((c) => c.sha),
  }));
  return {
    version: 1,
    snapshotId,
    employeeId: p.employeeId,
    createdAt: Date.now(),
    agentVersion: "test-1",
    image: "instantworker/employee:test",
    openclawVersion: "2026.9.6",
    openclaw: null,
    logicalBytes: entries.reduce((n, e) => n + e.size, 0),
    entries: [{ type: "dir", path: "workspace", mode: 0o755 }, ...entries],
  };
}

export function agentCall(
  token: string,
  path: string,
  init: { method: string; body?: BodyInit; json?: unknown; headers?: Record<string, string> },
): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return exports.default.fetch(
    new Request(new URL(`/agent/snapshots/${path}`, ORIGIN), {
      method: init.method,
      headers,
      body,
    }),
  );
}

export const postPack = (token: string, id: string, body: BodyInit) =>
  agentCall(token, `${id}/packs`, {
    method: "POST",
    body,
    headers: { "content-type": "application/octet-stream" },
  });

export const putManifest = (token: string, id: string, manifest: unknown) =>
  agentCall(token, `${id}/manifest`, {
    method: "PUT",
    body: JSON.stringify(manifest),
    headers: { "content-type": "application/json" },
  });

export const have = (token: string, id: string, chunks: string[]) =>
  agentCall(token, `${id}/have`, { method: "POST", json: { chunks } });

export const fetchChunks = (token: string, id: string, chunks: string[]) =>
  agentCall(token, `${id}/chunks`, { method: "POST", json: { chunks } });

export async function snapshotRow(id: string) {
  return env.DB.prepare("SELECT * FROM snapshots WHERE id = ?").bind(id).first<{
    status: string;
    error: string | null;
    logical_bytes: number;
    stored_bytes: number;
    file_count: number;
    manifest_sha256: string | null;
    openclaw_version: string | null;
    agent_version: string | null;
    image: string | null;
  }>();
}
