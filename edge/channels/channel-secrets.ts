import {
  decodeBase64,
  decodeBase64urlIgnorePadding,
  encodeBase64urlNoPadding,
  encodeHexLowerCase,
} from "@oslojs/encoding";

// Channel credentials at rest (bot tokens, Slack bot tokens, WhatsApp access tokens): AES-256-GCM
// under a key derived with HKDF-SHA-256 from the Worker secret CHANNEL_SECRETS_KEY, with the
// owning account or employee id as HKDF info, so a sealed value copied to another owner's row
// does not open. Sealed form: `v1.<keyId>.<iv>.<ciphertext>`: the format version, then which
// master key sealed it (a short hash of it), so keys can be rotated by opening with the previous
// key and sealing again with the current one. Version, key id and owner are also the AES-GCM
// associated data: changing any of them fails the open, as does any change to the ciphertext.

export const SEALED_FORMAT_VERSION = "v1";
/** Master keys are 32 random bytes, base64 (`openssl rand -base64 32`). */
export const CHANNEL_KEY_BYTES = 32;
/** Largest credential JSON sealed: tokens and ids, never files. */
export const MAX_CREDENTIAL_JSON_BYTES = 16 * 1024;
const HKDF_SALT = "instantworker/channel-secrets/v1";
const IV_BYTES = 12;
const encoder = new TextEncoder();

export class CredentialSealError extends Error {
  override readonly name = "CredentialSealError";
  readonly reason: "bad_key" | "malformed" | "unknown_key" | "rejected" | "too_large";

  constructor(reason: CredentialSealError["reason"], message: string) {
    super(message);
    this.reason = reason;
  }
}

interface MasterKey {
  id: string;
  hkdf: CryptoKey;
}

export interface ChannelKeyring {
  current: MasterKey;
  /** Earlier keys, only for opening values sealed before a rotation. */
  previous: MasterKey[];
}

async function masterKey(base64: string): Promise<MasterKey> {
  let raw: Uint8Array;
  try {
    raw = decodeBase64(base64.trim());
  } catch {
    throw new CredentialSealError("bad_key", "CHANNEL_SECRETS_KEY is not base64");
  }
  if (raw.byteLength !== CHANNEL_KEY_BYTES) {
    throw new CredentialSealError(
      "bad_key",
      `CHANNEL_SECRETS_KEY must be ${CHANNEL_KEY_BYTES} bytes (base64), not ${raw.byteLength}`,
    );
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
  const hkdf = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveKey"]);
  return { id: encodeHexLowerCase(digest.subarray(0, 8)), hkdf };
}

/** The keyring from CHANNEL_SECRETS_KEY (and, during a rotation, the keys it replaced). */
export async function channelKeyring(
  currentBase64: string,
  previousBase64: readonly string[] = [],
): Promise<ChannelKeyring> {
  return {
    current: await masterKey(currentBase64),
    previous: await Promise.all(previousBase64.map(masterKey)),
  };
}

function ownerKey(master: MasterKey, ownerId: string): Promise<CryptoKey> {
  return crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: encoder.encode(HKDF_SALT),
      info: encoder.encode(`channel-credential:${ownerId}`),
    },
    master.hkdf,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

const associatedData = (keyId: string, ownerId: string) =>
  encoder.encode(`${SEALED_FORMAT_VERSION}.${keyId}.${ownerId}`);

/** Seals a credential (any JSON value) for one owner (account or employee id). */
export async function sealCredential(
  keyring: ChannelKeyring,
  ownerId: string,
  credential: unknown,
): Promise<string> {
  const plain = encoder.encode(JSON.stringify(credential));
  if (plain.byteLength > MAX_CREDENTIAL_JSON_BYTES) {
    throw new CredentialSealError("too_large", "the credential is too large to seal");
  }
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const key = await ownerKey(keyring.current, ownerId);
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: associatedData(keyring.current.id, ownerId) },
    key,
    plain,
  );
  return [
    SEALED_FORMAT_VERSION,
    keyring.current.id,
    encodeBase64urlNoPadding(iv),
    encodeBase64urlNoPadding(new Uint8Array(sealed)),
  ].join(".");
}

/** Opens what sealCredential made for the same owner; anything else throws. */
export async function openCredential(
  keyring: ChannelKeyring,
  ownerId: string,
  sealed: string,
): Promise<unknown> {
  const parts = sealed.split(".");
  if (parts.length !== 4 || parts[0] !== SEALED_FORMAT_VERSION) {
    throw new CredentialSealError("malformed", "not a sealed channel credential");
  }
  const [, keyId, ivText, cipherText] = parts as [string, string, string, string];
  const master = [keyring.current, ...keyring.previous].find((k) => k.id === keyId);
  if (!master) {
    throw new CredentialSealError("unknown_key", "sealed with a key that is not configured");
  }
  let iv: Uint8Array;
  let cipher: Uint8Array;
  try {
    iv = decodeBase64urlIgnorePadding(ivText);
    cipher = decodeBase64urlIgnorePadding(cipherText);
  } catch {
    throw new CredentialSealError("malformed", "not a sealed channel credential");
  }
  if (iv.byteLength !== IV_BYTES) {
    throw new CredentialSealError("malformed", "not a sealed channel credential");
  }
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: associatedData(keyId, ownerId) },
      await ownerKey(master, ownerId),
      cipher,
    );
  } catch {
    throw new CredentialSealError("rejected", "the sealed credential was altered or is not ours");
  }
  return JSON.parse(new TextDecoder().decode(plain));
}

/** True when a sealed value should be sealed again under the current key. */
export function needsReseal(keyring: ChannelKeyring, sealed: string): boolean {
  return sealed.split(".")[1] !== keyring.current.id;
}

const MASK = "•••••";
/** Characters shown at the end of a masked secret, only when it is long enough to spare them. */
const SHOWN_TAIL = 3;
const MIN_LENGTH_TO_SHOW_TAIL = 16;

/**
 * A secret as shown after it is saved: the provider's public prefix (a Telegram bot's numeric
 * id, Slack's `xoxb-`), dots, and the last three characters of a long secret, so a person can
 * tell which one is set without it being readable: `123456:•••••XYZ`, `xoxb-•••••a1B`.
 */
export function maskSecret(secret: string): string {
  const prefix = /^\d{1,20}:/.exec(secret)?.[0] ?? /^xox[a-z]-/.exec(secret)?.[0] ?? "";
  const rest = secret.slice(prefix.length);
  const tail = secret.length >= MIN_LENGTH_TO_SHOW_TAIL ? rest.slice(-SHOWN_TAIL) : "";
  return `${prefix}${MASK}${tail}`;
}
