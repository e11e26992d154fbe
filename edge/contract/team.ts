import * as z from "zod/mini";

// Accounts, members, roles, invitations and signed-in sessions: the shapes of /api/accounts,
// /api/team and /api/sessions.

/** From most to least rights; an account has exactly one owner. */
export const TEAM_ROLES = ["owner", "admin", "member"] as const;
export const TeamRole = z.enum(TEAM_ROLES);
export type TeamRole = z.infer<typeof TeamRole>;
/** An invitation never makes an owner: ownership is transferred. */
export const INVITABLE_ROLES = ["admin", "member"] as const;
export const InvitableRole = z.enum(INVITABLE_ROLES);

const RANK: Record<TeamRole, number> = { owner: 3, admin: 2, member: 1 };
/** Whether `role` has at least the rights of `least`. */
export const roleAtLeast = (role: TeamRole, least: TeamRole): boolean => RANK[role] >= RANK[least];

/**
 * What each role may do. The services check these (403 `forbidden_role`); the app hides what a
 * role may not do. Later issues add their rights here.
 */
export const RIGHTS = {
  /** See employees, their status, memory and files; chat with them and watch their browser. */
  "employees.use": "member",
  /** Hire, fire, start, stop, restart, change settings and knowledge. */
  "employees.manage": "admin",
  /** The team's knowledge files (read is employees.use). */
  "knowledge.manage": "admin",
  /** Invite, remove, change roles. Admins manage members; only the owner touches admins. */
  "members.manage": "admin",
  /** The audit log and its export. */
  "audit.read": "admin",
  /** Checkout, the billing portal. */
  "billing.manage": "owner",
  /** Transfer ownership, export the account, delete it. */
  "account.own": "owner",
  // Issue 18.
  /** Decide what employees ask (approvals). Members may too when granted (`canApprove`):
   * check with canDecideApprovals. */
  "approvals.decide": "admin",
  /** An employee's autonomy, scheduled work and working hours (also under employees.manage). */
  "schedules.manage": "admin",
  /** The work ledger and report cards. */
  "work.read": "member",
  /** Employees' own AI budgets and the minutes their work saves. */
  "budgets.manage": "owner",
} as const satisfies Record<string, TeamRole>;
export type Right = keyof typeof RIGHTS;
export const can = (role: TeamRole, right: Right): boolean => roleAtLeast(role, RIGHTS[right]);
/** Owners and admins decide approvals; a member only when granted it (memberships.can_approve). */
export const canDecideApprovals = (role: TeamRole, granted: boolean): boolean =>
  can(role, "approvals.decide") || granted;

/** GET /api/accounts: the accounts I belong to, with my role; `active` is the one I act in. */
export const AccountView = z.object({
  id: z.string(),
  name: z.string(),
  role: TeamRole,
  active: z.boolean(),
  /** When the owner asked to delete it; it is deleted 7 days after. null when not. */
  deletionScheduledFor: z.nullable(z.string()),
  /** The account's time zone: report weeks and the Monday email (issue 18). */
  timeZone: z.optional(z.string()),
});
export type AccountView = z.infer<typeof AccountView>;

export const MemberView = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.nullable(z.string()),
  role: TeamRole,
  joinedAt: z.string(),
  /** Whether this member may decide approvals (owners and admins always may; issue 18). */
  canApprove: z.optional(z.boolean()),
});
export type MemberView = z.infer<typeof MemberView>;

export const InvitationView = z.object({
  id: z.string(),
  email: z.string(),
  role: InvitableRole,
  invitedBy: z.nullable(z.string()),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export type InvitationView = z.infer<typeof InvitationView>;

export const InviteRequest = z.strictObject({
  email: z.email({ message: "Enter a valid email address." }).check(z.maxLength(254)),
  role: InvitableRole,
});
/** PATCH /api/team/members/:userId: a new role; `owner` transfers ownership (owner only). */
// Issue 18: or grant/withdraw deciding approvals (`canApprove`, members only; admins may).
export const MemberPatch = z
  .strictObject({ role: z.optional(TeamRole), canApprove: z.optional(z.boolean()) })
  .check(
    z.refine((v) => v.role !== undefined || v.canApprove !== undefined, {
      message: "Nothing to change.",
    }),
  );

/** GET /api/team/invites/:token (signed out too): what the link offers, before accepting. */
export const InvitationPreview = z.object({
  accountName: z.string(),
  email: z.string(),
  role: InvitableRole,
  invitedBy: z.nullable(z.string()),
  expiresAt: z.string(),
});
export type InvitationPreview = z.infer<typeof InvitationPreview>;
export const InviteToken = z.strictObject({
  token: z.string().check(z.minLength(1), z.maxLength(200)),
});

/** GET /api/sessions: where I am signed in. */
export const SessionView = z.object({
  id: z.string(),
  /** The browser and system, from the User-Agent, in a few words. */
  device: z.string(),
  ip: z.nullable(z.string()),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  current: z.boolean(),
});
export type SessionView = z.infer<typeof SessionView>;
