import type { ChannelSenderRow } from "../../db/schema.ts";
import type { PairingDecision, PairingRequestView } from "../contract/channels.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import { errorFields } from "../log/logger.ts";
import { membershipIn } from "../store/accounts.ts";
import {
  decidePairingRequest,
  getChannelSender,
  listPendingPairingRequests,
} from "../store/channel-senders.ts";
import { type Actor, requireRight } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import { channelRpc } from "./channels.ts";
import type { Deps } from "./deps.ts";
import { ownedEmployee } from "./employees.ts";

// Pairing requests (issue 17): a stranger who wrote to an employee waits, their messages held by
// the employee's inbox, until an admin allows (optionally saying which member they are, for the
// whole account) or blocks them. The decision is stored in D1 first, where the inbox screens
// every later message; then the employee's object is told, so what it holds is delivered or
// dropped now.

export function pairingView(row: ChannelSenderRow, employeeName: string): PairingRequestView {
  return {
    id: row.id,
    employeeId: row.employeeId,
    employeeName,
    kind: row.kind,
    sender: { id: row.senderKey, name: row.displayName, email: row.email },
    preview: row.preview,
    messageCount: row.messageCount,
    status: row.status,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

/** The account's pending requests, newest first (admins). */
export async function listPairingRequests(deps: Deps, actor: Actor): Promise<PairingRequestView[]> {
  requireRight(actor, "employees.manage");
  const rows = await listPendingPairingRequests(deps.env.DB, actor.accountId);
  return rows.map((r) => pairingView(r, r.employeeName));
}

/** Allows or blocks a sender; another account's request is 404. */
export async function decidePairing(
  deps: Deps,
  actor: Actor,
  id: string,
  decision: PairingDecision,
): Promise<PairingRequestView> {
  const found = await getChannelSender(deps.env.DB, id);
  if (!found || found.accountId !== actor.accountId) throw notFound("pairing request");
  requireRight(actor, "employees.manage");
  const userId = decision.decision === "allow" ? (decision.userId ?? null) : null;
  if (userId && !(await membershipIn(deps.db, userId, actor.accountId)))
    throw new ApiError(400, "invalid_input", "That person is not a member of this team.", {
      userId: "Not a member of this team.",
    });
  const row = await decidePairingRequest(
    deps.env.DB,
    actor.accountId,
    id,
    {
      status: decision.decision === "allow" ? "allowed" : "blocked",
      userId,
      decidedBy: actor.userId,
    },
    deps.now(),
  );
  if (!row) throw notFound("pairing request");
  const employee = await ownedEmployee(deps, actor.accountId, row.employeeId);
  await recordAudit(
    deps,
    actor,
    "channel.pairing",
    { type: "employee", id: row.employeeId },
    {
      kind: row.kind,
      sender: row.displayName ?? row.senderKey,
      decision: decision.decision,
      ...(userId ? { userId } : {}),
    },
  );
  try {
    await channelRpc(deps, row.employeeId).channelReleaseSender(
      row.kind,
      row.senderKey,
      decision.decision,
    );
  } catch (err) {
    // The decision stands in D1, where the inbox screens what comes next; what it held waits.
    deps.log.warn("the employee's inbox was not told of the pairing decision", {
      pairingRequestId: row.id,
      ...errorFields(err),
    });
  }
  return pairingView(row, employee.name);
}
