import type { ChannelRow } from "../../db/schema.ts";
import { openWhatsAppSecret } from "../channels/channel-credentials.ts";
import { disconnectChannel } from "../channels/channel-disconnect.ts";
import type { ChannelViewContext } from "../channels/channel-view.ts";
import { channelView, notConnectedView } from "../channels/channel-view.ts";
import {
  CHANNEL_KINDS,
  type ChannelKind,
  type ChannelPut,
  type ChannelSettings,
  type ChannelView,
} from "../contract/channels.ts";
import { channelWebhookBase, employeeMailDomain } from "../env.ts";
import { ApiError } from "../http/api-error.ts";
import { errorFields } from "../log/logger.ts";
import type { ChannelRpc } from "../objects/inbox/inbox-rpc.ts";
import { employeeStub } from "../objects/stubs.ts";
import {
  channelsByExternalId,
  getEmployeeChannel,
  listEmployeeChannels,
  setChannelSettings,
  setChannelStatus,
} from "../store/channels.ts";
import type { Actor } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import {
  type ChannelOwner,
  connectTelegramChannel,
  connectWhatsAppChannel,
  maybeKeyring,
  startSlackConnect,
} from "./channel-connect.ts";
import { changeEmailAddress, ensureEmailChannel } from "./channel-email.ts";
import { checkChannel } from "./channel-test.ts";
import type { Deps } from "./deps.ts";
import { employeeFor } from "./employees.ts";
import { SETTINGS_CHANGES_PER_USER } from "./rate-limits.ts";

// An employee's channels in the dashboard (issue 17): the list (every kind, email always with
// its address), connect or change, pause and resume, test, remove. Each verb checks the
// account (404), then the role (members read, admins change: 403), then the rate limit. The
// credentials are sealed (services/channel-connect.ts) and only ever answered masked.

/** The employee's channels, one per kind; its address is made now if it has none yet. */
export async function listChannels(
  deps: Deps,
  actor: Actor,
  employeeId: string,
): Promise<ChannelView[]> {
  const employee = await employeeFor(deps, actor, employeeId, "employees.use");
  let rows = await listEmployeeChannels(deps.env.DB, employeeId);
  if (!rows.some((r) => r.kind === "email")) {
    const email = await ensureEmailChannel(deps, employee).catch((err: unknown) => {
      deps.log.warn("the employee's address could not be made", errorFields(err));
      return null;
    });
    if (email) rows = [...rows, email];
  }
  return Promise.all(
    CHANNEL_KINDS.map((kind) => {
      const row = rows.find((r) => r.kind === kind);
      return row ? viewOf(deps, row) : notConnectedView(kind);
    }),
  );
}

/** A row as the API shows it; a WhatsApp row shows its webhook URL and verify token. */
export async function viewOf(deps: Deps, row: ChannelRow): Promise<ChannelView> {
  const ctx: ChannelViewContext = { mailDomain: employeeMailDomain(deps.config) };
  if (row.kind === "whatsapp" && row.secretSealed) {
    try {
      const keyring = await maybeKeyring(deps);
      if (keyring) {
        const { verifyToken } = await openWhatsAppSecret(keyring, row);
        ctx.webhook = { base: channelWebhookBase(deps.config), verifyToken };
      }
    } catch (err) {
      deps.log.warn("the WhatsApp verify token could not be opened", errorFields(err));
    }
  }
  return channelView(row, ctx);
}

const notConnected = (kind: ChannelKind) =>
  new ApiError(404, "not_found", `The ${kind} channel is not connected.`);

/** PUT …/channels/:kind: connects (a credential given, or Slack's consent), changes, pauses. */
export async function putChannel(
  deps: Deps,
  actor: Actor,
  employeeId: string,
  kind: ChannelKind,
  put: ChannelPut,
): Promise<{ channel: ChannelView; authorizeUrl?: string }> {
  const employee = await employeeFor(deps, actor, employeeId, "employees.manage");
  refuseOtherKinds(kind, put);
  await deps.limits.take(SETTINGS_CHANGES_PER_USER, actor.userId);
  const owner: ChannelOwner = employee;
  const existing = await getEmployeeChannel(deps.env.DB, employeeId, kind);
  const connecting = connectsWith(kind, put, existing);
  let row: ChannelRow;
  let authorizeUrl: string | undefined;
  if (kind === "telegram" && put.botToken)
    row = await connectTelegramChannel(deps, actor, owner, existing, put.botToken);
  else if (kind === "whatsapp" && connecting)
    row = await connectWhatsAppChannel(deps, owner, existing, put);
  else if (kind === "slack" && connecting)
    ({ row, authorizeUrl } = await startSlackConnect(deps, actor, owner, existing));
  else if (kind === "email") {
    const email = existing ?? (await ensureEmailChannel(deps, owner));
    if (!email)
      throw new ApiError(503, "channels_not_configured", "Email has no domain on this server.");
    row = put.address ? await changeEmailAddress(deps, email, put.address) : email;
  } else if (existing) row = existing;
  else throw missingCredential(kind);
  row = await applyChanges(deps, row, put);
  const channel = await viewOf(deps, row);
  // Slack's consent is only started here: its connect is recorded when it comes back.
  const changed = Object.keys(put).filter((k) => ["paused", "settings", "address"].includes(k));
  if (!authorizeUrl || changed.length)
    await recordAudit(
      deps,
      actor,
      connecting && !authorizeUrl && kind !== "email" ? "channel.connect" : "channel.update",
      { type: "employee", id: employeeId },
      { kind, display: row.display, status: row.status, ...(changed.length ? { changed } : {}) },
    );
  await announceChannel(deps, employeeId, channel);
  return authorizeUrl ? { channel, authorizeUrl } : { channel };
}

// What each kind takes besides paused and settings: another kind's field is a mistake to say,
// not to ignore (a bot token sent to the email channel would otherwise answer 200).
const KIND_FIELDS: Record<ChannelKind, readonly string[]> = {
  telegram: ["botToken"],
  whatsapp: ["phoneNumberId", "accessToken", "appSecret"],
  slack: [],
  email: ["address"],
};

function refuseOtherKinds(kind: ChannelKind, put: ChannelPut): void {
  const foreign = Object.keys(put).filter(
    (k) => k !== "paused" && k !== "settings" && !KIND_FIELDS[kind].includes(k),
  );
  if (foreign.length)
    throw new ApiError(
      400,
      "invalid_input",
      `The ${kind} channel does not take ${foreign.join(", ")}.`,
      Object.fromEntries(foreign.map((k) => [k, `Not a ${kind} setting.`])),
    );
}

// Whether this PUT connects (or reconnects) rather than only changing settings or pausing.
function connectsWith(kind: ChannelKind, put: ChannelPut, existing: ChannelRow | null): boolean {
  if (kind === "telegram") return put.botToken !== undefined;
  if (kind === "whatsapp")
    return Boolean(put.phoneNumberId || put.accessToken || put.appSecret) || !existing;
  // Slack: a PUT naming nothing to change asks for the consent (again).
  if (kind === "slack") return (put.paused === undefined && !put.settings) || !existing;
  return false;
}

function missingCredential(kind: ChannelKind): ApiError {
  const field = kind === "telegram" ? "botToken" : "phoneNumberId";
  return new ApiError(400, "invalid_input", `Connect the ${kind} channel first.`, {
    [field]: "Required to connect.",
  });
}

// Pausing keeps everything but stops taking messages; resuming makes it connected again (a test
// tells whether the provider agrees). Settings change only what the PUT names.
async function applyChanges(deps: Deps, row: ChannelRow, put: ChannelPut): Promise<ChannelRow> {
  let out = row;
  if (put.settings) {
    const settings: ChannelSettings = { ...row.settings, ...definedOnly(put.settings) };
    out = (await setChannelSettings(deps.env.DB, row.id, settings, deps.now())) ?? out;
    if (row.kind === "slack" && put.settings.isDefault) await oneDefault(deps, out);
  }
  if (put.paused === true && out.status !== "paused")
    out = (await setChannelStatus(deps.env.DB, row.id, "paused", null, deps.now())) ?? out;
  else if (put.paused === false && out.status === "paused")
    out = (await setChannelStatus(deps.env.DB, row.id, "connected", null, deps.now())) ?? out;
  return out;
}

// A workspace's message that names no one goes to one employee of the account: the others of the
// same workspace stop being its default.
async function oneDefault(deps: Deps, row: ChannelRow): Promise<void> {
  if (!row.externalId) return;
  for (const other of await channelsByExternalId(deps.env.DB, "slack", row.externalId))
    if (other.id !== row.id && other.accountId === row.accountId && other.settings.isDefault)
      await setChannelSettings(
        deps.env.DB,
        other.id,
        { ...other.settings, isDefault: false },
        deps.now(),
      );
}

function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** DELETE …/channels/:kind: the provider stops calling, the row and its credential go. */
export async function removeChannel(
  deps: Deps,
  actor: Actor,
  employeeId: string,
  kind: ChannelKind,
): Promise<void> {
  await employeeFor(deps, actor, employeeId, "employees.manage");
  if (kind === "email")
    throw new ApiError(
      409,
      "invalid_state",
      "Every employee keeps its address: pause the email channel instead.",
    );
  const row = await getEmployeeChannel(deps.env.DB, employeeId, kind);
  if (!row) throw notConnected(kind);
  await deps.limits.take(SETTINGS_CHANGES_PER_USER, actor.userId);
  await disconnectChannel(deps.config, deps.log, deps.env.DB, row);
  await recordAudit(
    deps,
    actor,
    "channel.remove",
    { type: "employee", id: employeeId },
    { kind, display: row.display },
  );
  await announceChannel(deps, employeeId, notConnectedView(kind));
}

/** POST …/channels/:kind/test: asks the provider now and stores what it says. */
export async function testChannel(
  deps: Deps,
  actor: Actor,
  employeeId: string,
  kind: ChannelKind,
): Promise<ChannelView> {
  await employeeFor(deps, actor, employeeId, "employees.manage");
  const row = await getEmployeeChannel(deps.env.DB, employeeId, kind);
  if (!row) throw notConnected(kind);
  await deps.limits.take(SETTINGS_CHANGES_PER_USER, actor.userId);
  const checked = await checkChannel(deps, row);
  const channel = await viewOf(deps, checked);
  if (checked.status !== row.status || checked.statusReason !== row.statusReason)
    await announceChannel(deps, employeeId, channel);
  return channel;
}

/**
 * The `channel` live frame to the employee's viewers. Live sockets are the EmployeeDO's, so it is
 * asked to broadcast (ChannelRpc.channelStatusChanged); an object that cannot yet is only logged.
 */
export async function announceChannel(
  deps: Deps,
  employeeId: string,
  view: ChannelView,
): Promise<void> {
  try {
    await channelRpc(deps, employeeId).channelStatusChanged(view);
  } catch (err) {
    deps.log.debug("the channel frame was not broadcast", errorFields(err));
  }
}

/** The EmployeeDO's channel methods (edge/objects/inbox/inbox-rpc.ts ChannelRpc). */
export function channelRpc(deps: Deps, employeeId: string): ChannelRpc {
  // EmployeeRpc extends ChannelRpc once the inbox implements it; until then a call is refused
  // by the object and the callers here only log that.
  return employeeStub(deps.env, employeeId) as unknown as ChannelRpc;
}
