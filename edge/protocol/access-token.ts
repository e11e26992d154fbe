// Short-lived access tokens for an employee's chat and browser views. The edge signs them with an
// Ed25519 private key; node agents hold only the public key, so a node can verify but never mint
// access. Runtime-neutral (WebCrypto): the edge signs in workerd, the agent verifies in Node.
export type AccessScope = "chat" | "browser";

export interface AccessClaims {
  /** employee */
  e: string;
  /** user */
  u: string;
  s: AccessScope;
  /** expiry, epoch ms */
  x: number;
}

// The runtime's WebCrypto key type (workerd and Node name it differently).
type Key = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

const PREFIX = "v1";
const encoder = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64url(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export async function importSigningKey(pkcs8Base64: string): Promise<Key> {
  return crypto.subtle.importKey(
    "pkcs8",
    fromB64url(pkcs8Base64.replace(/=+$/, "")),
    { name: "Ed25519" },
    false,
    ["sign"],
  );
}

export async function importVerifyKey(rawBase64: string): Promise<Key> {
  return crypto.subtle.importKey(
    "raw",
    fromB64url(rawBase64.replace(/=+$/, "")),
    { name: "Ed25519" },
    false,
    ["verify"],
  );
}

export async function signAccessToken(key: Key, claims: AccessClaims): Promise<string> {
  const payload = b64url(encoder.encode(JSON.stringify(claims)));
  const signature = new Uint8Array(
    await crypto.subtle.sign("Ed25519", key, encoder.encode(`${PREFIX}.${payload}`)),
  );
  return `${PREFIX}.${payload}.${b64url(signature)}`;
}

// Null for anything not signed by the edge, expired, or malformed: callers answer 401.
export async function verifyAccessToken(
  key: Key,
  token: string,
  now = Date.now(),
): Promise<AccessClaims | null> {
  const [prefix, payload, signature] = token.split(".");
  if (prefix !== PREFIX || !payload || !signature || token.length > 2048) return null;
  try {
    const ok = await crypto.subtle.verify(
      "Ed25519",
      key,
      fromB64url(signature),
      encoder.encode(`${PREFIX}.${payload}`),
    );
    if (!ok) return null;
    const claims = JSON.parse(new TextDecoder().decode(fromB64url(payload))) as AccessClaims;
    if (
      typeof claims.e !== "string" ||
      typeof claims.u !== "string" ||
      (claims.s !== "chat" && claims.s !== "browser")
    )
      return null;
    if (typeof claims.x !== "number" || claims.x <= now) return null;
    return claims;
  } catch {
    return null;
  }
}
