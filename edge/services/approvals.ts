import type { z } from "zod/mini";
import type { ApprovalDecide, ApprovalsQuery, ApprovalView } from "../contract/approvals.ts";
import { canDecideApprovals } from "../contract/team.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import { errorFields } from "../log/logger.ts";
import { accountFeedStub, employeeStub } from "../objects/stubs.ts";
import {
  type ApprovalListed,
  canApproveGranted,
  decideApproval,
  expireDueApprovals,
  getApproval,
  listApprovals,
  toApprovalView,
} from "../store/approvals.ts";
import { type Actor, requireRight } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import type { Deps } from "./deps.ts";

// The team's approvals inbox (issue 18): what the account's employees asked a person before doing.
// Every member sees it; the owner, admins and members granted it (memberships.can_approve) decide.
// A decision is one conditional UPDATE in D1 (the first wins, the loser hears 409
// approval_decided); then the employee's object hands it to its OpenClaw, and every viewer of the
// account's live feed sees it.

/** At most this many in one answer (pending first by time; a team rarely has more than a few). */
export const APPROVALS_LIST_LIMIT = 200;
/** `status=all` adds what was decided this long ago at most. */
export const DECIDED_SHOWN_MS = 7 * 86_400_000;

// The conversations' titles live in each employee's inbox: one question per employee listed.
async function withTitles(deps: Deps, rows: ApprovalListed[]): Promise<ApprovalView[]> {
  const asking = [...new Set(rows.filter((r) => r.conversationId).map((r) => r.employeeId))];
  const titles = new Map<string, string>();
  await Promise.all(
    asking.map(async (employeeId) => {
      try {
        for (const c of await employeeStub(deps.env, employeeId).chatConversations())
          titles.set(c.id, c.title);
      } catch (err) {
        deps.log.warn("conversation titles not read", { employeeId, ...errorFields(err) });
      }
    }),
  );
  return rows.map((r) => toApprovalView(r, titles.get(r.conversationId ?? "") ?? null));
}

export async function listApprovalsFor(
  deps: Deps,
  actor: Actor,
  query: z.output<typeof ApprovalsQuery>,
): Promise<ApprovalView[]> {
  requireRight(actor, "employees.use");
  const rows = await listApprovals(
    deps.env.DB,
    actor.accountId,
    {
      decidedSince: query.status === "all" ? deps.now() - DECIDED_SHOWN_MS : null,
      ...(query.employeeId ? { employeeId: query.employeeId } : {}),
    },
    APPROVALS_LIST_LIMIT,
  );
  return withTitles(deps, rows);
}

/** 403 forbidden_role unless the actor may decide: owner, admin, or a member granted it. */
async function requireDecider(deps: Deps, actor: Actor): Promise<void> {
  const granted =
    actor.role === "member" &&
    (await canApproveGranted(deps.env.DB, actor.accountId, actor.userId));
  if (!canDecideApprovals(actor.role, granted))
    throw new ApiError(
      403,
      "forbidden_role",
      "Your role in this team does not allow deciding approvals. The owner or an admin can grant it.",
    );
}

export async function decideApprovalFor(
  deps: Deps,
  actor: Actor,
  id: string,
  input: z.output<typeof ApprovalDecide>,
): Promise<ApprovalView> {
  const found = await getApproval(deps.env.DB, id);
  if (!found || found.accountId !== actor.accountId) throw notFound("approval");
  await requireDecider(deps, actor);
  const reason = input.decision === "deny" && input.reason ? input.reason : null;
  const row = await decideApproval(
    deps.env.DB,
    { id, accountId: actor.accountId, decision: input.decision, reason, decidedBy: actor.userId },
    deps.now(),
  );
  if (!row) {
    const now = await getApproval(deps.env.DB, id);
    const what =
      now?.status === "pending" || now?.status === "expired"
        ? "It expired before anyone decided: the employee was told no."
        : `${now?.decidedByEmail ?? "Someone"} decided it first.`;
    throw new ApiError(409, "approval_decided", `This request is no longer open. ${what}`);
  }
  const decided: ApprovalListed = {
    ...row,
    employeeName: found.employeeName,
    decidedByEmail: actor.email,
  };
  const [view] = await withTitles(deps, [decided]);
  if (!view) throw notFound("approval");
  await recordAudit(
    deps,
    actor,
    "approval.decide",
    { type: "employee", id: row.employeeId },
    {
      approvalId: row.id,
      action: row.action,
      command: row.details.command.slice(0, 200),
      decision: input.decision,
      ...(reason ? { reason } : {}),
    },
  );
  // Everyone watching sees it decided at once; OpenClaw then goes on (or hears no).
  await publish(deps, actor.accountId, view);
  try {
    await employeeStub(deps.env, row.employeeId).approvalDecided({
      approvalId: row.id,
      openclawId: row.openclawId,
      decision: input.decision,
      ...(reason ? { reason } : {}),
    });
  } catch (err) {
    // The decision stands in D1; OpenClaw's own timeout denies it if the agent never hears.
    deps.log.warn("the employee was not told of the approval decision", {
      approvalId: row.id,
      ...errorFields(err),
    });
  }
  return view;
}

async function publish(deps: Deps, accountId: string, approval: ApprovalView): Promise<void> {
  try {
    await accountFeedStub(deps.env, accountId).publish({ type: "approval", approval });
  } catch (err) {
    deps.log.warn("approval not published", { approvalId: approval.id, ...errorFields(err) });
  }
}

/** Expired by the cron at most this many a run (the rest on the next). */
export const EXPIRED_PER_RUN = 500;

/**
 * The cron: pending requests past their time are expired (OpenClaw's own fallback denied them
 * already) and every viewer of their account sees it.
 */
export async function expireApprovals(deps: Deps, now: number): Promise<number> {
  const rows = await expireDueApprovals(deps.env.DB, now, EXPIRED_PER_RUN);
  for (const row of rows) {
    const listed = await getApproval(deps.env.DB, row.id);
    if (!listed) continue;
    const [view] = await withTitles(deps, [listed]);
    if (view) await publish(deps, row.accountId, view);
  }
  if (rows.length) deps.log.info("approvals expired", { count: rows.length });
  return rows.length;
}

/** GET /api/live: the account's feed, for any member (the Worker admitted the session). */
export function openAccountFeed(deps: Deps, actor: Actor, request: Request): Promise<Response> {
  requireRight(actor, "employees.use");
  return accountFeedStub(deps.env, actor.accountId).fetch(request);
}
