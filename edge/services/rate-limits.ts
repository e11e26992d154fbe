import { tooManyRequests } from "../http/api-error.ts";
import type { RateLimiter } from "../objects/rate-limiter.ts";

export interface Limit {
  /** Stable name; part of the limiter's key, so renaming one resets its counters. */
  name: string;
  limit: number;
  windowMs: number;
  /** Finishes "Too many …" in the 429 message. */
  what: string;
}

const MINUTE = 60_000;

export const MAGIC_LINK_PER_EMAIL: Limit = {
  name: "magic-link:email",
  limit: 5,
  windowMs: 15 * MINUTE,
  what: "sign-in links requested for this email",
};
export const MAGIC_LINK_PER_IP: Limit = {
  name: "magic-link:ip",
  limit: 20,
  windowMs: 15 * MINUTE,
  what: "sign-in links requested from your network",
};
export const GOOGLE_SIGN_IN_PER_IP: Limit = {
  name: "google:ip",
  limit: 30,
  windowMs: 15 * MINUTE,
  what: "sign-in attempts from your network",
};

export interface RateLimits {
  /** Counts one request against `limit` for `key`; throws a 429 ApiError when over. */
  take(limit: Limit, key: string): Promise<void>;
}

export function durableRateLimits(ns: DurableObjectNamespace<RateLimiter>): RateLimits {
  return {
    async take(limit, key) {
      const stub = ns.get(ns.idFromName(`${limit.name}:${key}`));
      const result = await stub.take(limit.limit, limit.windowMs);
      if (!result.ok) throw tooManyRequests(result.retryAfterMs, limit.what);
    },
  };
}

export const KNOWLEDGE_UPLOADS_PER_USER: Limit = {
  name: "knowledge-upload:user",
  limit: 60,
  windowMs: 10 * MINUTE,
  what: "uploads to the knowledge base",
};
// Each backup reads the employee's whole state on its node, each restore replaces it.
export const BACKUPS_PER_USER: Limit = {
  name: "backup:user",
  limit: 10,
  windowMs: 10 * MINUTE,
  what: "backups requested",
};
export const RESTORES_PER_USER: Limit = {
  name: "restore:user",
  limit: 5,
  windowMs: 10 * MINUTE,
  what: "restores requested",
};
export const MEMORY_READS_PER_USER: Limit = {
  name: "memory-read:user",
  limit: 60,
  windowMs: 5 * MINUTE,
  what: "memory views",
};
export const BILLING_PER_USER: Limit = {
  name: "billing:user",
  limit: 20,
  windowMs: 10 * MINUTE,
  what: "checkout and billing portal requests",
};
export const HIRES_PER_USER: Limit = {
  name: "hire:user",
  limit: 30,
  windowMs: 60 * MINUTE,
  what: "hires",
};
export const ACCESS_PER_USER: Limit = {
  name: "access:user",
  limit: 60,
  windowMs: 5 * MINUTE,
  what: "chat and browser links requested",
};
// Each change re-renders the employee's workspace on its node (employee.configure).
export const SETTINGS_CHANGES_PER_USER: Limit = {
  name: "settings:user",
  limit: 30,
  windowMs: 10 * MINUTE,
  what: "settings changes",
};
// Each invitation sends an email to an address a customer chose: per account, so a team cannot
// be used to mail strangers in bulk by adding admins.
export const INVITES_PER_ACCOUNT: Limit = {
  name: "invite:account",
  limit: 30,
  windowMs: 60 * MINUTE,
  what: "invitations sent from this team",
};

// Each export reads the whole account and every running employee's workspace.
export const EXPORTS_PER_ACCOUNT: Limit = {
  name: "export:account",
  limit: 5,
  windowMs: 24 * 60 * MINUTE,
  what: "exports of this account today",
};

// The workspace chat: each message starts a model run on the employee's node, and each
// conversation and file is kept in its object, so all three are bounded per person.
export const CHAT_MESSAGES_PER_USER: Limit = {
  name: "chat-message:user",
  limit: 30,
  windowMs: MINUTE,
  what: "chat messages",
};
export const CHAT_CONVERSATIONS_PER_USER: Limit = {
  name: "chat-conversation:user",
  limit: 30,
  windowMs: 10 * MINUTE,
  what: "new conversations",
};
export const CHAT_UPLOADS_PER_USER: Limit = {
  name: "chat-upload:user",
  limit: 30,
  windowMs: 10 * MINUTE,
  what: "files attached to chat messages",
};
