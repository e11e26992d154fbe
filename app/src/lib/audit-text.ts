import type { AuditAction, AuditEventView } from "../../../edge/contract/audit.ts";
import type { MessageKey } from "../i18n/en.ts";

// The audit log in words. Every action of the contract has a sentence (a new action without one
// is a type error); an action this app does not know yet is shown as the edge names it.
export const AUDIT_ACTION_TEXT: Record<AuditAction, MessageKey> = {
  "employee.hire": "audit.action.employee.hire",
  "employee.fire": "audit.action.employee.fire",
  "employee.update": "audit.action.employee.update",
  "employee.provision": "audit.action.employee.provision",
  "employee.restart": "audit.action.employee.restart",
  "employee.stop": "audit.action.employee.stop",
  "employee.access": "audit.action.employee.access",
  "employee.backup": "audit.action.employee.backup",
  "employee.restore": "audit.action.employee.restore",
  "channel.connect": "audit.action.channel.connect",
  "channel.update": "audit.action.channel.update",
  "channel.remove": "audit.action.channel.remove",
  "channel.pairing": "audit.action.channel.pairing",
  "approval.decide": "audit.action.approval.decide",
  "employee.autonomy": "audit.action.employee.autonomy",
  "employee.budget": "audit.action.employee.budget",
  "schedule.create": "audit.action.schedule.create",
  "schedule.update": "audit.action.schedule.update",
  "schedule.delete": "audit.action.schedule.delete",
  "member.approvals": "audit.action.member.approvals",
  "knowledge.upload": "audit.action.knowledge.upload",
  "knowledge.delete": "audit.action.knowledge.delete",
  "member.invite": "audit.action.member.invite",
  "member.invite_revoke": "audit.action.member.invite_revoke",
  "member.join": "audit.action.member.join",
  "member.role": "audit.action.member.role",
  "member.remove": "audit.action.member.remove",
  "member.leave": "audit.action.member.leave",
  "account.transfer": "audit.action.account.transfer",
  "account.rename": "audit.action.account.rename",
  "account.time_zone": "audit.action.account.time_zone",
  "account.export": "audit.action.account.export",
  "account.export_download": "audit.action.account.export_download",
  "account.create": "audit.action.account.create",
  "account.delete_request": "audit.action.account.delete_request",
  "account.delete_cancel": "audit.action.account.delete_cancel",
  "billing.checkout": "audit.action.billing.checkout",
  "billing.portal": "audit.action.billing.portal",
  "billing.change": "audit.action.billing.change",
  "session.end": "audit.action.session.end",
};

export const actionKey = (action: string): MessageKey | null =>
  Object.hasOwn(AUDIT_ACTION_TEXT, action) ? AUDIT_ACTION_TEXT[action as AuditAction] : null;

const TARGET_TEXT: Record<string, MessageKey> = {
  employee: "audit.target.employee",
  member: "audit.target.member",
  user: "audit.target.member",
  invitation: "audit.target.invitation",
  file: "audit.target.file",
  knowledge_file: "audit.target.file",
  session: "audit.target.session",
  account: "audit.target.account",
  export: "audit.target.export",
};
export const targetKey = (type: string): MessageKey | null => TARGET_TEXT[type] ?? null;

/** What the target was called when it changed (the detail keeps names, emails), else its id. */
export function targetLabel(event: Pick<AuditEventView, "target" | "detail">): string {
  const d = event.detail ?? {};
  for (const field of ["name", "email", "fileName", "plan"]) {
    const v = d[field];
    if (typeof v === "string" && v) return v;
  }
  return event.target?.id ?? "";
}

// A User-Agent in a few words ("Firefox on Linux"); the whole string stays in a tooltip.
const BROWSERS: [RegExp, string][] = [
  [/Edg\//, "Edge"],
  [/OPR\//, "Opera"],
  [/Firefox\//, "Firefox"],
  [/Chrom(e|ium)\//, "Chrome"],
  [/Safari\//, "Safari"],
];
const SYSTEMS: [RegExp, string][] = [
  [/Android/, "Android"],
  [/iPhone|iPad|iOS/, "iOS"],
  [/Windows/, "Windows"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/CrOS/, "ChromeOS"],
  [/Linux/, "Linux"],
];
export function deviceName(userAgent: string | null): string {
  if (!userAgent) return "";
  const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(userAgent))?.[1];
  if (browser && system) return `${browser} · ${system}`;
  return browser ?? system ?? userAgent.slice(0, 40);
}
