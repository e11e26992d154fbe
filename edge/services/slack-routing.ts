import { and, asc, eq, inArray } from "drizzle-orm";
import {
  type ChannelRow,
  channels,
  employees,
  type SlackInstallationRow,
} from "../../db/schema.ts";
import { parseJsonBytes, readWebhookBody } from "../channels/channel-http.ts";
import type { InboundMessage } from "../channels/channel-message.ts";
import {
  MAX_SLACK_EVENT_BYTES,
  parseSlackEvent,
  verifySlackSignature,
} from "../channels/slack/slack-events.ts";
import { rejected } from "../channels/webhook-outcome.ts";
import { ChannelSettings } from "../contract/channels.ts";
import { ApiError } from "../http/api-error.ts";
import { errorFields } from "../log/logger.ts";
import { getSlackInstallation } from "../store/slack-installations.ts";
import { getSlackRoute, putSlackRoute } from "../store/slack-routes.ts";
import {
  type ChannelInbox,
  employeeInbox,
  ignored,
  refusal,
  storeMessages,
  type WebhookAnswer,
} from "./channel-inbound.ts";
import type { Deps } from "./deps.ts";

// Slack has one events URL for the whole product (one app), so a message is routed here:
// team → installation (slack_installations: one account per workspace) → one of the account's
// employees with a Slack channel. In order: the owner of the thread or direct message
// (slack_routes), so a conversation stays with the employee who answered it; else the employee
// whose name opens the text ("Anna, …"); else the account's default (settings.isDefault; the
// earliest connected when none is marked). The choice is recorded for the thread's follow-ups.

/** An employee who takes Slack messages in a workspace: its channel row and its name. */
export interface SlackCandidate {
  channel: ChannelRow;
  name: string;
}

export type SlackRouting =
  | { routed: true; to: SlackCandidate; why: "thread" | "name" | "default"; newRoute: boolean }
  | { routed: false; reason: string };

/** The installation of a team, or null (never installed, or removed since). */
const slackInstallationOf = (deps: Deps, teamId: string): Promise<SlackInstallationRow | null> =>
  getSlackInstallation(deps.env.DB, teamId);

/**
 * The account's employees that take messages in the team: a Slack channel neither paused (a
 * paused employee's messages are not taken) nor pending (consent not finished), oldest first.
 */
export async function slackCandidates(
  deps: Deps,
  installation: SlackInstallationRow,
): Promise<SlackCandidate[]> {
  const rows = await deps.db
    .select({ channel: channels, name: employees.name })
    .from(channels)
    .innerJoin(employees, eq(employees.id, channels.employeeId))
    .where(
      and(
        eq(channels.kind, "slack"),
        eq(channels.externalId, installation.teamId),
        eq(channels.accountId, installation.accountId),
        inArray(channels.status, ["connected", "failing"]),
      ),
    )
    .orderBy(asc(channels.createdAt), asc(channels.id));
  return rows;
}

/**
 * Chooses the employee for a message; pure, so the order of the rules is plain to read. An owner
 * who no longer takes messages (paused, removed) is passed over; the route itself stays.
 */
export function chooseSlackEmployee(
  candidates: SlackCandidate[],
  owner: string | null,
  text: string,
): { to: SlackCandidate; why: "thread" | "name" | "default" } | null {
  const owned = owner === null ? undefined : candidates.find((c) => c.channel.employeeId === owner);
  if (owned) return { to: owned, why: "thread" };
  const named = byName(candidates, text);
  if (named) return { to: named, why: "name" };
  const marked = candidates.find(
    (c) => ChannelSettings.safeParse(c.channel.settings).data?.isDefault,
  );
  const fallback = marked ?? candidates[0];
  return fallback ? { to: fallback, why: "default" } : null;
}

// Names can collide: a full name that opens the text wins (the longest, when one name is the
// start of another: "Anna Maria" over "Anna"), then a first name shared by no other employee.
// Two employees with the same full or first name are left to the default.
function byName(candidates: SlackCandidate[], text: string): SlackCandidate | null {
  const opening = text.trimStart().replace(/^@/, "").toLocaleLowerCase();
  const full = candidates
    .map((c) => ({ c, name: c.name.trim().toLocaleLowerCase() }))
    .filter((x) => opens(opening, x.name))
    .sort((a, b) => b.name.length - a.name.length);
  if (full[0] && full[0].name.length !== full[1]?.name.length) return full[0].c;
  if (full.length > 0) return null;
  const first = candidates.filter((c) => {
    const given = c.name.trim().split(/\s+/)[0]?.toLocaleLowerCase() ?? "";
    return opens(opening, given);
  });
  return first.length === 1 ? (first[0] ?? null) : null;
}

/** The text starts with the name as a whole word ("Anna," or "anna:" but not "Annabel"). */
function opens(text: string, name: string): boolean {
  if (name === "" || !text.startsWith(name)) return false;
  return !/^[\p{L}\p{N}]/u.test(text.slice(name.length));
}

/** Routes one parsed message of the team (its conversationId is the route's key). */
export async function routeSlackMessage(
  deps: Deps,
  installation: SlackInstallationRow,
  message: InboundMessage,
): Promise<SlackRouting> {
  const [candidates, owner] = await Promise.all([
    slackCandidates(deps, installation),
    getSlackRoute(deps.env.DB, installation.teamId, message.conversationId),
  ]);
  const chosen = chooseSlackEmployee(candidates, owner, message.text);
  if (!chosen)
    return { routed: false, reason: "no employee takes Slack messages in this workspace" };
  return { routed: true, ...chosen, newRoute: owner === null };
}

/**
 * Gives the conversation to the employee (the first claim keeps it), so a follow-up in the
 * thread or DM reaches the same one. A failure is logged, never the message's: at worst the
 * next message is routed again by name or default.
 */
export async function recordSlackRoute(
  deps: Deps,
  teamId: string,
  conversationKey: string,
  employeeId: string,
): Promise<void> {
  try {
    await putSlackRoute(deps.env.DB, teamId, conversationKey, employeeId, deps.now());
  } catch (err) {
    deps.log.warn("slack route not recorded", { teamId, ...errorFields(err) });
  }
}

/**
 * POST /channels/slack/events: the product's one events URL, signed with SLACK_SIGNING_SECRET.
 * Verified like the other webhooks (channel-inbound.ts) before anything is read into D1; the
 * url_verification challenge is echoed; a message is routed (routeSlackMessage) and stored.
 */
export async function receiveSlack(
  deps: Deps,
  request: Request,
  inbox: ChannelInbox = employeeInbox(deps.env),
): Promise<WebhookAnswer> {
  const signingSecret = deps.config.SLACK_SIGNING_SECRET;
  if (!signingSecret) throw new ApiError(404, "not_found", "Slack is not set up on this server.");
  const signed = request.headers.has("x-slack-signature");
  const body = await readWebhookBody(request, MAX_SLACK_EVENT_BYTES);
  if (body === null) throw refusal(rejected(413, "event too large"), signed);
  if (!(await verifySlackSignature(request.headers, body, signingSecret, deps.now())))
    throw refusal(rejected(401, "bad, missing or stale signature"), signed);
  const json = parseJsonBytes(body);
  if (json === undefined) throw refusal(rejected(400, "event is not JSON"), signed);
  // The installation first: its bot user's own messages are ignored (no loops) and mentions of
  // it are taken out of the text.
  const teamId = (json as { team_id?: unknown } | null)?.team_id;
  const installation =
    typeof teamId === "string" && teamId.length <= 100
      ? await slackInstallationOf(deps, teamId)
      : null;
  const outcome = parseSlackEvent(json, installation?.botUserId ?? undefined);
  if (outcome.outcome === "handshake") return { type: "text", body: outcome.body };
  if (outcome.outcome === "rejected") throw refusal(outcome, signed);
  if (outcome.outcome === "ignored") return ignored(outcome.reason);
  // A workspace that uninstalled (or was never installed) is acknowledged, not refused: Slack
  // turns the events URL off for every workspace when too many of its events fail.
  if (!installation) return ignored("workspace not installed");
  const [message] = outcome.messages;
  if (!message) return ignored("no message");
  const routing = await routeSlackMessage(deps, installation, message);
  if (!routing.routed) return ignored(routing.reason);
  const [answer] = await Promise.all([
    storeMessages(deps, inbox, routing.to.channel, outcome.messages),
    routing.newRoute
      ? recordSlackRoute(
          deps,
          installation.teamId,
          message.conversationId,
          routing.to.channel.employeeId,
        )
      : undefined,
  ]);
  return answer;
}
