import { decodeBase64, encodeHexLowerCase } from "@oslojs/encoding";
import { openDb } from "../../../db/client.ts";
import type { ChannelRow } from "../../../db/schema.ts";
import { ChannelError } from "../../channels/channel-error.ts";
import { type InboundMessage, safeFileName } from "../../channels/channel-message.ts";
import { lookupSlackUser } from "../../channels/slack/slack-users.ts";
import { fetchTelegramFile } from "../../channels/telegram/telegram-files.ts";
import { fetchWhatsAppMedia } from "../../channels/whatsapp/whatsapp-media.ts";
import { MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS } from "../../contract/chat.ts";
import { errorFields } from "../../log/logger.ts";
import { linkedMember } from "../../store/channel-senders.ts";
import { chatAttachmentKey } from "../../store/chat-attachments.ts";
import { isMemberByEmail } from "../../store/team.ts";
import { type SendContext, slackWorkspace, telegramBot, whatsAppNumber } from "./channel-send.ts";
import type { NewAttachment } from "./inbox-rpc.ts";

// What screening needs from outside the object: whether the sender is one of the account's
// members (a verified email, Slack's confirmed email, an admin's link), and the message's files
// in R2 under the chat's prefix, within the chat's limits, as the inbox's attachments.

export interface Identity {
  member: boolean;
  /** The name to show (Slack's users.info gives one; events carry only the user id). */
  name: string | undefined;
  email: string | undefined;
}

/** Throws when a lookup could not be made (D1, Slack down): screening is tried again later. */
export async function identify(ctx: SendContext, m: InboundMessage): Promise<Identity> {
  let { name, email, verified } = m.sender;
  if (m.kind === "slack" && m.replyTo.kind === "slack") {
    try {
      const found = await lookupSlackUser(await slackWorkspace(ctx, m.replyTo.teamId), m.sender.id);
      ({ name, email, verified } = { ...m.sender, ...found });
    } catch (err) {
      // A workspace that refuses us cannot vouch for anyone: the sender is screened as a stranger.
      if (!(err instanceof ChannelError) || err.retryable) throw err;
    }
  }
  const db = openDb(ctx.env.DB);
  if (verified && email && (await isMemberByEmail(db, ctx.accountId, email.trim().toLowerCase())))
    return { member: true, name, email };
  const linked = await linkedMember(ctx.env.DB, ctx.accountId, m.kind, m.sender.id);
  return { member: linked !== null, name, email };
}

export interface StoredFiles {
  attachments: NewAttachment[];
  /** Files not passed on: over the chat's count or size, or not fetched. */
  omitted: number;
}

/**
 * The message's files into R2 (the chat's prefix) as the inbox keeps them; at most the chat's
 * MAX_ATTACHMENTS, each at most its MAX_ATTACHMENT_BYTES. A file that cannot be fetched is
 * counted, not retried: the message still goes, and says so.
 */
export async function storeFiles(
  ctx: SendContext,
  channel: ChannelRow,
  m: InboundMessage,
): Promise<StoredFiles> {
  const attachments: NewAttachment[] = [];
  let omitted = m.omittedAttachments;
  for (const [i, a] of m.attachments.entries()) {
    if (attachments.length >= MAX_ATTACHMENTS || (a.size ?? 0) > MAX_ATTACHMENT_BYTES) {
      omitted++;
      continue;
    }
    try {
      const id = crypto.randomUUID();
      const name = safeFileName(a.name, `file-${i + 1}`);
      if (a.source.kind === "stored") {
        const head = await ctx.env.KNOWLEDGE.head(a.source.r2Key);
        if (!head || head.size > MAX_ATTACHMENT_BYTES) throw new Error("stored file missing");
        const { r2Key, sha256 } = a.source;
        attachments.push({ id, name, size: head.size, contentType: a.contentType, sha256, r2Key });
        continue;
      }
      const bytes = await fileBytes(ctx, channel, a.source);
      if (bytes.byteLength > MAX_ATTACHMENT_BYTES) throw new Error("file too large");
      const sha256 = encodeHexLowerCase(
        new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
      );
      const r2Key = chatAttachmentKey(ctx.accountId, ctx.employeeId, id);
      await ctx.env.KNOWLEDGE.put(r2Key, bytes, {
        httpMetadata: { contentType: a.contentType },
        customMetadata: { accountId: ctx.accountId, employeeId: ctx.employeeId },
      });
      attachments.push({
        id,
        name,
        size: bytes.byteLength,
        contentType: a.contentType,
        sha256,
        r2Key,
      });
    } catch (err) {
      ctx.log.warn("channel file not passed on", { kind: m.kind, ...errorFields(err) });
      omitted++;
    }
  }
  return { attachments, omitted };
}

async function fileBytes(
  ctx: SendContext,
  channel: ChannelRow,
  source: InboundMessage["attachments"][number]["source"],
): Promise<Uint8Array> {
  switch (source.kind) {
    case "inline":
      return decodeBase64(source.base64);
    case "telegram":
      return fetchTelegramFile(
        await telegramBot(ctx, channel),
        source.fileId,
        MAX_ATTACHMENT_BYTES,
      );
    case "whatsapp":
      return (
        await fetchWhatsAppMedia(
          await whatsAppNumber(ctx, channel),
          source.mediaId,
          MAX_ATTACHMENT_BYTES,
        )
      ).bytes;
    case "stored":
      throw new Error("a stored file has no bytes to fetch");
  }
}
