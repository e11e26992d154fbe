import { z } from "zod";
import { callSlack } from "./slack-api.ts";

// "Add to Slack": the workspace admin is sent to Slack's authorize page with our client id,
// the bot scopes, the redirect URI and a state the caller made (and checks on the way back);
// Slack redirects back with ?code, exchanged with oauth.v2.access for the workspace's bot token.

export const SLACK_AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize";
/** The bot scopes, the same as infra/slack/app-manifest.yaml's. */
export const SLACK_BOT_SCOPES = [
  "app_mentions:read",
  "chat:write",
  "chat:write.customize",
  "im:history",
  "im:read",
  "im:write",
  "users:read",
  "users:read.email",
] as const;

export function slackAuthorizeUrl(opts: {
  authorizeUrl: string;
  clientId: string;
  redirectUri: string;
  state: string;
  scopes?: readonly string[];
}): string {
  const url = new URL(opts.authorizeUrl);
  url.searchParams.set("client_id", opts.clientId);
  url.searchParams.set("scope", (opts.scopes ?? SLACK_BOT_SCOPES).join(","));
  url.searchParams.set("redirect_uri", opts.redirectUri);
  url.searchParams.set("state", opts.state);
  return url.toString();
}

const Access = z
  .object({
    access_token: z.string().startsWith("xoxb-"),
    token_type: z.literal("bot"),
    scope: z.string(),
    bot_user_id: z.string().min(1),
    app_id: z.string().min(1),
    team: z.object({ id: z.string().min(1), name: z.string() }),
    enterprise: z.object({ id: z.string(), name: z.string() }).nullish(),
    authed_user: z.object({ id: z.string() }).loose().optional(),
  })
  .loose();

export interface SlackInstall {
  botToken: string;
  botUserId: string;
  appId: string;
  teamId: string;
  teamName: string;
  enterpriseId: string | null;
  scopes: string[];
  /** The person who installed the app. */
  installerUserId: string | null;
}

/** Exchanges the code from the redirect for the workspace's bot token. */
export async function exchangeSlackCode(opts: {
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  code: string;
  redirectUri: string;
}): Promise<SlackInstall> {
  const access = await callSlack(
    opts.apiUrl,
    "oauth.v2.access",
    null,
    {
      client_id: opts.clientId,
      client_secret: opts.clientSecret,
      code: opts.code,
      redirect_uri: opts.redirectUri,
    },
    Access,
  );
  return {
    botToken: access.access_token,
    botUserId: access.bot_user_id,
    appId: access.app_id,
    teamId: access.team.id,
    teamName: access.team.name,
    enterpriseId: access.enterprise?.id ?? null,
    scopes: access.scope.split(",").filter(Boolean),
    installerUserId: access.authed_user?.id ?? null,
  };
}
