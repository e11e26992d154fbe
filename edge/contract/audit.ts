import * as z from "zod/mini";

// The audit log's shapes (GET /api/audit). Actions are dotted names, one per kind of change.
export const AUDIT_ACTIONS = [
  "employee.hire",
  "employee.fire",
  "employee.update",
  "employee.provision",
  "employee.restart",
  "employee.stop",
  "employee.access",
  "employee.backup",
  "employee.restore",
  "channel.connect",
  "channel.update",
  "channel.remove",
  "channel.pairing",
  "approval.decide",
  "employee.autonomy",
  "employee.budget",
  "schedule.create",
  "schedule.update",
  "schedule.delete",
  "member.approvals",
  "knowledge.upload",
  "knowledge.delete",
  "member.invite",
  "member.invite_revoke",
  "member.join",
  "member.role",
  "member.remove",
  "member.leave",
  "account.rename",
  // Issue 18: the account's time zone (report weeks, the Monday email).
  "account.time_zone",
  "account.transfer",
  "account.export",
  "account.export_download",
  "account.create",
  "account.delete_request",
  "account.delete_cancel",
  "billing.checkout",
  "billing.portal",
  "billing.change",
  "session.end",
] as const;
export const AuditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditAction>;

/** How long the log keeps an event. */
export const AUDIT_RETENTION_DAYS = 365;

export const AuditEventView = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.nullable(z.object({ userId: z.nullable(z.string()), email: z.nullable(z.string()) })),
  action: z.string(),
  target: z.nullable(z.object({ type: z.string(), id: z.nullable(z.string()) })),
  detail: z.nullable(z.record(z.string(), z.unknown())),
  ip: z.nullable(z.string()),
  userAgent: z.nullable(z.string()),
});
export type AuditEventView = z.infer<typeof AuditEventView>;

/** GET /api/audit's filters; `before` pages backwards (the `at` of the last event shown). */
export const AuditQuery = z.object({
  action: z.optional(z.string().check(z.maxLength(64))),
  actor: z.optional(z.string().check(z.maxLength(254))),
  from: z.optional(z.iso.datetime()),
  to: z.optional(z.iso.datetime()),
  before: z.optional(z.iso.datetime()),
  limit: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(500))),
  format: z.optional(z.enum(["json", "csv"])),
});
