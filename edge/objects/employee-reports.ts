import type {
  AgentEvent,
  ContainerCommandType,
  Instance,
  ResultError,
} from "../protocol/frames.ts";
import { backupExpired } from "./employee-backup.ts";
import type { EmployeeRecord } from "./employee-record.ts";
import { snapshotWaitExpired } from "./employee-relocation.ts";
import { moveFinished, restoreFailed } from "./employee-restore.ts";
import type { CommandResult } from "./employee-rpc.ts";
import {
  backoff,
  COMMAND_TIMEOUT_MS,
  MAX_COMMAND_ATTEMPTS,
  PLACEMENT_RETRY_BASE_MS,
  PLACEMENT_RETRY_MAX_MS,
  RETRY_BACKOFF_BASE_MS,
  RETRY_BACKOFF_MAX_MS,
  WAIT_FOR_SERVER_TIMEOUT_MS,
} from "./employee-timeouts.ts";
import { andThen, log, type Moment, none, send, type Transition, to } from "./lifecycle-effects.ts";
import { placeEffect } from "./relocation-steps.ts";

// The transitions that what the node reports, and time passing, cause. Results and events that
// do not match the operation in progress change nothing, so a late or duplicated frame cannot
// move the state backwards.

export function commandResult(
  at: Moment,
  r: EmployeeRecord | undefined,
  nodeId: string,
  result: CommandResult,
): Transition {
  if (!r || r.nodeId !== nodeId || !r.op || r.op.commandId !== result.id)
    return to(r, log("info", "stale command result ignored", { commandId: result.id, nodeId }));
  const kind = r.op.kind as ContainerCommandType;
  if (!result.ok) return failed(at, r, kind, result.error, result.rolledBack === true);
  const containerId = result.data?.containerId ?? r.containerId;
  // A restore, or what a move sent instead of one, ends the move.
  if (r.restore && kind !== "container.stop" && kind !== "container.remove")
    return moveFinished({ ...r, containerId }, kind);
  switch (kind) {
    case "container.provision":
    case "container.start":
    case "container.restart":
    case "container.restore":
      // Running again: its knowledge follows (deletions wait for a running container).
      return to(
        {
          ...r,
          status: "running",
          statusReason: null,
          step: null,
          op: null,
          containerId,
          waitingSince: null,
        },
        { type: "sync_knowledge" },
      );
    case "container.stop":
      return to({
        ...r,
        status: "stopped",
        statusReason: r.billingHold ?? null,
        step: null,
        op: null,
      });
    case "container.remove":
      return to(r, { type: "finish_removal" });
  }
}

export function event(
  r: EmployeeRecord | undefined,
  nodeId: string,
  event: AgentEvent,
): Transition {
  if (!r || r.nodeId !== nodeId)
    return to(
      r,
      log("warn", "event from a node this employee is not placed on", {
        nodeId,
        type: event.type,
      }),
    );
  const containerId = event.containerId ?? r.containerId;
  switch (event.type) {
    case "container.created":
      return r.status === "provisioning"
        ? to({ ...r, containerId, step: "starting_container" })
        : none(r);
    case "container.started":
      return r.status === "provisioning" || r.status === "restarting"
        ? to({ ...r, containerId, step: "waiting_until_ready" })
        : none(r);
    case "container.health_changed":
      if (event.health === "unhealthy" && r.status === "running")
        return selfHeal(r, "Its health check is failing.");
      if (event.health === "healthy" && r.status === "unhealthy")
        return to({ ...r, status: "running", statusReason: null, step: null, op: null });
      return none(r);
    case "container.stopped":
      return r.desired === "running" && r.status === "running"
        ? selfHeal(r, `It stopped unexpectedly (exit code ${event.exitCode ?? "unknown"}).`)
        : none(r);
    case "container.removed":
      return r.status === "removing" ? to(r, { type: "finish_removal" }) : none(r);
    case "snapshot.progress":
      // A restore's progress moves its step; a backup's is the object's to show (employee-do.ts).
      if (
        r.status !== "restoring" ||
        r.op?.kind !== "container.restore" ||
        r.restore?.snapshotId !== event.snapshotId
      )
        return none(r);
      return to({
        ...r,
        step: event.phase === "downloading" ? "fetching_snapshot" : "swapping_state",
      });
  }
  return none(r);
}

// What the node reported on (re)connect: Docker is the source of truth for what runs there.
export function inventory(
  at: Moment,
  r: EmployeeRecord | undefined,
  nodeId: string,
  instance: Instance,
): Transition {
  if (!r || r.nodeId !== nodeId) return none(r);
  // A copy from an earlier placement is never adopted: the agent stops it (inventory.reconcile
  // tells it the current generation).
  if (instance.generation !== undefined && instance.generation < (r.generation ?? 0))
    return to(
      r,
      log("warn", "stale copy reported: not adopted", {
        nodeId,
        generation: instance.generation,
        current: r.generation ?? 0,
      }),
    );
  // An operation in progress settles it, and its commands are redelivered.
  if (r.op || r.status === "restoring") return none(r);
  if (r.desired === "running" && r.status === "running" && instance.state !== "running")
    return selfHeal(
      r,
      instance.state === "unhealthy"
        ? "Its health check is failing."
        : `Its container was found ${instance.state} on the server.`,
    );
  if (r.desired === "stopped" && instance.state === "running")
    return send(at, { ...r, status: "stopping", op: null }, "container.stop", 1, "stopping");
  if (instance.containerId && instance.containerId !== r.containerId)
    return to({ ...r, containerId: instance.containerId });
  return none(r);
}

export function alarm(at: Moment, r: EmployeeRecord | undefined): Transition {
  // A backup past its deadline ends failed (and so does a restore or move waiting for it).
  if (r?.backup && r.backup.deadline <= at.now) return backupExpired(at, r);
  if (!r?.op || r.op.wakeAt > at.now) return none(r);
  if (r.op.kind === "place") return to(r, placeEffect(r));
  if (r.op.kind === "snapshot") return snapshotWaitExpired(at, r);
  // A retry whose backoff has passed.
  if (r.op.commandId === null)
    return send(at, r, r.op.kind, r.op.attempt, r.step ?? "preparing_workspace");
  const seconds = Math.round(COMMAND_TIMEOUT_MS[r.op.kind] / 1000);
  return failed(at, r, r.op.kind, {
    code: "timeout",
    message: `The server did not finish within ${seconds} seconds.`,
    retryable: true,
  });
}

// What the nodes answered to `place`. Other calls ran while they were asked (a removal, a
// stop, another placement): a reservation nobody wants any more is given back, or the node
// would keep a slot (and tell its agent to keep a container) for an employee that is gone.
export function placed(
  at: Moment,
  r: EmployeeRecord | undefined,
  employeeId: string,
  nodeId: string | null,
  queuePosition: number | null,
  generation?: number,
): Transition {
  if (r?.desired !== "running" || r.status !== "provisioning" || r.nodeId) {
    return nodeId && nodeId !== r?.nodeId
      ? to(r, { type: "release_slot", nodeId, employeeId })
      : none(r);
  }
  if (nodeId)
    return send(
      at,
      {
        ...r,
        nodeId,
        op: null,
        queuePosition: null,
        // Every placement is a new generation: a copy left on an earlier node is stale.
        generation: generation ?? (r.generation ?? 0) + 1,
      },
      "container.provision",
      1,
      "preparing_workspace",
    );
  const waitingSince = r.waitingSince ?? at.now;
  if (at.now - waitingSince > WAIT_FOR_SERVER_TIMEOUT_MS)
    return to({
      ...r,
      status: "error",
      statusReason: `No server had room for ${WAIT_FOR_SERVER_TIMEOUT_MS / 60_000} minutes. Press Start to try again.`,
      step: null,
      op: null,
      waitingSince: null,
      queuePosition: null,
    });
  const attempt = r.op?.kind === "place" ? r.op.attempt + 1 : 1;
  const wait = backoff(
    attempt,
    PLACEMENT_RETRY_BASE_MS,
    PLACEMENT_RETRY_MAX_MS,
    at.entropy.jitter(),
  );
  return to({
    ...r,
    step: "waiting_for_server",
    waitingSince,
    queuePosition,
    op: { kind: "place", commandId: null, attempt, wakeAt: at.now + wait },
  });
}

export function failed(
  at: Moment,
  r: EmployeeRecord,
  kind: ContainerCommandType,
  error: ResultError,
  rolledBack = false,
): Transition {
  const attempt = r.op?.attempt ?? 1;
  // A restore that put the old state back is final: nothing changed, and the person may retry.
  if (rolledBack && kind === "container.restore") {
    const undone = restoreFailed(at, r, error, true);
    if (undone) return undone;
  }
  const logged = log("warn", "command failed", {
    type: kind,
    attempt,
    code: error.code,
    error: error.message,
  });
  if (error.retryable && attempt < MAX_COMMAND_ATTEMPTS) {
    const wait = backoff(attempt, RETRY_BACKOFF_BASE_MS, RETRY_BACKOFF_MAX_MS, at.entropy.jitter());
    return to(
      { ...r, op: { kind, commandId: null, attempt: attempt + 1, wakeAt: at.now + wait } },
      logged,
    );
  }
  const retried = error.retryable ? ` (after ${attempt} attempts)` : "";
  // A move or a restore has its own ending: back to the source, or restore on the next start.
  if (r.restore) {
    const ended = restoreFailed(at, r, { ...error, message: `${error.message}${retried}` }, false);
    if (ended) return { ...ended, effects: [logged, ...ended.effects] };
  }
  return to(
    {
      ...r,
      status: "error",
      statusReason: `${DESCRIBED[kind]} failed: ${error.message}${retried}. Press Start to try again.`,
      step: null,
      op: null,
      waitingSince: null,
    },
    logged,
  );
}

// Two steps, seen live: unhealthy (with why), then restarting.
const selfHeal = (r: EmployeeRecord, reason: string): Transition =>
  to({ ...r, status: "unhealthy", statusReason: reason, op: null }, andThen({ type: "heal" }));

const DESCRIBED: Record<ContainerCommandType, string> = {
  "container.provision": "Starting the employee",
  "container.start": "Starting the employee",
  "container.restart": "Restarting the employee",
  "container.stop": "Stopping the employee",
  "container.remove": "Removing the employee",
  "container.restore": "Restoring the employee",
};
