import { z } from "zod";
import { ChannelError } from "../channel-error.ts";
import { boundField, type OutboundReply } from "../channel-message.ts";
import { splitText } from "../split-text.ts";
import { callSlack, SLACK_TEXT_LIMIT, type SlackWorkspace } from "./slack-api.ts";

/** Slack shows at most this many characters of a custom bot name. */
export const SLACK_USERNAME_LIMIT = 80;

/** How the employee appears in Slack (needs chat:write.customize). */
export interface SlackPersona {
  username: string;
  iconUrl?: string;
}

const Posted = z.object({ ts: z.string(), channel: z.string() }).loose();

/**
 * Posts a reply in the thread (or the DM) it answers, under the employee's own name and avatar,
 * split at SLACK_TEXT_LIMIT. Returns the ts of each message posted. Attachments would need the
 * files:write scope, which the app does not ask for: they are refused before anything is sent.
 * `fromPart` resumes a reply after the parts a failure said were delivered.
 */
export async function sendSlackReply(
  workspace: SlackWorkspace,
  reply: OutboundReply,
  persona: SlackPersona,
  opts: { fromPart?: number } = {},
): Promise<{ ts: string[] }> {
  const target = reply.replyTo;
  if (target.kind !== "slack") throw refuse("wrong_target", `a ${target.kind} target is not Slack`);
  if (reply.attachments?.length) {
    throw refuse("attachments_unsupported", "Slack replies cannot carry files (no files:write)");
  }
  const parts = splitText(reply.text, SLACK_TEXT_LIMIT);
  if (parts.length === 0) throw refuse("empty_reply", "a reply needs text");
  const ts: string[] = [];
  const fromPart = Math.max(0, opts.fromPart ?? 0);
  for (const text of parts.slice(fromPart)) {
    try {
      const posted = await callSlack(
        workspace.apiUrl,
        "chat.postMessage",
        workspace.token,
        {
          json: {
            channel: target.channel,
            text,
            ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
            username: boundField(persona.username, SLACK_USERNAME_LIMIT),
            ...(persona.iconUrl ? { icon_url: persona.iconUrl } : {}),
          },
        },
        Posted,
      );
      ts.push(posted.ts);
    } catch (err) {
      if (err instanceof ChannelError) throw err.afterParts(fromPart + ts.length);
      throw err;
    }
  }
  return { ts };
}

const refuse = (providerCode: string, message: string) =>
  new ChannelError({ provider: "slack", code: "invalid_request", providerCode, message });
