import type { Config } from "../env.ts";
import { type ChannelKeyring, channelKeyring } from "./channel-secrets.ts";

// The channel keyring from the Worker's configuration: CHANNEL_SECRETS_KEY seals, and during a
// rotation CHANNEL_SECRETS_PREVIOUS_KEYS (comma-separated) still open what they sealed. Imported
// once per isolate per set of keys: HKDF key import is async and the same for every request.

const imported = new Map<string, Promise<ChannelKeyring>>();

/** The keyring, or null when CHANNEL_SECRETS_KEY is unset (channels are then not configured). */
export function keyringFromConfig(config: Config): Promise<ChannelKeyring> | null {
  const current = config.CHANNEL_SECRETS_KEY;
  if (!current) return null;
  const previous = (config.CHANNEL_SECRETS_PREVIOUS_KEYS ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k !== "");
  const cacheKey = [current, ...previous].join(",");
  let keyring = imported.get(cacheKey);
  if (!keyring) {
    keyring = channelKeyring(current, previous);
    imported.set(cacheKey, keyring);
    // A key that fails to import is not kept: the next call reports it again.
    keyring.catch(() => imported.delete(cacheKey));
  }
  return keyring;
}
