import { createHash, createPrivateKey, generateKeyPairSync, sign } from "node:crypto";
import { GATEWAY_PROTOCOL } from "./gateway-frames.ts";

// How the agent's chat client introduces itself to an employee's OpenClaw gateway: the connect
// request with a device proof. Pure (the clock and the key come in), so tests can check the
// exact bytes OpenClaw verifies.
//
// Why a device identity and not device-less: in 2026.9.6 only the Control UI's own client ids
// (openclaw-control-ui, …) are admitted without a device, and under trusted-proxy auth their
// scopes are then cleared to [] unless gateway.auth.identityScopes grants some to the user
// (connect-policy.ts: evaluateMissingDeviceIdentity, shouldClearUnboundScopesForMissingDevice-
// Identity). Going that way would mean the agent posing as the Control UI (which also makes the
// socket a recipient of approval events) and a config entry that hands the same scopes to every
// device-less Control UI connection of the customer. With a device, a webchat client under
// trusted-proxy is paired without a prompt (deviceAutoApprove, already in our openclaw.json) and
// granted requested ∩ deviceAutoApprove.scopes ∩ x-openclaw-scopes = exactly read + write.
//
// Who we say we are: client id "webchat-ui", mode "webchat", OpenClaw's name for a public chat
// surface, which is what the agent relays (our chat now, channels terminated at the edge later).
// Not "gateway-client"/"backend": OpenClaw gives that pair its own trust as the local CLI
// backend (approval runtime, agent runtime identity), which the agent has no business claiming.
// The gateway pins id, mode, platform and device family on the pairing record and never
// auto-approves a change to them, so they are constants.
export const CLIENT = {
  id: "webchat-ui",
  mode: "webchat",
  platform: "linux",
  deviceFamily: "instantworker-node-agent",
  displayName: "InstantWorker chat",
  // This client's own version (free text to OpenClaw; the wire is GATEWAY_PROTOCOL).
  version: "1",
} as const;
export const ROLE = "operator";
// The narrowest scopes a chat needs: chat.send/abort and sessions.create are operator.write,
// chat.history, sessions.list and the chat/agent events need operator.read. Never admin.
// operator.approvals (issue 18): a turn's exec tool registers its approval request with the
// authority of the socket that sent the message (exec.approval.request), so without it an
// employee in "ask" could not ask at all ("missing scope: operator.approvals"). It also lets a
// chat message `/approve <id> …` decide approvals; the chat relay refuses such messages
// (chat-relay.ts APPROVE_COMMAND). The socket gets no approval events (no caps for them).
export const CHAT_SCOPES = ["operator.read", "operator.write", "operator.approvals"] as const;

/** Who a socket of the agent is to OpenClaw: its client, the scopes its device asks for, caps. */
export interface GatewayProfile {
  /** "chat" keeps `<employeeId>.json` as its device key, others `<employeeId>.<kind>.json`. */
  kind: "chat" | "control";
  client: { readonly [K in keyof typeof CLIENT]: string };
  scopes: readonly string[];
  caps: readonly string[];
  /** The x-openclaw-scopes header: the most this socket may hold, identity grants included. */
  headerScopes: string;
}

export const CHAT_PROFILE: GatewayProfile = {
  kind: "chat",
  client: CLIENT,
  scopes: CHAT_SCOPES,
  caps: [],
  headerScopes: CHAT_SCOPES.join(","),
};

// The control socket (issue 18): approvals and automations, never a chat. Its device asks only
// for read + approvals (the persistent grant deviceAutoApprove gives); operator.admin, which
// cron.add/update/remove and seeing every pending approval need, comes as a connection-only
// identity grant to the agent's reserved proxy identity (openclaw-config.ts AGENT_CONTROL_USER).
// The caps make it a recipient of exec and plugin approval events (server-request-context.ts
// canDeliverApprovals). Same client id and family as the chat: a different device key.
export const CONTROL_SCOPES = ["operator.read", "operator.approvals"] as const;
export const CONTROL_PROFILE: GatewayProfile = {
  kind: "control",
  client: { ...CLIENT, displayName: "InstantWorker control" },
  scopes: CONTROL_SCOPES,
  caps: ["approvals", "exec-approvals", "plugin-approvals"],
  headerScopes: [...CONTROL_SCOPES, "operator.admin"].join(","),
};

/** An Ed25519 key pair as the agent keeps it: the raw public key and the PKCS#8 private key. */
export interface DeviceIdentity {
  /** The raw 32-byte public key, base64url (what OpenClaw calls device.publicKey). */
  publicKey: string;
  /** PKCS#8 DER, base64. */
  privateKey: string;
}

// An SPKI DER for Ed25519 is this 12-byte prefix and the raw key.
const SPKI_PREFIX_BYTES = 12;

export function generateDeviceIdentity(): DeviceIdentity {
  const pair = generateKeyPairSync("ed25519");
  const spki = pair.publicKey.export({ type: "spki", format: "der" });
  return {
    publicKey: spki.subarray(SPKI_PREFIX_BYTES).toString("base64url"),
    privateKey: pair.privateKey.export({ type: "pkcs8", format: "der" }).toString("base64"),
  };
}

/** OpenClaw's device id: the hex SHA-256 of the raw public key. */
export const deviceIdOf = (publicKey: string): string =>
  createHash("sha256").update(Buffer.from(publicKey, "base64url")).digest("hex");

// OpenClaw's normalizeDeviceMetadataForAuth: trimmed, ASCII capitals lowered.
const normalizeMetadata = (s: string) => s.trim().replace(/[A-Z]/g, (c) => c.toLowerCase());

/**
 * The v3 string the device signs (packages/gateway-client/src/device-auth.ts):
 * v3|deviceId|clientId|clientMode|role|scopes,joined|signedAtMs|token|nonce|platform|deviceFamily
 * The token is empty: under trusted-proxy the proxy's headers authenticate each connect.
 */
export function deviceAuthPayloadV3(p: {
  deviceId: string;
  scopes: readonly string[];
  signedAtMs: number;
  nonce: string;
  client?: GatewayProfile["client"];
}): string {
  const client = p.client ?? CLIENT;
  return [
    "v3",
    p.deviceId,
    client.id,
    client.mode,
    ROLE,
    p.scopes.join(","),
    String(p.signedAtMs),
    "",
    p.nonce,
    normalizeMetadata(client.platform),
    normalizeMetadata(client.deviceFamily),
  ].join("|");
}

/**
 * The params of the `connect` request answering a challenge. `signedAtMs` is the agent's clock:
 * OpenClaw checks it against its own within ±120 s, and both run on the same host.
 */
export function connectParams(
  identity: DeviceIdentity,
  challenge: { nonce: string },
  signedAtMs: number,
  profile: GatewayProfile = CHAT_PROFILE,
): Record<string, unknown> {
  const deviceId = deviceIdOf(identity.publicKey);
  const payload = deviceAuthPayloadV3({
    deviceId,
    scopes: profile.scopes,
    signedAtMs,
    nonce: challenge.nonce,
    client: profile.client,
  });
  const key = createPrivateKey({
    key: Buffer.from(identity.privateKey, "base64"),
    format: "der",
    type: "pkcs8",
  });
  return {
    minProtocol: GATEWAY_PROTOCOL,
    maxProtocol: GATEWAY_PROTOCOL,
    client: { ...profile.client },
    role: ROLE,
    scopes: [...profile.scopes],
    caps: [...profile.caps],
    device: {
      id: deviceId,
      publicKey: identity.publicKey,
      signature: sign(null, Buffer.from(payload, "utf8"), key).toString("base64url"),
      signedAt: signedAtMs,
      nonce: challenge.nonce,
    },
  };
}
