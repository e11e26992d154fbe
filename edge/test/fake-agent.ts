import { env, exports } from "cloudflare:workers";
import { hashToken, randomToken } from "../auth/tokens.ts";
import type { AgentFrame, EdgeFrame, Instance } from "../protocol/frames.ts";
import { PROTOCOL_VERSION } from "../protocol/frames.ts";
import { uploadSnapshot } from "./fake-snapshot-upload.ts";
import { ORIGIN } from "./helpers.ts";

// A scripted node agent speaking the real protocol over a real WebSocket through /agent/connect.
// The real agent (node-agent/) is tested against Docker separately and end to end.

export async function createNode(
  opts: { name?: string } = {},
): Promise<{ id: string; token: string }> {
  const id = crypto.randomUUID();
  const token = `iwn_${randomToken()}`;
  await env.DB.prepare("INSERT INTO nodes (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)")
    .bind(id, opts.name ?? `node-${id.slice(0, 8)}`, hashToken(token), Date.now())
    .run();
  return { id, token };
}

export function connectRaw(
  token: string | undefined,
  headers: Record<string, string> = {},
): Promise<Response> {
  const h = new Headers({ upgrade: "websocket", ...headers });
  if (token !== undefined) h.set("authorization", `Bearer ${token}`);
  return exports.default.fetch(new Request(new URL("/agent/connect", ORIGIN), { headers: h }));
}

export class FakeAgent {
  readonly received: EdgeFrame[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: (() => void)[] = [];

  readonly ws: WebSocket;
  /** The node token it connected with (the snapshot uploads use it). */
  token: string | undefined;

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener("message", (e) => {
      this.received.push(JSON.parse(String(e.data)) as EdgeFrame);
      for (const w of this.waiters.splice(0)) w();
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async connect(
    token: string,
    opts: { slots?: number; inventory?: Instance[]; hello?: boolean } = {},
  ): Promise<FakeAgent> {
    const res = await connectRaw(token);
    if (res.status !== 101 || !res.webSocket)
      throw new Error(`agent connect answered ${res.status}`);
    res.webSocket.accept();
    const agent = new FakeAgent(res.webSocket);
    agent.token = token;
    if (opts.hello !== false) {
      agent.send({
        type: "hello",
        protocol: PROTOCOL_VERSION,
        agentVersion: "fake-1",
        capacity: { slots: opts.slots ?? 4, memoryMb: 8192 },
        inventory: opts.inventory ?? [],
      });
      await agent.next("welcome");
    }
    return agent;
  }

  send(frame: AgentFrame | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(raw: string): void {
    this.ws.send(raw);
  }

  // The next frame of a type not yet consumed, waiting up to timeoutMs.
  async next<T extends EdgeFrame["type"]>(
    type: T,
    timeoutMs = 5000,
  ): Promise<Extract<EdgeFrame, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex((f) => f.type === type);
      if (index >= 0) return this.received.splice(index, 1)[0] as Extract<EdgeFrame, { type: T }>;
      if (this.closed)
        throw new Error(
          `socket closed (${this.closed.code} ${this.closed.reason}) while waiting for ${type}`,
        );
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no ${type} frame within ${timeoutMs} ms; got ${this.received.map((f) => f.type).join(", ")}`,
        );
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, left);
      });
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (!this.closed) throw new Error("socket did not close");
    return this.closed;
  }

  // Plays a healthy provision: created, started, then the result.
  async completeProvision(
    frame: { id: string; employeeId: string },
    containerId = `c-${frame.employeeId.slice(0, 8)}`,
  ) {
    this.send({ type: "container.created", employeeId: frame.employeeId, containerId });
    this.send({ type: "container.started", employeeId: frame.employeeId, containerId });
    this.send({
      type: "result",
      id: frame.id,
      ok: true,
      data: { employeeId: frame.employeeId, containerId, state: "running" },
    });
  }

  // Plays a snapshot the way the real agent does: a small file up through the real snapshot
  // routes (the store seals the catalogue row on the manifest PUT), then the result reports it.
  async completeSnapshot(
    frame: { id: string; snapshotId: string; employeeId: string },
    opts: { skipped?: boolean; bytes?: number } = {},
  ): Promise<void> {
    const bytes = opts.bytes ?? 1024;
    if (!this.token) throw new Error("completeSnapshot needs an agent connected with its token");
    const manifestSha256 = opts.skipped
      ? undefined
      : await uploadSnapshot(this.token, frame.snapshotId, frame.employeeId, bytes);
    this.send({
      type: "result",
      id: frame.id,
      ok: true,
      snapshot: {
        snapshotId: frame.snapshotId,
        skipped: opts.skipped ?? false,
        logicalBytes: bytes,
        storedBytes: bytes,
        fileCount: 1,
        ...(manifestSha256 ? { manifestSha256 } : {}),
      },
    });
  }

  // Plays a restore that ends with the employee running (or fails, rolled back or not).
  completeRestore(
    frame: { id: string; employeeId: string },
    outcome: { fail?: string; rolledBack?: boolean } = {},
    containerId = `c-${frame.employeeId.slice(0, 8)}`,
  ): void {
    if (outcome.fail) {
      this.send({
        type: "result",
        id: frame.id,
        ok: false,
        error: { code: "restore_failed", message: outcome.fail, retryable: false },
        ...(outcome.rolledBack ? { rolledBack: true } : {}),
      });
      return;
    }
    this.send({ type: "container.started", employeeId: frame.employeeId, containerId });
    this.send({
      type: "result",
      id: frame.id,
      ok: true,
      data: { employeeId: frame.employeeId, containerId, state: "running" },
    });
  }

  close(): void {
    try {
      this.ws.close(1000, "test done");
    } catch {
      // closed already
    }
  }
}
