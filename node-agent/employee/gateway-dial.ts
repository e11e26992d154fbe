import WebSocket from "ws";
import { chatClientHeaders } from "../access/forwarded-identity.ts";
import type { ThrottledLog } from "../http/throttled-log.ts";
import type { Logger } from "../logger.ts";
import { GatewayError } from "./gateway-error.ts";
import {
  ConnectChallenge,
  type GatewayFrame,
  HelloOk,
  MAX_GATEWAY_FRAME_BYTES,
  parseGatewayFrame,
} from "./gateway-frames.ts";
import {
  CHAT_PROFILE,
  connectParams,
  type DeviceIdentity,
  type GatewayProfile,
} from "./gateway-handshake.ts";

// One attempt to open an employee's gateway: the upgrade from the node's address with the
// trusted-proxy headers, the challenge answered with the device proof, hello-ok read. What
// follows (requests, events, redialling) is gateway-socket.ts's; this hands it every frame after
// the hello, and says why an attempt failed.

// Upgrade, challenge and hello-ok together (OpenClaw's own pre-auth limit is 15 s).
export const GATEWAY_CONNECT_TIMEOUT_MS = 15_000;

export interface GatewayEndpoint {
  host: string;
  port: number;
}

export interface DialHandlers {
  /** Any frame at all: the socket is alive. */
  heard(): void;
  /** The gateway said hello-ok; every frame after it goes to `frame`. */
  open(hello: HelloOk, connectMs: number): void;
  frame(frame: GatewayFrame): void;
  /** The socket is gone; `failure` says why when it never opened. */
  closed(code: number, reason: string, failure: GatewayError | undefined): void;
}

export interface DialParams {
  endpoint: GatewayEndpoint;
  /** Who the socket is to OpenClaw's trusted-proxy (the account, or the agent's control user). */
  accountId: string;
  /** Client, scopes and caps (the chat's when absent). */
  profile?: GatewayProfile;
  /** The device key, asked for when the challenge comes. */
  identity: () => DeviceIdentity;
  log: Logger;
  /** For lines a hostile gateway could make in bulk. */
  noisy: ThrottledLog;
}

export function dialGateway(p: DialParams, on: DialHandlers): WebSocket {
  const started = Date.now();
  const host = p.endpoint.host.includes(":") ? `[${p.endpoint.host}]` : p.endpoint.host;
  const authority = `${host}:${p.endpoint.port}`;
  const ws = new WebSocket(`ws://${authority}/`, {
    headers: chatClientHeaders(p.accountId, authority, (p.profile ?? CHAT_PROFILE).headerScopes),
    // OpenClaw checks the Origin of every webchat client, with or without the header
    // (ws-origin-policy.ts: resolveGatewayWsBrowserOrigin). The agent is no page of
    // controlUi.allowedOrigins: it comes as the gateway's own origin, which OpenClaw accepts when
    // that is a private address equal to the Host header ("private-same-origin"), as the
    // container's address on the employee network is. No config entry widens anything for it.
    origin: `http://${authority}`,
    handshakeTimeout: GATEWAY_CONNECT_TIMEOUT_MS,
    maxPayload: MAX_GATEWAY_FRAME_BYTES,
    perMessageDeflate: false,
    followRedirects: false,
  });
  let opened = false;
  let challenged = false;
  // Why this attempt failed, for whoever waits and for the redial's log line.
  let failure: GatewayError | undefined;
  const fail = (err: GatewayError) => {
    failure ??= err;
    ws.terminate();
  };
  const giveUp = setTimeout(
    () =>
      fail(new GatewayError("TIMEOUT", "no hello from the gateway in time", { retryable: true })),
    GATEWAY_CONNECT_TIMEOUT_MS,
  );

  const handshake = (frame: GatewayFrame) => {
    if (frame.type === "event" && frame.event === "connect.challenge" && !challenged) {
      const challenge = ConnectChallenge.safeParse(frame.payload);
      if (!challenge.success) return;
      challenged = true;
      const params = connectParams(p.identity(), challenge.data, Date.now(), p.profile);
      ws.send(JSON.stringify({ type: "req", id: "connect", method: "connect", params }));
      return;
    }
    if (frame.type !== "res" || frame.id !== "connect") return;
    clearTimeout(giveUp);
    if (!frame.ok)
      return fail(
        frame.error
          ? GatewayError.from(frame.error)
          : new GatewayError("UNAVAILABLE", "connect refused", { retryable: true }),
      );
    const hello = HelloOk.safeParse(frame.payload);
    if (!hello.success) return fail(new GatewayError("BAD_RESPONSE", "hello-ok does not parse"));
    opened = true;
    on.open(hello.data, Date.now() - started);
  };

  ws.on("unexpected-response", (_req, res) =>
    fail(
      new GatewayError("UNAVAILABLE", `the gateway refused the upgrade (${res.statusCode})`, {
        retryable: true,
      }),
    ),
  );
  ws.on("error", (err) => {
    failure ??= new GatewayError("UNAVAILABLE", err.message.slice(0, 300), { retryable: true });
  });
  ws.on("message", (data, isBinary) => {
    on.heard();
    try {
      if (isBinary) return p.noisy.warn({}, "ignoring a binary frame from the employee's gateway");
      const parsed = parseGatewayFrame(data.toString());
      if (!parsed.ok)
        return p.noisy.warn(
          { err: { message: parsed.error } },
          "ignoring a frame from the employee's gateway",
        );
      if (opened) on.frame(parsed.frame);
      else handshake(parsed.frame);
    } catch (err) {
      p.log.error({ err }, "handling a frame from the employee's gateway failed");
    }
  });
  ws.on("close", (code, reason) => {
    clearTimeout(giveUp);
    on.closed(
      code,
      reason.toString().slice(0, 200),
      opened
        ? undefined
        : (failure ?? new GatewayError("UNAVAILABLE", `closed (${code})`, { retryable: true })),
    );
  });
  return ws;
}
