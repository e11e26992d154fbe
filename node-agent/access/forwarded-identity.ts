import type { AccessClaims } from "../../edge/protocol/access-token.ts";

// OpenClaw (gateway.auth.mode "trusted-proxy") believes these headers from this proxy alone, so a
// client's own copies never pass: the proxy drops them and sets its own.
export const FORWARDED_HEADERS = [
  "x-forwarded-user",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "x-real-ip",
  "forwarded",
  "x-openclaw-scopes",
];
// A browser on this node itself (local development, the tests) has only a loopback address, and
// OpenClaw refuses to attribute a proxied request to loopback (that could be any local process).
// Such a client is named by an address from the documentation range instead, which routes nowhere.
export const LOCAL_BROWSER_ADDRESS = "192.0.2.1";
// What the customer may do in their employee's OpenClaw: chat, read, answer approvals, never
// operator.admin. The gateway takes a trusted-proxy HTTP request that carries no scopes header as
// the full default set, admin included (killing sessions, choosing the model, …), and on a WebSocket
// upgrade the header caps what the Control UI's device may be granted; so it is always sent.
export const CUSTOMER_OPERATOR_SCOPES = "operator.read,operator.write,operator.approvals";

const isLoopback = (a: string) =>
  a === "::1" || a.startsWith("127.") || a.startsWith("::ffff:127.");
const plain = (a: string) => (a.startsWith("::ffff:") ? a.slice(7) : a);
// What may stand in X-Forwarded-For for OpenClaw: an IPv4 or IPv6 address, nothing else.
const ADDRESS = /^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f:]{2,45})$/;

// Who the client is: the TCP peer, or, when the peer is Caddy on this node (loopback), the
// address Caddy put last in X-Forwarded-For (Caddy overwrites what clients send).
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
): string {
  const p = plain(peer ?? "");
  if (p && !isLoopback(p)) return p;
  const last = String(forwardedFor ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .pop();
  return last && !isLoopback(last) && ADDRESS.test(plain(last))
    ? plain(last)
    : LOCAL_BROWSER_ADDRESS;
}

export function identityHeaders(
  req: {
    headers: Record<string, string | string[] | undefined>;
    socket: { remoteAddress?: string | undefined };
  },
  claims: AccessClaims,
): Record<string, string> {
  const fromCaddy = isLoopback(plain(req.socket.remoteAddress ?? ""));
  const proto = String(req.headers["x-forwarded-proto"] ?? "");
  return {
    "x-forwarded-user": claims.u,
    "x-forwarded-for": clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"]),
    "x-forwarded-proto": fromCaddy && (proto === "https" || proto === "http") ? proto : "http",
    "x-forwarded-host": String(req.headers.host ?? ""),
    "x-openclaw-scopes": CUSTOMER_OPERATOR_SCOPES,
  };
}

// The agent's own chat client (employee/gateway-client.ts) opens OpenClaw's WebSocket from the
// same address as this proxy, so it proves itself the same way: these headers, and nothing a
// customer's request could add. It stands for a person chatting through the edge; OpenClaw needs
// a client address that is neither loopback nor its trusted proxy, so it is named by its own
// address from the documentation range, which routes nowhere.
export const AGENT_CHAT_CLIENT_ADDRESS = "192.0.2.2";
// A chat reads, writes, and (issue 18) may register the approvals its turns ask for (OpenClaw's
// exec tool asks with the sender's authority; employee/gateway-handshake.ts CHAT_SCOPES says why
// and how `/approve` in a message is kept out). The agent's control socket comes the same way
// under its own reserved identity and cap (CONTROL_PROFILE).
export const CHAT_CLIENT_OPERATOR_SCOPES = "operator.read,operator.write,operator.approvals";

export function chatClientHeaders(
  accountId: string,
  host: string,
  scopes: string = CHAT_CLIENT_OPERATOR_SCOPES,
): Record<string, string> {
  return {
    "x-forwarded-user": accountId,
    "x-forwarded-for": AGENT_CHAT_CLIENT_ADDRESS,
    "x-forwarded-proto": "https",
    "x-forwarded-host": host,
    "x-openclaw-scopes": scopes,
  };
}
