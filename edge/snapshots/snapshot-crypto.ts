import { decodeBase64, encodeBase64, encodeHexLowerCase } from "@oslojs/encoding";

// Snapshots at rest (issue 16): every chunk and manifest is sealed with AES-256-GCM under its
// account's data key, 32 random bytes made on the account's first snapshot. The data key is kept
// in D1 (snapshot_keys) wrapped with AES-GCM under the Worker secret SNAPSHOT_MASTER_KEY, named by
// a short hash of that master key so it can be rotated (the keyring opens with a previous key, and
// the caller wraps again under the current one), as edge/channels/channel-secrets.ts does. Nodes
// send plaintext over TLS and never hold a key; deleting the key row shreds the account's history.
//
// Sealed form: [u8 version][12 bytes IV][ciphertext][16 bytes tag]. The associated data names the
// owner and the content, `iwsnap/v1|<account>|<employee>|<sha256>` (a manifest: `manifest:<id>`),
// so a sealed chunk copied under another employee, account or digest does not open.

export const SEALED_VERSION = 1;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
/** What sealing adds to a body: version byte, IV and tag. */
export const SEAL_OVERHEAD = 1 + IV_BYTES + TAG_BYTES;
const MASTER_KEY_BYTES = 32;
const DATA_KEY_BYTES = 32;
const encoder = new TextEncoder();

// A fixed, public key for development and tests only (production refuses to run snapshots
// without SNAPSHOT_MASTER_KEY): snapshots made by `npm run dev` survive a restart of it.
export const DEVELOPMENT_MASTER_KEY = "aXctc25hcHNob3RzLWRldmVsb3BtZW50LW9ubHkhISE=";

export class SnapshotCryptoError extends Error {
  override readonly name = "SnapshotCryptoError";
  readonly reason:
    | "not_configured"
    | "bad_key"
    | "unknown_key"
    | "rejected"
    | "malformed"
    | "key_gone";

  constructor(reason: SnapshotCryptoError["reason"], message: string) {
    super(message);
    this.reason = reason;
  }
}

interface MasterKey {
  id: string;
  key: CryptoKey;
}

export interface SnapshotKeyring {
  current: MasterKey;
  previous: MasterKey[];
}

async function masterKey(base64: string): Promise<MasterKey> {
  let raw: Uint8Array;
  try {
    raw = decodeBase64(base64.trim());
  } catch {
    throw new SnapshotCryptoError("bad_key", "SNAPSHOT_MASTER_KEY is not base64");
  }
  if (raw.byteLength !== MASTER_KEY_BYTES)
    throw new SnapshotCryptoError(
      "bad_key",
      `SNAPSHOT_MASTER_KEY must be ${MASTER_KEY_BYTES} bytes`,
    );
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  return { id: encodeHexLowerCase(digest.subarray(0, 8)), key };
}

export interface MasterKeySettings {
  ENVIRONMENT: "development" | "production";
  SNAPSHOT_MASTER_KEY?: string | undefined;
  SNAPSHOT_MASTER_KEY_PREVIOUS?: string | undefined;
}

/**
 * The keyring from the configuration. Development falls back to DEVELOPMENT_MASTER_KEY;
 * production without SNAPSHOT_MASTER_KEY throws `not_configured` (no snapshot is taken).
 */
export async function snapshotKeyring(settings: MasterKeySettings): Promise<SnapshotKeyring> {
  const current =
    settings.SNAPSHOT_MASTER_KEY ??
    (settings.ENVIRONMENT === "development" ? DEVELOPMENT_MASTER_KEY : undefined);
  if (!current)
    throw new SnapshotCryptoError(
      "not_configured",
      "SNAPSHOT_MASTER_KEY is not set: snapshots are off until `openssl rand -base64 32 | wrangler secret put SNAPSHOT_MASTER_KEY`",
    );
  const previous = (settings.SNAPSHOT_MASTER_KEY_PREVIOUS ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  return {
    current: await masterKey(current),
    previous: await Promise.all(previous.map(masterKey)),
  };
}

const wrapAad = (accountId: string, keyId: string) =>
  encoder.encode(`iwsnap-key/v1|${accountId}|${keyId}`);

export interface WrappedDataKey {
  keyId: string;
  /** Base64 of [IV][wrapped key + tag]. */
  wrapped: string;
}

/** A new random data key for an account, wrapped under the current master key. */
export async function newDataKey(
  keyring: SnapshotKeyring,
  accountId: string,
): Promise<WrappedDataKey> {
  return wrapRaw(keyring, accountId, crypto.getRandomValues(new Uint8Array(DATA_KEY_BYTES)));
}

async function wrapRaw(
  keyring: SnapshotKeyring,
  accountId: string,
  raw: Uint8Array,
): Promise<WrappedDataKey> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const master = keyring.current;
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: wrapAad(accountId, master.id) },
      master.key,
      raw,
    ),
  );
  const out = new Uint8Array(IV_BYTES + sealed.byteLength);
  out.set(iv);
  out.set(sealed, IV_BYTES);
  return { keyId: master.id, wrapped: encodeBase64(out) };
}

async function unwrapRaw(
  keyring: SnapshotKeyring,
  accountId: string,
  stored: WrappedDataKey,
): Promise<Uint8Array> {
  const master = [keyring.current, ...keyring.previous].find((k) => k.id === stored.keyId);
  if (!master)
    throw new SnapshotCryptoError(
      "unknown_key",
      `the account's snapshot key is wrapped under master key ${stored.keyId}, which is not configured`,
    );
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(stored.wrapped);
  } catch {
    throw new SnapshotCryptoError("malformed", "the wrapped snapshot key is not base64");
  }
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: bytes.subarray(0, IV_BYTES),
          additionalData: wrapAad(accountId, master.id),
        },
        master.key,
        bytes.subarray(IV_BYTES),
      ),
    );
  } catch {
    throw new SnapshotCryptoError("rejected", "the wrapped snapshot key does not open");
  }
}

export interface OpenedDataKey {
  key: CryptoKey;
  /** Set when the key was wrapped under a previous master key: store this instead. */
  rewrapped: WrappedDataKey | null;
}

/** Opens an account's wrapped data key; says how to store it again after a rotation. */
export async function openDataKey(
  keyring: SnapshotKeyring,
  accountId: string,
  stored: WrappedDataKey,
): Promise<OpenedDataKey> {
  const raw = await unwrapRaw(keyring, accountId, stored);
  const rewrapped =
    stored.keyId === keyring.current.id ? null : await wrapRaw(keyring, accountId, raw);
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  raw.fill(0);
  return { key, rewrapped };
}

/** Whose content a sealed body is: the associated data binds it to them. */
export interface SealOwner {
  accountId: string;
  employeeId: string;
}

const contentAad = (owner: SealOwner, name: string) =>
  encoder.encode(`iwsnap/v1|${owner.accountId}|${owner.employeeId}|${name}`);

/** The name a manifest is sealed under (a chunk's is its SHA-256). */
export const manifestName = (snapshotId: string) => `manifest:${snapshotId}`;

/** Seals a chunk (named by its plaintext's SHA-256) or a manifest (manifestName). */
export async function seal(
  key: CryptoKey,
  owner: SealOwner,
  name: string,
  body: Uint8Array,
): Promise<Uint8Array> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: contentAad(owner, name) },
      key,
      body,
    ),
  );
  const out = new Uint8Array(1 + IV_BYTES + sealed.byteLength);
  out[0] = SEALED_VERSION;
  out.set(iv, 1);
  out.set(sealed, 1 + IV_BYTES);
  return out;
}

/** Opens what seal made for the same owner and name; anything else throws `rejected`. */
export async function open(
  key: CryptoKey,
  owner: SealOwner,
  name: string,
  sealed: Uint8Array,
): Promise<Uint8Array> {
  if (sealed.byteLength < SEAL_OVERHEAD || sealed[0] !== SEALED_VERSION)
    throw new SnapshotCryptoError("malformed", "not a sealed snapshot body");
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: sealed.subarray(1, 1 + IV_BYTES),
          additionalData: contentAad(owner, name),
        },
        key,
        sealed.subarray(1 + IV_BYTES),
      ),
    );
  } catch {
    throw new SnapshotCryptoError("rejected", `sealed ${name} was altered or is not this owner's`);
  }
}
