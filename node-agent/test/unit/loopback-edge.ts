import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { CommandExecutor } from "../../hub/command-executor.ts";
import { HubConnection, type HubOptions } from "../../hub/hub-connection.ts";
import { createLogger } from "../../logger.ts";
import { FakeRuntime } from "../fake-runtime.ts";

// A stand-in for the edge's /agent/connect on loopback (the `ws` server, the wire format of
// edge/protocol/frames.ts), recording every dial, and the real HubConnection dialling it with a
// logger whose lines a test reads.

export interface Dial {
  at: number;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface EdgeSide {
  ws: WebSocket;
  frames: Record<string, unknown>[];
  closed: { code: number; reason: string } | null;
}

export interface LoopbackEdge {
  url: string;
  dials: Dial[];
  sides: EdgeSide[];
  /** Answer each upgrade with this HTTP status instead of a socket (a refused token). */
  refuseWith: number | null;
  /** Called for each new socket, e.g. to close it at once. */
  onSocket: (side: EdgeSide) => void;
  close(): Promise<void>;
}

export async function startLoopbackEdge(): Promise<LoopbackEdge> {
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer();
  const edge: LoopbackEdge = {
    url: "",
    dials: [],
    sides: [],
    refuseWith: null,
    onSocket: () => {},
    close: async () => {
      for (const s of edge.sides) s.ws.terminate();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  server.on("upgrade", (req, socket, head) => {
    edge.dials.push({ at: Date.now(), url: req.url ?? "", headers: req.headers });
    if (edge.refuseWith !== null) {
      socket.end(
        `HTTP/1.1 ${edge.refuseWith} Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const side: EdgeSide = { ws, frames: [], closed: null };
      edge.sides.push(side);
      ws.on("message", (m) => side.frames.push(JSON.parse(m.toString())));
      ws.on("close", (code, reason) => {
        side.closed = { code, reason: reason.toString() };
      });
      edge.onSocket(side);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  edge.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return edge;
}

export const NODE_TOKEN = "iwn_test_token_000000000000000000";

export function startHub(
  edge: LoopbackEdge,
  runtime = new FakeRuntime(),
  fence?: HubOptions["fence"],
) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger("debug", {}, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const executor = new CommandExecutor(runtime, log);
  const hub = new HubConnection({
    edgeUrl: edge.url,
    nodeToken: NODE_TOKEN,
    capacity: () => ({ slots: 2, memoryMb: 2048 }),
    runtime,
    executor,
    orphanGraceMs: 0,
    ...(fence ? { fence } : {}),
    log,
  });
  hub.start();
  return { hub, lines, runtime, executor };
}

/** Polls until `probe` gives something (not undefined, null or false) and returns it. */
export async function until<T>(
  what: string,
  probe: () => T,
  timeoutMs = 5000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== null && value !== false) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const welcome = (heartbeatIntervalMs = 10_000) =>
  JSON.stringify({ type: "welcome", protocol: 1, nodeId: "n1", heartbeatIntervalMs });
