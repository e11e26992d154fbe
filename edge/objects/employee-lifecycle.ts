import { allows } from "../contract/employee.ts";
import { requestBackup, snapshotOpened, snapshotResult } from "./employee-backup.ts";
import type { EmployeeRecord } from "./employee-record.ts";
import { relocate, relocationPlaced } from "./employee-relocation.ts";
import { alarm, commandResult, event, inventory, placed } from "./employee-reports.ts";
import { latestSnapshot, restoreRequested, resume } from "./employee-restore.ts";
import type { NewEmployee } from "./employee-rpc.ts";
import {
  andThen,
  type Entropy,
  type LifecycleEffect,
  type LifecycleInput,
  type Moment,
  missing,
  none,
  refuse,
  send,
  systemEntropy,
  type Transition,
  to,
} from "./lifecycle-effects.ts";

export {
  type Entropy,
  type LifecycleEffect,
  type LifecycleInput,
  NOT_FOUND_MESSAGE,
  systemEntropy,
  type Transition,
} from "./lifecycle-effects.ts";

// An employee's lifecycle as one pure function: given the record, what happened and the time, it
// returns the next record and the effects to perform, in order. The EmployeeDO stores the record
// before it performs anything; it feeds what an effect learns back in as an input (`placed`),
// and `then` effects continue a verb once the effect before them is done (keys revoked first).
// Here are the verbs of the customer and of billing; employee-reports.ts has what the node
// reports and what time passing does.

export function transition(
  record: EmployeeRecord | undefined,
  input: LifecycleInput,
  now: number,
  entropy: Entropy = systemEntropy,
): Transition {
  const at: Moment = { now, entropy };
  switch (input.type) {
    case "create":
      return record ? none(record) : create(at, input.employee);
    case "remove":
      if (!record) return { record, effects: input.employeeId ? [forget(input.employeeId)] : [] };
      if (record.status === "removing" && record.op) return none(record);
      return to(
        {
          ...record,
          status: "removing",
          statusReason: null,
          desired: "gone",
          op: null,
          restore: null,
        },
        { type: "revoke_keys", employeeId: record.id },
        // A move under way left a copy on its source node: that slot goes too.
        ...(record.restore?.sourceNodeId && record.restore.sourceNodeId !== record.nodeId
          ? [
              {
                type: "release_slot" as const,
                nodeId: record.restore.sourceNodeId,
                employeeId: record.id,
              },
            ]
          : []),
        andThen({ type: "remove_after_revoke" }),
      );
    case "command_result":
      return commandResult(at, record, input.nodeId, input.result);
    case "event":
      return event(record, input.nodeId, input.event);
    case "inventory":
      return inventory(at, record, input.nodeId, input.instance);
    case "alarm":
      return alarm(at, record);
    case "retry_placement":
      return record?.status === "provisioning" && !record.nodeId
        ? to(record, { type: "place" })
        : none(record);
    case "placed":
      if (record?.status === "restoring" && record.restore)
        return relocationPlaced(
          at,
          record,
          input.nodeId,
          input.queuePosition ?? null,
          input.generation,
        );
      return placed(
        at,
        record,
        input.employeeId,
        input.nodeId,
        input.queuePosition ?? null,
        input.generation,
      );
    case "snapshot_opened":
      return snapshotOpened(at, record, input.kind, input.snapshot);
    case "snapshot_result":
      return snapshotResult(at, record, input.nodeId, input.result);
    case "relocate":
      return relocate(at, record, input.reason, input.fromNodeId);
    case "latest_snapshot":
      return latestSnapshot(at, record, input.snapshot);
  }
  if (!record) return missing;
  switch (input.type) {
    case "update": {
      const r = { ...record, ...input.patch };
      // OpenClaw reads the workspace afresh: no restart needed.
      return r.nodeId && r.desired !== "gone" ? to(r, { type: "configure" }) : to(r);
    }
    case "provision":
      return provision(at, record);
    case "backup_requested":
      return requestBackup(record, input.kind);
    case "restore_requested":
      return restoreRequested(at, record, input.snapshot, input.snapshotFirst);
    case "restart":
      if (allows(record.status, "restart"))
        return send(
          at,
          {
            ...record,
            status: "restarting",
            statusReason: null,
            desired: "running",
            op: null,
            restoredFrom: null,
          },
          "container.restart",
          1,
          "restarting",
        );
      if (allows(record.status, "provision")) return provision(at, record);
      return refuse(record, `An employee that is ${record.status} cannot be restarted now.`);
    case "stop":
      if (!allows(record.status, "stop"))
        return refuse(record, `An employee that is ${record.status} cannot be stopped.`);
      // Its gateway key stops working now, not when the node reports the container stopped.
      // `desired` is stored first, so that a key a provision in flight mints meanwhile is retired
      // too, and a revocation that fails leaves a running employee whose stop can be retried.
      return to(
        { ...record, desired: "stopped" },
        { type: "revoke_keys", employeeId: record.id },
        andThen({ type: "stop_after_revoke" }),
      );
    case "stop_after_revoke":
      return stopAfterRevoke(at, record);
    case "hold":
      // A held employee may not run: its key stops working before anything else changes, so a
      // failed revocation leaves the hold to be retried whole.
      return to(
        record,
        { type: "revoke_keys", employeeId: record.id },
        andThen({ type: "hold_after_revoke", reason: input.reason }),
      );
    case "hold_after_revoke": {
      const r = { ...record, billingHold: input.reason };
      if (allows(r.status, "stop")) return stopWithinHold(r);
      if (allows(r.status, "provision"))
        return to({ ...r, statusReason: input.reason, desired: "stopped" });
      return to(r);
    }
    case "release": {
      if (!record.billingHold) return none(record);
      const r = { ...record, billingHold: null, statusReason: null };
      return r.status === "stopped" || r.status === "none" ? provision(at, r) : to(r);
    }
    case "remove_after_revoke":
      return record.nodeId
        ? send(at, record, "container.remove", 1, "removing")
        : to(record, { type: "finish_removal" });
    case "heal":
      if (record.status !== "unhealthy" || !record.nodeId) return none(record);
      return send(at, { ...record, status: "restarting" }, "container.restart", 1, "restarting");
  }
}

const forget = (employeeId: string): LifecycleEffect => ({ type: "forget", employeeId });

// The transitions that take the time or make ids.
function create(at: Moment, input: NewEmployee): Transition {
  return to(
    {
      ...input,
      status: "provisioning",
      statusReason: null,
      step: "finding_server",
      nodeId: null,
      containerId: null,
      desired: "running",
      op: null,
      waitingSince: at.now,
      createdAt: at.now,
      updatedAt: at.now,
    },
    { type: "place" },
  );
}
function provision(at: Moment, r: EmployeeRecord): Transition {
  if (r.billingHold) return refuse(r, r.billingHold);
  if (!allows(r.status, "provision"))
    return refuse(r, `An employee that is ${r.status} cannot be started.`);
  // Moved off its server while stopped: its state comes back from its latest snapshot.
  if (r.restoreOnStart) return resume(at, { ...r, restoredFrom: null, waitingSince: at.now });
  const next: EmployeeRecord = {
    ...r,
    status: "provisioning",
    statusReason: null,
    desired: "running",
    op: null,
    waitingSince: at.now,
    restoredFrom: null,
  };
  return next.nodeId
    ? send(at, next, "container.provision", 1, "preparing_workspace")
    : to({ ...next, step: "finding_server" }, { type: "place" });
}
// A hold stops like a stop does (keys revoked again: a key minted meanwhile goes too).
function stopWithinHold(r: EmployeeRecord): Transition {
  return to(
    { ...r, desired: "stopped" },
    { type: "revoke_keys", employeeId: r.id },
    andThen({ type: "stop_after_revoke" }),
  );
}
function stopAfterRevoke(at: Moment, r: EmployeeRecord): Transition {
  if (!allows(r.status, "stop")) return none(r);
  const statusReason = r.billingHold ?? null;
  // Still waiting for a server: nothing runs anywhere, so stopping is immediate.
  if (!r.nodeId)
    return to({
      ...r,
      status: "stopped",
      statusReason,
      step: null,
      desired: "stopped",
      op: null,
      waitingSince: null,
    });
  return send(
    at,
    { ...r, status: "stopping", statusReason, desired: "stopped", op: null },
    "container.stop",
    1,
    "stopping",
  );
}
