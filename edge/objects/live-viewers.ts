import type { Employee } from "../contract/employee.ts";
import { type LiveFrame, liveFrame } from "../contract/live.ts";

// The employee's live status sockets (hibernation API: idle viewers cost nothing).

export function sendStatus(ctx: DurableObjectState, employee: Employee | null): void {
  sendFrame(ctx, { type: "status", employee });
}

/** Any frame of the live socket to every viewer (the chat's too). */
export function sendFrame(ctx: DurableObjectState, live: LiveFrame): void {
  const frame = liveFrame(live);
  for (const ws of ctx.getWebSockets()) {
    try {
      ws.send(frame);
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
export function acceptViewer(ctx: DurableObjectState, employee: Employee | null): Response {
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  ctx.acceptWebSocket(server);
  server.send(liveFrame({ type: "status", employee }));
  return new Response(null, { status: 101, webSocket: client });
}
