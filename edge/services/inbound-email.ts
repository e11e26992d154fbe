import { decodeBase64, encodeHexLowerCase } from "@oslojs/encoding";
import { openDb } from "../../db/client.ts";
import type { ChannelRow } from "../../db/schema.ts";
import { ChannelError } from "../channels/channel-error.ts";
import type { Attachment, InboundMessage } from "../channels/channel-message.ts";
import { parseInboundEmail } from "../channels/email/email-parse.ts";
import { MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS } from "../contract/chat.ts";
import { type Env, employeeMailDomain, parseConfig } from "../env.ts";
import { sanitiseFileName } from "../knowledge/file-names.ts";
import { createLogger, errorFields, type Logger } from "../log/logger.ts";
import { employeeStub } from "../objects/stubs.ts";
import { accountById } from "../store/accounts.ts";
import { channelsByExternalId } from "../store/channels.ts";
import { chatAttachmentKey } from "../store/chat-attachments.ts";

// Mail to an employee's address (`<local part>@EMPLOYEE_MAIL_DOMAIN`), from Cloudflare Email
// Routing's catch-all rule "Send to a Worker" (or wrangler's local handler in development). The
// Worker's email() hands every message here. Stored before answered: the message is in the
// employee's durable inbox (EmployeeDO.channelReceive) before the SMTP transaction ends; if it
// cannot be stored, this throws, which is a temporary SMTP failure, so the sender retries.
// `setReject` is permanent: only for mail that can never be taken (no such address, too large,
// not MIME). Who may write, pairing and rate limits are the inbox's screening, after this.

/** What happened to a message, for the log and the tests. */
export type InboundEmailOutcome =
  | { outcome: "stored" | "duplicate"; channelId: string; employeeId: string; files: number }
  | { outcome: "ignored"; reason: string }
  | { outcome: "rejected"; reason: string };

/** What the handler needs of ForwardableEmailMessage. */
export type InboundEmail = Pick<
  ForwardableEmailMessage,
  "from" | "to" | "raw" | "rawSize" | "setReject"
>;

// What the sender's server says to its person: no internals, nothing about other addresses.
export const REJECT_UNKNOWN = "No such address here.";
export const REJECT_CLOSED = "This address does not take mail at the moment.";
export const REJECT_TOO_LARGE = "The message is too large.";
export const REJECT_UNREADABLE = "The message could not be read.";

export async function handleInboundEmail(
  message: InboundEmail,
  env: Env,
  log: Logger = createLogger({ provider: "email" }),
): Promise<InboundEmailOutcome> {
  const config = parseConfig(env);
  const reject = (text: string, reason: string): InboundEmailOutcome => {
    message.setReject(text);
    log.info("inbound email rejected", { reason });
    return { outcome: "rejected", reason };
  };
  const domain = employeeMailDomain(config);
  const local = domain ? localPartFor(message.to, domain) : null;
  if (!domain || !local) return reject(REJECT_UNKNOWN, "not one of our addresses");
  const channel = (await channelsByExternalId(env.DB, "email", local))[0];
  if (!channel) return reject(REJECT_UNKNOWN, "unknown address");
  const employeeLog = log.child({ employeeId: channel.employeeId });
  if (channel.status === "paused") return reject(REJECT_CLOSED, "channel paused");
  const account = await accountById(openDb(env.DB), channel.accountId);
  // An account in its deletion grace takes nothing new (its files would outlive the purge).
  if (!account || account.deletionRequestedAt !== null)
    return reject(REJECT_CLOSED, "account closing");

  let parsed: Awaited<ReturnType<typeof parseInboundEmail>>;
  try {
    parsed = await parseInboundEmail(
      {
        raw: message.raw,
        rawSize: message.rawSize,
        envelopeFrom: message.from,
        // The canonical address (no +tag, lowercase): the reply leaves from it.
        envelopeTo: `${local}@${domain}`,
      },
      { trustedAuthServId: config.EMAIL_TRUSTED_AUTHSERV_ID },
    );
  } catch (err) {
    if (!(err instanceof ChannelError)) throw err;
    return reject(
      err.code === "too_large" ? REJECT_TOO_LARGE : REJECT_UNREADABLE,
      err.providerCode,
    );
  }
  if (parsed.automated) {
    // Accepted and dropped: a bounce or an auto-reply answered would start a loop; refusing it
    // would only bounce the bounce.
    employeeLog.info("inbound email ignored", { reason: parsed.automated });
    return { outcome: "ignored", reason: parsed.automated };
  }

  const staged = await stageFiles(env.KNOWLEDGE, channel, parsed.message);
  let result: { stored: number; duplicates: number };
  try {
    result = await employeeStub(env, channel.employeeId).channelReceive({
      channelId: channel.id,
      kind: "email",
      messages: [staged.message],
    });
  } catch (err) {
    // Not stored: the sender's server retries (a thrown handler is a temporary failure), and
    // brings the files again.
    employeeLog.error("inbound email not stored", errorFields(err));
    await deleteQuietly(env.KNOWLEDGE, staged.keys, employeeLog);
    throw err;
  }
  if (result.duplicates > 0) await deleteQuietly(env.KNOWLEDGE, staged.keys, employeeLog);
  const outcome = result.stored > 0 ? "stored" : "duplicate";
  employeeLog.info("inbound email received", { outcome, files: staged.keys.length });
  return {
    outcome,
    channelId: channel.id,
    employeeId: channel.employeeId,
    files: result.stored > 0 ? staged.keys.length : 0,
  };
}

/** The local part an envelope recipient names on our domain (sub-address cut), or null. */
export function localPartFor(recipient: string, domain: string): string | null {
  const address = recipient.trim().replace(/^<|>$/g, "").toLowerCase();
  const at = address.lastIndexOf("@");
  if (at <= 0 || address.slice(at + 1) !== domain) return null;
  const local = address.slice(0, at).split("+")[0] ?? "";
  return /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(local) ? local : null;
}

// A Durable Object's row holds at most 2 MB, so files go to R2 first, under the chat's prefix
// (firing the employee or purging the account removes them), as `stored` attachments. Only what
// the web chat would take reaches the employee: its count and size (contract/chat.ts) and the
// knowledge base's file types, named as it names them; the rest is counted as omitted (the inbox
// tells the employee so).
async function stageFiles(
  bucket: R2Bucket,
  channel: ChannelRow,
  message: InboundMessage,
): Promise<{ message: InboundMessage; keys: string[] }> {
  const kept: Attachment[] = [];
  const keys: string[] = [];
  let omitted = message.omittedAttachments;
  try {
    for (const file of message.attachments) {
      const named = sanitiseFileName(file.name);
      if (
        file.source.kind !== "inline" ||
        kept.length >= MAX_ATTACHMENTS ||
        !named.ok ||
        file.size === null ||
        file.size === 0 ||
        file.size > MAX_ATTACHMENT_BYTES
      ) {
        omitted++;
        continue;
      }
      const bytes = decodeBase64(file.source.base64);
      const sha256 = encodeHexLowerCase(
        new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
      );
      const r2Key = chatAttachmentKey(channel.accountId, channel.employeeId, crypto.randomUUID());
      await bucket.put(r2Key, bytes, {
        httpMetadata: { contentType: named.contentType },
        customMetadata: { accountId: channel.accountId, employeeId: channel.employeeId },
      });
      keys.push(r2Key);
      kept.push({
        name: named.name,
        contentType: named.contentType,
        size: bytes.byteLength,
        source: { kind: "stored", r2Key, sha256 },
      });
    }
  } catch (err) {
    await deleteQuietly(bucket, keys);
    throw err;
  }
  return { message: { ...message, attachments: kept, omittedAttachments: omitted }, keys };
}

async function deleteQuietly(bucket: R2Bucket, keys: string[], log?: Logger): Promise<void> {
  if (keys.length === 0) return;
  await bucket.delete(keys).catch((err: unknown) => {
    log?.warn("staged email files not deleted", { ...errorFields(err), files: keys.length });
  });
}
