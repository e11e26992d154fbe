import type { InboundMessage } from "./channel-message.ts";

// What a provider's webhook request came to, for the route that answers it: refuse it (with the
// status to answer), answer a handshake, acknowledge and drop it, or store the messages first.
export type WebhookOutcome =
  | { outcome: "rejected"; status: 400 | 401 | 403 | 413; reason: string }
  | { outcome: "handshake"; body: string }
  | { outcome: "ignored"; reason: string }
  | { outcome: "messages"; messages: InboundMessage[] };

export const rejected = (
  status: 400 | 401 | 403 | 413,
  reason: string,
): Extract<WebhookOutcome, { outcome: "rejected" }> => ({ outcome: "rejected", status, reason });
