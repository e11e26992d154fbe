import { env } from "cloudflare:workers";
import { encodeBase64 } from "@oslojs/encoding";
import { describe, expect, it } from "vitest";
import {
  CredentialSealError,
  channelKeyring,
  MAX_CREDENTIAL_JSON_BYTES,
  maskSecret,
  needsReseal,
  openCredential,
  sealCredential,
} from "../channels/channel-secrets.ts";
import { ConfigError, parseConfig } from "../env.ts";
import { config } from "./channels-test-helpers.ts";

const newKey = () => encodeBase64(crypto.getRandomValues(new Uint8Array(32)));
const credential = {
  botToken: "123456789:AAH3kZ9s-Q_w8xYvT1uN2m4P6r7s8t9u0vW",
  secretToken: "s3cr3t",
};

async function failure(promise: Promise<unknown>): Promise<CredentialSealError["reason"]> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CredentialSealError);
  return (err as CredentialSealError).reason;
}

// Flips one character of a base64url segment to another valid base64url character.
function flip(segment: string, at: number): string {
  const c = segment[at] === "A" ? "B" : "A";
  return segment.slice(0, at) + c + segment.slice(at + 1);
}

describe("sealing channel credentials", () => {
  it("round-trips under the Worker's key for the same owner only", async () => {
    const keyring = await channelKeyring(config().CHANNEL_SECRETS_KEY ?? "");
    const sealed = await sealCredential(keyring, "emp_1", credential);
    expect(sealed).toMatch(/^v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain("AAH3kZ9s");
    expect(await openCredential(keyring, "emp_1", sealed)).toEqual(credential);
    expect(await failure(openCredential(keyring, "emp_2", sealed))).toBe("rejected");
    expect(await sealCredential(keyring, "emp_1", credential)).not.toBe(sealed);
  });

  it("fails on any tampering: ciphertext, IV, key id, version, truncation", async () => {
    const keyring = await channelKeyring(newKey());
    const sealed = await sealCredential(keyring, "emp_1", credential);
    const [version, kid, iv, cipher] = sealed.split(".") as [string, string, string, string];
    const tampered: [string, CredentialSealError["reason"]][] = [
      [[version, kid, iv, flip(cipher, 5)].join("."), "rejected"],
      [[version, kid, iv, flip(cipher, cipher.length - 3)].join("."), "rejected"],
      [[version, kid, flip(iv, 2), cipher].join("."), "rejected"],
      [[version, kid, iv, cipher.slice(0, -4)].join("."), "rejected"],
      [[version, flip(kid, 0), iv, cipher].join("."), "unknown_key"],
      [["v2", kid, iv, cipher].join("."), "malformed"],
      [[version, kid, iv].join("."), "malformed"],
      [[version, kid, "*notbase64*", cipher].join("."), "malformed"],
      ["", "malformed"],
    ];
    for (const [value, reason] of tampered) {
      expect(await failure(openCredential(keyring, "emp_1", value))).toBe(reason);
    }
  });

  it("rotates: the previous key still opens, the new key seals, the old one alone is gone", async () => {
    const oldKey = newKey();
    const before = await channelKeyring(oldKey);
    const sealed = await sealCredential(before, "acct_9", credential);
    const after = await channelKeyring(newKey(), [oldKey]);
    expect(needsReseal(after, sealed)).toBe(true);
    expect(await openCredential(after, "acct_9", sealed)).toEqual(credential);
    const resealed = await sealCredential(after, "acct_9", credential);
    expect(needsReseal(after, resealed)).toBe(false);
    expect(await failure(openCredential(await channelKeyring(newKey()), "acct_9", sealed))).toBe(
      "unknown_key",
    );
  });

  it("refuses keys that are not 32 bytes of base64 and credentials over the limit", async () => {
    expect(await failure(channelKeyring("not base64!"))).toBe("bad_key");
    expect(await failure(channelKeyring(encodeBase64(new Uint8Array(16))))).toBe("bad_key");
    const keyring = await channelKeyring(newKey());
    const huge = { blob: "x".repeat(MAX_CREDENTIAL_JSON_BYTES) };
    expect(await failure(sealCredential(keyring, "emp_1", huge))).toBe("too_large");
  });

  it("is checked with the rest of the configuration", () => {
    for (const bad of ["short", encodeBase64(new Uint8Array(31)), `${newKey()}x`]) {
      expect(() => parseConfig({ ...env, CHANNEL_SECRETS_KEY: bad })).toThrowError(ConfigError);
    }
    expect(
      parseConfig({ ...env, CHANNEL_SECRETS_KEY: undefined }).CHANNEL_SECRETS_KEY,
    ).toBeUndefined();
  });
});

describe("masking", () => {
  it("shows the provider's public prefix and the last three characters of a long secret", () => {
    expect(maskSecret("123456:ABC-DEF1234ghIkl-zyx57W2v1u123XYZ")).toBe("123456:•••••XYZ");
    expect(maskSecret("xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp")).toBe("xoxb-•••••nOp");
    expect(maskSecret("EAAGm0PX4ZCpsBAKZAZBxyz123456789abc")).toBe("•••••abc");
    expect(maskSecret("short-secret")).toBe("•••••");
    expect(maskSecret("")).toBe("•••••");
  });
});
