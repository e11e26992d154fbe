import type { Me } from "../../edge/contract/account.ts";
import type { AccountLiveFrame } from "../../edge/contract/account-live.ts";
import type { ApprovalView } from "../../edge/contract/approvals.ts";
import type { TeamRole } from "../../edge/contract/team.ts";
import type { AccountFeed } from "../src/lib/account-live.ts";
import { fakeFeed } from "./fake-feed.ts";

const MIN = 60_000;

/** A request of Ada's, pending, expiring in ten minutes unless told. */
export function approval(over: Partial<ApprovalView> = {}): ApprovalView {
  const now = Date.now();
  return {
    id: "ap1",
    employeeId: "e1",
    employeeName: "Ada",
    action: "exec",
    details: { command: "echo approved-by-playwright", cwd: "/home/node", warning: null },
    conversationId: "c1",
    conversationTitle: "Quarterly numbers",
    scheduleId: null,
    status: "pending",
    decision: null,
    reason: null,
    decidedBy: null,
    requestedAt: new Date(now - MIN).toISOString(),
    expiresAt: new Date(now + 10 * MIN).toISOString(),
    decidedAt: null,
    ...over,
  };
}

/** The same request, decided. */
export const decided = (
  a: ApprovalView,
  decision: "allow-once" | "allow-always" | "deny",
  by = "bob@example.com",
  reason: string | null = null,
): ApprovalView => ({
  ...a,
  status: decision === "deny" ? "denied" : "allowed",
  decision,
  decidedBy: by,
  reason,
  decidedAt: new Date().toISOString(),
});

export function me(role: TeamRole = "owner"): Me {
  return {
    user: { id: "u1", email: "ada@example.com", name: "Ada Lovelace" },
    account: { id: "a1", name: "Acme", role },
    plan: "trial",
    trialEndsAt: new Date(Date.now() + 86_400_000).toISOString(),
    subscription: null,
    billingNotice: null,
    billingConfigured: true,
    limits: { maxEmployees: 1, llmBudgetCentsPerMonth: 500 },
    usage: {
      employees: 1,
      llmCostCentsThisMonth: 0,
      llmTokensThisMonth: 0,
      llmBudgetUsedPercent: 0,
      llmBudgetWarning: false,
      chatViews: null,
    },
  };
}

/** The account's live socket, driven by the test: `push` a frame, `reconnect` as after a drop. */
export function fakeAccountFeed() {
  const { feed, emit, reconnect } = fakeFeed<AccountLiveFrame>();
  const account: AccountFeed = feed;
  return {
    feed: account,
    push: (approval: ApprovalView) => emit({ type: "approval", approval }),
    reconnect,
  };
}
