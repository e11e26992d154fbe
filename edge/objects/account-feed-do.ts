import { DurableObject } from "cloudflare:workers";
import { type AccountLiveFrame, accountLiveFrame } from "../contract/account-live.ts";
import { LIVE_PING, LIVE_PONG, LIVE_REAUTH_CLOSE } from "../contract/live.ts";
import type { Env } from "../env.ts";
import type { AccountFeedRpc } from "./account-feed-rpc.ts";
import { type Clock, systemClock } from "./clock.ts";
import { closeViewer, LIVE_VIEWER_MAX_MS } from "./live-viewers.ts";

interface Viewer {
  until: number;
}

// One per account: the team's live socket (GET /api/live, issue 18), what everyone in the account
// sees change wherever they are in the app: approvals when they are asked for and when they are
// decided or expire. It keeps nothing but the sockets (hibernating: idle viewers cost nothing);
// what it missed while a viewer was away the app reads again (GET /api/approvals) on reconnect.
// Viewers were admitted by the Worker (session, member of the account); like an employee's live
// socket, each is good for LIVE_VIEWER_MAX_MS and is then closed with LIVE_REAUTH_CLOSE, so the
// app opens a new one and is admitted again (or refused, once it left the team).
export class AccountFeedDO extends DurableObject<Env> implements AccountFeedRpc {
  private readonly clock: Clock;

  constructor(ctx: DurableObjectState, env: Env, clock: Clock = systemClock) {
    super(ctx, env);
    this.clock = clock;
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(LIVE_PING, LIVE_PONG));
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("expected a WebSocket upgrade", { status: 426 });
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ until: this.clock.now() + LIVE_VIEWER_MAX_MS } satisfies Viewer);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** The frame to every viewer still within its time; how many heard it. */
  async publish(frame: AccountLiveFrame): Promise<number> {
    const text = accountLiveFrame(frame);
    const now = this.clock.now();
    let sent = 0;
    for (const ws of this.ctx.getWebSockets()) {
      try {
        const viewer = ws.deserializeAttachment() as Viewer | null;
        if (!viewer || viewer.until <= now) ws.close(LIVE_REAUTH_CLOSE, "open again");
        else {
          ws.send(text);
          sent++;
        }
      } catch {
        // a viewer that went away; its close event cleans up
      }
    }
    return sent;
  }

  override async webSocketMessage(): Promise<void> {
    // Viewers only listen; "ping" is answered by the auto-response without waking us.
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    closeViewer(ws, code);
  }
}
