import type { ApprovalView } from "../../../../edge/contract/approvals.ts";
import type { MessageKey } from "../../i18n/en.ts";
import { statusAt } from "../../lib/approvals.ts";

type T = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** "Ada wants to run a command", or to use a tool by its name. */
export const wantsText = (a: ApprovalView, t: T): string =>
  a.action === "exec"
    ? t("approvals.wants.exec", { name: a.employeeName })
    : t("approvals.wants.tool", { name: a.employeeName, tool: a.action });

/** What became of a request: who decided it and how, decided in OpenClaw, or expired; null while
 * it waits. */
export function outcomeText(a: ApprovalView, t: T, now = Date.now()): string | null {
  const status = statusAt(a, now);
  if (status === "pending") return null;
  if (status === "expired") return t("approvals.outcome.expired");
  if (a.decidedBy && a.decision) return t(`approvals.outcome.${a.decision}`, { who: a.decidedBy });
  return t(status === "allowed" ? "approvals.outcome.allowed" : "approvals.outcome.denied");
}

/** The employee's chat, opened on the conversation that led to a request. */
export const conversationHref = (a: ApprovalView): string | null =>
  a.conversationId
    ? `/employees/${encodeURIComponent(a.employeeId)}?conversation=${encodeURIComponent(a.conversationId)}`
    : null;
