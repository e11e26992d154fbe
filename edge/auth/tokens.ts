import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase64urlNoPadding, encodeHexLowerCase } from "@oslojs/encoding";

// 32 random bytes: unguessable bearer secrets for cookies and links.
export function randomToken(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return encodeBase64urlNoPadding(bytes);
}

// What is stored in place of a token. A plain SHA-256 suffices: the input is 256 random bits,
// so there is nothing to brute-force and no need for a slow hash.
export function hashToken(token: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}
