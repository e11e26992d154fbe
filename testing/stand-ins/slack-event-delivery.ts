import { type Delivery, deliver, isLoopbackUrl, randomId } from "./webhook-delivery.ts";

// Slack's side of the Events API: requests signed with the app's signing secret, the
// url_verification challenge, event_callback envelopes for a person's message or mention, and
// Slack's retries of an event (same event_id, fresh signature, X-Slack-Retry-Num and
// X-Slack-Retry-Reason). The signing helper uses WebCrypto only: workerd tests import it.

export const SLACK_SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
/** Slack waits 3 seconds for an answer, then retries whatever comes later. */
export const SLACK_EVENT_DEADLINE_MS = 3000;
/** Slack retries a failed event three times (at once, after a minute, after five). */
export const SLACK_MAX_RETRIES = 3;
const APP_ID = "A0STANDIN";
const USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)";

/** An Events API request signed as Slack signs it: v0 HMAC-SHA256 of `v0:{ts}:{body}`. */
export async function signedSlackRequest(
  url: string,
  body: string,
  signingSecret = SLACK_SIGNING_SECRET,
  timestamp = Math.floor(Date.now() / 1000),
): Promise<Request> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(signingSecret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode(`v0:${timestamp}:${body}`),
  );
  const hex = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return new Request(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": `v0=${hex}`,
    },
    body,
  });
}

/** An event Slack sent, kept for its retries. */
export interface SentEvent {
  url: string;
  body: string;
  signingSecret: string;
  retries: number;
  last: Delivery;
}

export interface SlackTeam {
  teamId: string;
  botUserId: string;
}

// Message timestamps: seconds, then a sequence that makes each unique, as Slack's are.
let sequence = 0;
const messageTs = () =>
  `${Math.floor(Date.now() / 1000)}.${String(++sequence % 1_000_000).padStart(6, "0")}`;
const TS_PATTERN = /^\d{1,12}\.\d{1,9}$/;

/** Sends one signed Events API request; extra headers mark a retry. */
export async function sendSigned(
  url: string,
  body: string,
  signingSecret: string,
  extra: Record<string, string> = {},
  timestamp?: number,
): Promise<Delivery> {
  const signed = await signedSlackRequest(url, body, signingSecret, timestamp);
  const headers = new Headers(signed.headers);
  headers.set("user-agent", USER_AGENT);
  for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  return deliver(new Request(url, { method: "POST", headers, body }), SLACK_EVENT_DEADLINE_MS);
}

/** Why Slack retries after this outcome, in X-Slack-Retry-Reason's words. */
export function retryReason(last: Delivery): string {
  if (last.error === "connection_failed") return "connection_failed";
  if (last.error === "timeout" || (last.status !== null && last.status < 300))
    return "http_timeout";
  return "http_error";
}

/**
 * The event_callback envelope for a person writing: a direct message (`message` with
 * channel_type im) or a mention in a channel (`app_mention`, its text opening with the bot's
 * mention); or why the test's input is not one.
 */
export function messageEvent(
  team: SlackTeam,
  input: Record<string, unknown>,
): { eventId: string; ts: string; clientMsgId: string; body: string } | string {
  const { user, channel, text, threadTs } = input;
  if (
    typeof input.url !== "string" ||
    !URL.canParse(input.url) ||
    !isLoopbackUrl(new URL(input.url))
  )
    return "url must be the events URL, on loopback";
  if (typeof user !== "string" || !/^[UW][A-Z0-9]{2,20}$/.test(user))
    return "user must be a Slack user id (U…)";
  if (typeof text !== "string" || text.length > 40_000)
    return "text must be a string of at most 40,000 characters";
  const channelType = String(input.channelType ?? "im");
  if (!["im", "mpim", "channel", "group"].includes(channelType))
    return "channelType must be im, mpim, channel or group";
  // A person's DM with the bot is a channel of its own (D…), one per person, as in Slack.
  const defaultChannel = channelType === "im" ? `D${user.slice(1)}` : "C0STANDIN1";
  const channelId = channel ?? defaultChannel;
  if (typeof channelId !== "string" || !/^[CDG][A-Z0-9]{2,20}$/.test(channelId))
    return "channel must be a Slack channel id (C…, D… or G…)";
  if (threadTs !== undefined && (typeof threadTs !== "string" || !TS_PATTERN.test(threadTs)))
    return "threadTs must be a message ts (1700000000.000100)";
  const type = String(input.type ?? (channelType === "im" ? "message" : "app_mention"));
  if (type !== "message" && type !== "app_mention") return "type must be message or app_mention";
  const mention = `<@${team.botUserId}>`;
  const said = type === "app_mention" && !text.includes(mention) ? `${mention} ${text}` : text;
  const ts = messageTs();
  const clientMsgId = crypto.randomUUID();
  const event = {
    type,
    user,
    ts,
    client_msg_id: clientMsgId,
    text: said,
    team: team.teamId,
    blocks: [
      {
        type: "rich_text",
        block_id: randomId(5),
        elements: [{ type: "rich_text_section", elements: [{ type: "text", text: said }] }],
      },
    ],
    ...(threadTs === undefined ? {} : { thread_ts: threadTs, parent_user_id: user }),
    ...(Array.isArray(input.files) ? { files: input.files, subtype: "file_share" } : {}),
    channel: channelId,
    event_ts: ts,
    ...(type === "message" ? { channel_type: channelType } : {}),
  };
  const eventId = `Ev${randomId(9)}`;
  const envelope = {
    token: "stand-in-verification-token",
    team_id: team.teamId,
    context_team_id: team.teamId,
    context_enterprise_id: null,
    api_app_id: APP_ID,
    event,
    type: "event_callback",
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: team.teamId,
        user_id: team.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${randomId(40)}`,
  };
  return { eventId, ts, clientMsgId, body: JSON.stringify(envelope) };
}

/**
 * The url_verification challenge Slack sends when a Request URL is saved: verified when the
 * answer is 200 and carries the challenge (as text, JSON or a form, as Slack accepts).
 */
export async function verifyEventsUrl(url: string, signingSecret: string) {
  const challenge = randomId(48, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
  const body = JSON.stringify({
    token: "stand-in-verification-token",
    challenge,
    type: "url_verification",
  });
  const outcome = await sendSigned(url, body, signingSecret);
  let echoed = outcome.body.trim();
  try {
    echoed = String((JSON.parse(echoed) as { challenge?: unknown }).challenge ?? echoed);
  } catch {
    echoed = new URLSearchParams(echoed).get("challenge") ?? echoed;
  }
  return { verified: outcome.status === 200 && echoed === challenge, challenge, ...outcome };
}
