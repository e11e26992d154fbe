import * as z from "zod/mini";

// Channels (issue 17): where an employee is reached besides the web chat. The edge terminates
// each provider (Telegram, Slack, WhatsApp, email), keeps the credentials sealed, and feeds the
// messages into the employee's durable inbox; these are the shapes the API and the app share.
// Credentials are only ever shown masked.

export const CHANNEL_KINDS = ["telegram", "slack", "whatsapp", "email"] as const;
export const ChannelKind = z.enum(CHANNEL_KINDS);
export type ChannelKind = z.infer<typeof ChannelKind>;

/** What a stored channel can be (db/channels). */
export const STORED_CHANNEL_STATUSES = ["connected", "failing", "paused", "pending"] as const;
/**
 * connected: messages flow; failing: the provider refuses us (statusReason says why, in the
 * provider's words); paused: kept, but messages are not taken; pending: a connect in progress
 * (Slack's consent); not_connected: nothing saved for this kind.
 */
export const CHANNEL_STATUSES = [...STORED_CHANNEL_STATUSES, "not_connected"] as const;
export const ChannelStatus = z.enum(CHANNEL_STATUSES);
export type ChannelStatus = z.infer<typeof ChannelStatus>;

/** members: only the account's members (and senders an admin allowed); anyone: everyone. */
export const CHANNEL_POLICIES = ["members", "anyone"] as const;
export const ChannelPolicy = z.enum(CHANNEL_POLICIES);
export type ChannelPolicy = z.infer<typeof ChannelPolicy>;

/** Bounds of the "answering shortly" notice's delay; null turns it off. */
export const MIN_NOTICE_SECONDS = 15;
export const MAX_NOTICE_SECONDS = 3600;
/** The notice's delay when none is set: a minute, five for email (mail is not a chat). */
export const DEFAULT_NOTICE_SECONDS = 60;
export const DEFAULT_EMAIL_NOTICE_SECONDS = 300;

const noticeAfterSeconds = z.nullable(
  z.number().check(z.int(), z.minimum(MIN_NOTICE_SECONDS), z.maximum(MAX_NOTICE_SECONDS)),
);

export const ChannelSettings = z.object({
  noticeAfterSeconds,
  policy: ChannelPolicy,
  /** Slack: the employee a workspace's message goes to when no name or thread says otherwise. */
  isDefault: z.optional(z.boolean()),
});
export type ChannelSettings = z.infer<typeof ChannelSettings>;

/** The settings a channel starts with. */
export const defaultChannelSettings = (kind: ChannelKind): ChannelSettings => ({
  noticeAfterSeconds: kind === "email" ? DEFAULT_EMAIL_NOTICE_SECONDS : DEFAULT_NOTICE_SECONDS,
  policy: "members",
});

export const ChannelView = z.object({
  kind: ChannelKind,
  status: ChannelStatus,
  /** Why it is failing (the provider's reason) or pending; null otherwise. */
  statusReason: z.nullable(z.string()),
  /** Email: the employee's address (always listed, whether or not it was ever changed). */
  address: z.optional(z.string()),
  /** What a person recognises it by: @bot, the Slack team, +49…, the address; "" when none. */
  display: z.string(),
  /** The saved credential, masked (`123456:•••••XYZ`); null when there is none to show. */
  credential: z.nullable(z.string()),
  /** WhatsApp: what to paste into Meta's webhook settings. */
  webhook: z.optional(z.object({ url: z.string(), verifyToken: z.string() })),
  settings: ChannelSettings,
  paused: z.boolean(),
  /** When it was first connected; null while not connected. */
  connectedAt: z.nullable(z.string()),
});
export type ChannelView = z.infer<typeof ChannelView>;

const secret = (max: number) =>
  z
    .string()
    .check(
      z.trim(),
      z.minLength(1),
      z.maxLength(max),
      z.regex(/^\S+$/, { message: "Paste it without spaces." }),
    );

/** An email address's part before the @: lowercase letters, digits and single hyphens. */
export const MAX_ADDRESS_LOCAL_CHARS = 64;
const addressLocalPart = z.string().check(
  z.trim(),
  z.toLowerCase(),
  z.minLength(1),
  z.maxLength(MAX_ADDRESS_LOCAL_CHARS),
  z.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, {
    message: "Use letters, digits and single hyphens, without the @ and the domain.",
  }),
);

/** Settings as a PUT changes them: only what is given changes. */
export const ChannelSettingsPatch = z.strictObject({
  noticeAfterSeconds: z.optional(noticeAfterSeconds),
  policy: z.optional(ChannelPolicy),
  isDefault: z.optional(z.boolean()),
});
export type ChannelSettingsPatch = z.infer<typeof ChannelSettingsPatch>;

/**
 * PUT /api/employees/:id/channels/:kind: connect, or change what is given. Which fields a kind
 * needs is the verb's to check (telegram: botToken; whatsapp: phoneNumberId, accessToken and
 * appSecret; slack: nothing, the answer carries the authorizeUrl; email: address to change it).
 */
export const ChannelPut = z.strictObject({
  botToken: z.optional(secret(300)),
  phoneNumberId: z.optional(
    z
      .string()
      .check(z.trim(), z.regex(/^\d{1,30}$/, { message: "The phone number id is digits only." })),
  ),
  accessToken: z.optional(secret(1000)),
  appSecret: z.optional(secret(200)),
  address: z.optional(addressLocalPart),
  paused: z.optional(z.boolean()),
  settings: z.optional(ChannelSettingsPatch),
});
export type ChannelPut = z.infer<typeof ChannelPut>;

export const PAIRING_STATUSES = ["pending", "allowed", "blocked"] as const;
export const PairingStatus = z.enum(PAIRING_STATUSES);
export type PairingStatus = z.infer<typeof PairingStatus>;
/** The first message of a pairing request is shown up to this many characters. */
export const MAX_PAIRING_PREVIEW_CHARS = 200;

/** Someone not known to the account who wrote to an employee: an admin allows or blocks them. */
export const PairingRequestView = z.object({
  id: z.string(),
  employeeId: z.string(),
  employeeName: z.string(),
  kind: ChannelKind,
  /** The provider's id of the sender, the name and email it gave (when it gave them). */
  sender: z.object({
    id: z.string(),
    name: z.nullable(z.string()),
    email: z.nullable(z.string()),
  }),
  preview: z.string(),
  messageCount: z.number(),
  status: PairingStatus,
  createdAt: z.string(),
});
export type PairingRequestView = z.infer<typeof PairingRequestView>;

/** allow (optionally linking the sender to a member: `userId`, for the whole account) or block. */
export const PairingDecision = z
  .strictObject({
    decision: z.enum(["allow", "block"]),
    userId: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
  })
  .check(
    z.refine((d) => d.decision === "allow" || d.userId === undefined, {
      message: "Only an allowed sender is linked to a member.",
      path: ["userId"],
    }),
  );
export type PairingDecision = z.infer<typeof PairingDecision>;
