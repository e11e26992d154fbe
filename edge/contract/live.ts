import * as z from "zod/mini";
import { Backup } from "./backup.ts";
import { ChannelView, PairingRequestView } from "./channels.ts";
import { ChatMessage, ChatReadiness, Conversation } from "./chat.ts";
import { Employee } from "./employee.ts";

// The frames of an employee's live socket (GET /api/employees/:id/live), edge → browser: its
// status on connect and on every change, and `removed` once it is fired (the socket then closes).
// The chat's frames follow: a message whenever it changes (a streaming answer: its whole text so
// far, at most a few times a second), a conversation when it is created or changes, and the
// readiness whenever it changes.
// A backup whenever it is created or changes (its progress while it runs, at most once a second).
// A channel whenever its state changes (connected, failing, paused), and a pairing request when
// one is opened or decided (issue 17).
// A viewer may send the text "ping" and hears "pong".
export const LiveFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("status"), employee: z.nullable(Employee) }),
  z.object({ type: z.literal("removed"), employeeId: z.string() }),
  z.object({ type: z.literal("chat.message"), message: ChatMessage }),
  z.object({ type: z.literal("chat.conversation"), conversation: Conversation }),
  z.object({ type: z.literal("chat.readiness"), readiness: ChatReadiness }),
  z.object({ type: z.literal("backup"), employeeId: z.string(), backup: Backup }),
  z.object({ type: z.literal("channel"), employeeId: z.string(), channel: ChannelView }),
  z.object({ type: z.literal("channel.pairing"), request: PairingRequestView }),
]);
export type LiveFrame = z.infer<typeof LiveFrame>;

export const LIVE_PING = "ping";
export const LIVE_PONG = "pong";
/** The close code of a socket past its time: the viewer opens a new one at once, which checks
 * again that its session may still see this employee (a member removed, signed out, …). */
export const LIVE_REAUTH_CLOSE = 4001;

/** The one way a live frame is made: every sender goes through it. */
export const liveFrame = (frame: LiveFrame): string => JSON.stringify(frame);

/** The one parser of live frames; null for anything that is not one (pongs included). */
export function parseLiveFrame(raw: unknown): LiveFrame | null {
  if (typeof raw !== "string" || raw === LIVE_PONG) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = LiveFrame.safeParse(value);
  return parsed.success ? parsed.data : null;
}
