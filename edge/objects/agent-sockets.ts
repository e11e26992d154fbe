import type { Logger } from "../log/logger.ts";
import { HEARTBEAT_TIMEOUT_MS, HELLO_TIMEOUT_MS } from "./node-timeouts.ts";

interface SocketAttachment {
  helloed: boolean;
  connectedAt: number;
}

const AGENT_TAG = "agent";

// A NodeDO's hibernatable sockets to its agent: at most one that said hello counts, a newer
// connection replaces an old one, and one silent too long is closed.
export class AgentSockets {
  private readonly ctx: DurableObjectState;

  constructor(ctx: DurableObjectState) {
    this.ctx = ctx;
  }

  all(): WebSocket[] {
    return this.ctx.getWebSockets(AGENT_TAG);
  }

  /** One agent per node: a new connection replaces an old one (the agent restarted). */
  accept(now: number): WebSocket {
    for (const old of this.all()) {
      try {
        old.close(4000, "replaced by a newer connection");
      } catch {
        // already closed
      }
    }
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [AGENT_TAG]);
    server.serializeAttachment({ helloed: false, connectedAt: now } satisfies SocketAttachment);
    return client;
  }

  static helloed(ws: WebSocket): boolean {
    return (ws.deserializeAttachment() as SocketAttachment).helloed;
  }

  static markHelloed(ws: WebSocket): void {
    ws.serializeAttachment({
      ...(ws.deserializeAttachment() as SocketAttachment),
      helloed: true,
    } satisfies SocketAttachment);
  }

  /** The open socket whose agent said hello, if any. */
  agent(): WebSocket | undefined {
    return this.all().find((ws) => ws.readyState === WebSocket.OPEN && AgentSockets.helloed(ws));
  }

  /** Whether a socket other than this one is still open. */
  othersOpen(closing: WebSocket): boolean {
    return this.all().some((ws) => ws !== closing && ws.readyState === WebSocket.OPEN);
  }

  /**
   * Closes every socket without a hello after HELLO_TIMEOUT_MS or silent (nothing since lastSeen)
   * for HEARTBEAT_TIMEOUT_MS; `closed` runs after each.
   */
  async closeSilent(
    now: number,
    lastSeen: number,
    log: Logger,
    closed: (ws: WebSocket) => Promise<void>,
  ): Promise<void> {
    for (const ws of this.all()) {
      const a = ws.deserializeAttachment() as SocketAttachment;
      const silentFor = now - Math.max(lastSeen, a.connectedAt);
      if (
        (!a.helloed && now - a.connectedAt > HELLO_TIMEOUT_MS) ||
        silentFor > HEARTBEAT_TIMEOUT_MS
      ) {
        log.warn("closing a silent agent socket", { helloed: a.helloed, silentForMs: silentFor });
        try {
          ws.close(4008, a.helloed ? "heartbeat timeout" : "no hello");
        } catch {
          // already closed
        }
        await closed(ws);
      }
    }
  }
}
