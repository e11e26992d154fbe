import type { Employee } from "../contract/employee.ts";
import { LIVE_REAUTH_CLOSE, type LiveFrame, liveFrame } from "../contract/live.ts";

// The employee's live status sockets (hibernation API: idle viewers cost nothing).
//
// A viewer was admitted once, when it opened (services/employees.ts openLiveStatus): a socket
// can stay open for days, and whoever opened it may since have left the team or signed out. So a
// socket is good for LIVE_VIEWER_MAX_MS; past that it gets no more frames but is closed with
// LIVE_REAUTH_CLOSE, and the app opens a new one at once (admitted again, or refused).
export const LIVE_VIEWER_MAX_MS = 10 * 60_000;

interface Viewer {
  until: number;
}

export function sendStatus(ctx: DurableObjectState, employee: Employee | null, now: number): void {
  sendFrame(ctx, { type: "status", employee }, now);
}

/** Any frame of the live socket to every viewer still within its time (the chat's too). */
export function sendFrame(ctx: DurableObjectState, live: LiveFrame, now: number): void {
  const frame = liveFrame(live);
  for (const ws of ctx.getWebSockets()) {
    try {
      const viewer = ws.deserializeAttachment() as Viewer | null;
      if (!viewer || viewer.until <= now) ws.close(LIVE_REAUTH_CLOSE, "open again");
      else ws.send(frame);
    } catch {
      // a viewer that went away; its close event cleans up
    }
  }
}

export function sendRemoved(ctx: DurableObjectState, employeeId: string): void {
  for (const ws of ctx.getWebSockets()) {
    try {
      ws.send(liveFrame({ type: "removed", employeeId }));
      ws.close(1000, "employee removed");
    } catch {
      // gone already
    }
  }
}

/** Accepts a viewer and tells it the status right away. */
export function acceptViewer(
  ctx: DurableObjectState,
  employee: Employee | null,
  now: number,
): Response {
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  ctx.acceptWebSocket(server);
  server.serializeAttachment({ until: now + LIVE_VIEWER_MAX_MS } satisfies Viewer);
  server.send(liveFrame({ type: "status", employee }));
  return new Response(null, { status: 101, webSocket: client });
}

/** A viewer's upgrade request: accepted (acceptViewer), or 426 when it is no WebSocket. */
export function viewerUpgrade(
  ctx: DurableObjectState,
  request: Request,
  employee: Employee | null,
  now: number,
): Response {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
    return new Response("expected a WebSocket upgrade", { status: 426 });
  return acceptViewer(ctx, employee, now);
}

/** Answers a viewer's close (1005, no code given, is answered with 1000). */
export function closeViewer(ws: WebSocket, code: number): void {
  try {
    ws.close(code === 1005 ? 1000 : code, "bye");
  } catch {
    // already closed
  }
}
