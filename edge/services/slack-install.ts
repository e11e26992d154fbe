import { z } from "zod";
import type { SessionUser } from "../auth/sessions.ts";
import { sealSlackBotToken } from "../channels/channel-credentials.ts";
import { maskSecret, openCredential } from "../channels/channel-secrets.ts";
import { exchangeSlackCode, type SlackInstall } from "../channels/slack/slack-oauth.ts";
import { defaultChannelSettings } from "../contract/channels.ts";
import { slackApp } from "../env.ts";
import { ApiError, notFound, unauthorized } from "../http/api-error.ts";
import { membershipIn } from "../store/accounts.ts";
import { channelsByExternalId, getEmployeeChannel, upsertChannel } from "../store/channels.ts";
import { getSlackInstallation, putSlackInstallation } from "../store/slack-installations.ts";
import { type Actor, requireRight } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import {
  notConfigured,
  providerFailure,
  requireKeyring,
  SLACK_STATE_OWNER,
  type SlackState,
  slackRedirectUri,
} from "./channel-connect.ts";
import { announceChannel, viewOf } from "./channels.ts";
import type { Deps } from "./deps.ts";
import { ownedEmployee } from "./employees.ts";

// "Add to Slack" coming back (GET /channels/slack/oauth/callback?code&state): the state is ours
// (sealed by startSlackConnect, not expired), the browser's session is the person who started it
// and may still manage the employee, then the code is exchanged for the workspace's bot token,
// stored sealed for the account, and the employee's Slack channel is connected. A workspace is
// one account's: another account's installation is 409 channel_in_use.

const State = z.object({
  accountId: z.string().min(1),
  employeeId: z.string().min(1),
  userId: z.string().min(1),
  exp: z.number(),
});

export interface SlackCallback {
  code?: string;
  state?: string;
  /** Slack's own, when the person declined (access_denied). */
  error?: string;
}

export interface CallbackClient {
  user: SessionUser | undefined;
  ip: string | null;
  userAgent: string | null;
}

const badState = () =>
  new ApiError(400, "invalid_input", "This Slack link is not valid or has expired. Start again.", {
    state: "invalid or expired",
  });

async function openState(deps: Deps, sealed: string | undefined): Promise<SlackState> {
  if (!sealed || sealed.length > 2000) throw badState();
  const keyring = await requireKeyring(deps);
  const state = await openCredential(keyring, SLACK_STATE_OWNER, sealed)
    .then((v) => State.safeParse(v))
    .catch(() => null);
  if (!state?.success || state.data.exp < deps.now()) throw badState();
  return state.data;
}

/** Where the browser goes once the consent is settled: the employee's page in the app. */
export const employeePage = (deps: Deps, employeeId: string, outcome: string) =>
  `${deps.config.appOrigin}/employees/${encodeURIComponent(employeeId)}?tab=channels&slack=${outcome}`;

/** Completes the install; answers the app page the browser is sent to. */
export async function completeSlackInstall(
  deps: Deps,
  client: CallbackClient,
  q: SlackCallback,
): Promise<string> {
  const app = slackApp(deps.config);
  if (!app) throw notConfigured("Slack");
  const keyring = await requireKeyring(deps);
  const state = await openState(deps, q.state);
  if (!client.user) throw unauthorized();
  if (client.user.id !== state.userId)
    throw new ApiError(
      403,
      "csrf_rejected",
      "This Slack consent was started by someone else. Sign in as that person, or start again.",
    );
  const membership = await membershipIn(deps.db, client.user.id, state.accountId);
  if (!membership) throw notFound("employee");
  const actor: Actor = {
    userId: client.user.id,
    email: client.user.email,
    accountId: state.accountId,
    role: membership.role,
    ip: client.ip,
    userAgent: client.userAgent,
  };
  const employee = await ownedEmployee(deps, state.accountId, state.employeeId);
  requireRight(actor, "employees.manage");
  if (q.error || !q.code) return employeePage(deps, employee.id, "declined");
  if (q.code.length > 500) throw badState();

  let install: SlackInstall;
  try {
    install = await exchangeSlackCode({
      apiUrl: deps.config.SLACK_API_URL,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      code: q.code,
      redirectUri: slackRedirectUri(deps),
    });
  } catch (err) {
    throw providerFailure(err);
  }
  const inUse = new ApiError(
    409,
    "channel_in_use",
    `The Slack workspace ${install.teamName} is connected to another team here.`,
  );
  const before = await getSlackInstallation(deps.env.DB, install.teamId);
  if (before && before.accountId !== state.accountId) throw inUse;
  const now = deps.now();
  const installed = await putSlackInstallation(
    deps.env.DB,
    {
      teamId: install.teamId,
      accountId: state.accountId,
      botTokenSealed: await sealSlackBotToken(keyring, state.accountId, install.botToken),
      botUserId: install.botUserId,
      appId: install.appId,
      enterpriseId: install.enterpriseId,
      teamName: install.teamName,
      installedBy: actor.userId,
    },
    now,
  );
  // Another account installed it between the look-up and the write: its row was left alone.
  if (installed.accountId !== state.accountId) throw inUse;

  const existing = await getEmployeeChannel(deps.env.DB, employee.id, "slack");
  // The first employee of the account in a workspace answers what names no one.
  const serving = await channelsByExternalId(deps.env.DB, "slack", install.teamId);
  const first = !serving.some(
    (r) => r.accountId === state.accountId && r.employeeId !== employee.id,
  );
  const settings = existing?.settings ?? defaultChannelSettings("slack");
  const row = await upsertChannel(
    deps.env.DB,
    {
      accountId: state.accountId,
      employeeId: employee.id,
      kind: "slack",
      status: existing?.status === "paused" ? "paused" : "connected",
      statusReason: null,
      externalId: install.teamId,
      display: install.teamName,
      credentialMasked: maskSecret(install.botToken),
      settings:
        first && settings.isDefault === undefined ? { ...settings, isDefault: true } : settings,
      connectedAt: now,
      createdBy: actor.userId,
    },
    now,
  );
  await recordAudit(
    deps,
    actor,
    "channel.connect",
    { type: "employee", id: employee.id },
    { kind: "slack", display: row.display, teamId: install.teamId },
  );
  await announceChannel(deps, employee.id, await viewOf(deps, row));
  return employeePage(deps, employee.id, "connected");
}
