import { allows } from "../contract/employee.ts";
import type { StepId } from "../contract/steps.ts";
import type {
  AgentEvent,
  ContainerCommandType,
  Instance,
  ResultError,
} from "../protocol/frames.ts";
import type { EmployeeRecord } from "./employee-record.ts";
import type { CommandResult, NewEmployee } from "./employee-rpc.ts";
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

// An employee's lifecycle as one pure function: given the record, what happened and the time, it
// returns the next record and the effects to perform, in order. The EmployeeDO stores the record
// before it performs anything; it feeds what an effect learns back in as an input (`placed`),
// and `then` inputs continue a verb once the effect before them is done (keys revoked first).
// Results and events that do not match the operation in progress change nothing, so a late or
// duplicated frame cannot move the state backwards.

export type LifecycleInput =
  | { type: "create"; employee: NewEmployee }
  | { type: "update"; patch: { name?: string; tone?: string; skills?: string[] } }
  | { type: "provision" }
  | { type: "restart" }
  | { type: "stop" }
  | { type: "hold"; reason: string }
  | { type: "release" }
  | { type: "remove"; employeeId?: string }
  | { type: "command_result"; nodeId: string; result: CommandResult }
  | { type: "event"; nodeId: string; event: AgentEvent }
  | { type: "inventory"; nodeId: string; instance: Instance }
  | { type: "alarm" }
  | { type: "retry_placement" }
  | { type: "placed"; employeeId: string; nodeId: string | null }
  // Continuations, fed back by a `then` effect:
  | { type: "hold_after_revoke"; reason: string }
  | { type: "stop_after_revoke" }
  | { type: "remove_after_revoke" }
  | { type: "heal" };

export type LifecycleEffect =
  /** Ask the nodes for a slot; the answer comes back as `placed`. */
  | { type: "place" }
  /** Send the command the record's op now waits for (a provision carries a fresh key). */
  | { type: "command"; kind: ContainerCommandType; commandId: string; attempt: number }
  /** Render the workspace again on the node (settings changed). */
  | { type: "configure" }
  | { type: "sync_knowledge" }
  | { type: "revoke_keys"; employeeId: string }
  | { type: "release_slot"; nodeId: string; employeeId: string }
  /** The node removed everything: forget the employee and this object's storage. */
  | { type: "finish_removal" }
  /** Forget an employee whose object never started (its id is all there is). */
  | { type: "forget"; employeeId: string }
  | { type: "then"; input: LifecycleInput }
  | { type: "log"; level: "info" | "warn"; message: string; fields: Record<string, unknown> };

export interface Transition {
  record: EmployeeRecord | undefined;
  effects: LifecycleEffect[];
  refused?: { code: "invalid_state" | "not_found"; message: string };
}

/** Where the lifecycle's randomness comes from: command ids and backoff jitter in [0, 1). */
export interface Entropy {
  id(): string;
  jitter(): number;
}

export const systemEntropy: Entropy = { id: () => crypto.randomUUID(), jitter: Math.random };

export const NOT_FOUND_MESSAGE = "This employee does not exist.";

const none = (record: EmployeeRecord | undefined): Transition => ({ record, effects: [] });
const to = (record: EmployeeRecord | undefined, ...effects: LifecycleEffect[]): Transition => ({
  record,
  effects,
});
const refuse = (record: EmployeeRecord, message: string): Transition => ({
  record,
  effects: [],
  refused: { code: "invalid_state", message },
});
const missing: Transition = {
  record: undefined,
  effects: [],
  refused: { code: "not_found", message: NOT_FOUND_MESSAGE },
};
const then = (input: LifecycleInput): LifecycleEffect => ({ type: "then", input });
const log = (
  level: "info" | "warn",
  message: string,
  fields: Record<string, unknown>,
): LifecycleEffect => ({ type: "log", level, message, fields });

export function transition(
  record: EmployeeRecord | undefined,
  input: LifecycleInput,
  now: number,
  entropy: Entropy = systemEntropy,
): Transition {
  const step = new Steps(now, entropy);
  switch (input.type) {
    case "create":
      return record ? none(record) : step.create(input.employee);
    case "remove":
      if (!record) return { record, effects: input.employeeId ? [forget(input.employeeId)] : [] };
      if (record.status === "removing" && record.op) return none(record);
      return to(
        { ...record, status: "removing", statusReason: null, desired: "gone", op: null },
        { type: "revoke_keys", employeeId: record.id },
        then({ type: "remove_after_revoke" }),
      );
    case "command_result":
      return step.commandResult(record, input.nodeId, input.result);
    case "event":
      return step.event(record, input.nodeId, input.event);
    case "inventory":
      return step.inventory(record, input.nodeId, input.instance);
    case "alarm":
      return step.alarm(record);
    case "retry_placement":
      return record?.status === "provisioning" && !record.nodeId
        ? to(record, { type: "place" })
        : none(record);
    case "placed":
      return step.placed(record, input.employeeId, input.nodeId);
  }
  if (!record) return missing;
  switch (input.type) {
    case "update": {
      const r = { ...record, ...input.patch };
      // OpenClaw reads the workspace afresh: no restart needed.
      return r.nodeId && r.desired !== "gone" ? to(r, { type: "configure" }) : to(r);
    }
    case "provision":
      return step.provision(record);
    case "restart":
      if (allows(record.status, "restart"))
        return step.send(
          { ...record, status: "restarting", statusReason: null, desired: "running", op: null },
          "container.restart",
          1,
          "restarting",
        );
      if (allows(record.status, "provision")) return step.provision(record);
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
        then({ type: "stop_after_revoke" }),
      );
    case "stop_after_revoke":
      return step.stopAfterRevoke(record);
    case "hold":
      // A held employee may not run: its key stops working before anything else changes, so a
      // failed revocation leaves the hold to be retried whole.
      return to(
        record,
        { type: "revoke_keys", employeeId: record.id },
        then({ type: "hold_after_revoke", reason: input.reason }),
      );
    case "hold_after_revoke": {
      const r = { ...record, billingHold: input.reason };
      if (allows(r.status, "stop")) return step.stopWithinHold(r);
      if (allows(r.status, "provision"))
        return to({ ...r, statusReason: input.reason, desired: "stopped" });
      return to(r);
    }
    case "release": {
      if (!record.billingHold) return none(record);
      const r = { ...record, billingHold: null, statusReason: null };
      return r.status === "stopped" || r.status === "none" ? step.provision(r) : to(r);
    }
    case "remove_after_revoke":
      return record.nodeId
        ? step.send(record, "container.remove", 1, "removing")
        : to(record, { type: "finish_removal" });
    case "heal":
      if (record.status !== "unhealthy" || !record.nodeId) return none(record);
      return step.send({ ...record, status: "restarting" }, "container.restart", 1, "restarting");
  }
}

const forget = (employeeId: string): LifecycleEffect => ({ type: "forget", employeeId });

// The transitions that take the time or make ids.
class Steps {
  private readonly now: number;
  private readonly entropy: Entropy;

  constructor(now: number, entropy: Entropy) {
    this.now = now;
    this.entropy = entropy;
  }

  create(input: NewEmployee): Transition {
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
        waitingSince: this.now,
        createdAt: this.now,
        updatedAt: this.now,
      },
      { type: "place" },
    );
  }

  provision(r: EmployeeRecord): Transition {
    if (r.billingHold) return refuse(r, r.billingHold);
    if (!allows(r.status, "provision"))
      return refuse(r, `An employee that is ${r.status} cannot be started.`);
    const next: EmployeeRecord = {
      ...r,
      status: "provisioning",
      statusReason: null,
      desired: "running",
      op: null,
      waitingSince: this.now,
    };
    return next.nodeId
      ? this.send(next, "container.provision", 1, "preparing_workspace")
      : to(next, { type: "place" });
  }

  // A hold stops like a stop does (keys revoked again: a key minted meanwhile goes too).
  stopWithinHold(r: EmployeeRecord): Transition {
    return to(
      { ...r, desired: "stopped" },
      { type: "revoke_keys", employeeId: r.id },
      then({ type: "stop_after_revoke" }),
    );
  }

  stopAfterRevoke(r: EmployeeRecord): Transition {
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
    return this.send(
      { ...r, status: "stopping", statusReason, desired: "stopped", op: null },
      "container.stop",
      1,
      "stopping",
    );
  }

  // Every command carries a fresh id and a deadline; the op is stored before it is sent, so an
  // object that dies right after finds it on its alarm and retries.
  send(r: EmployeeRecord, kind: ContainerCommandType, attempt: number, step: StepId): Transition {
    if (!r.nodeId) throw new Error(`cannot send ${kind}: no node`);
    const commandId = this.entropy.id();
    return to(
      { ...r, step, op: { kind, commandId, attempt, wakeAt: this.now + COMMAND_TIMEOUT_MS[kind] } },
      { type: "command", kind, commandId, attempt },
    );
  }

  commandResult(r: EmployeeRecord | undefined, nodeId: string, result: CommandResult): Transition {
    if (!r || r.nodeId !== nodeId || !r.op || r.op.commandId !== result.id)
      return to(r, log("info", "stale command result ignored", { commandId: result.id, nodeId }));
    const kind = r.op.kind as ContainerCommandType;
    if (!result.ok) return this.failed(r, kind, result.error);
    const containerId = result.data?.containerId ?? r.containerId;
    switch (kind) {
      case "container.provision":
      case "container.start":
      case "container.restart":
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

  event(r: EmployeeRecord | undefined, nodeId: string, event: AgentEvent): Transition {
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
    }
    return none(r);
  }

  // What the node reported on (re)connect: Docker is the source of truth for what runs there.
  inventory(r: EmployeeRecord | undefined, nodeId: string, instance: Instance): Transition {
    if (!r || r.nodeId !== nodeId) return none(r);
    // An operation in progress settles it, and its commands are redelivered.
    if (r.op) return none(r);
    if (r.desired === "running" && r.status === "running" && instance.state !== "running")
      return selfHeal(
        r,
        instance.state === "unhealthy"
          ? "Its health check is failing."
          : `Its container was found ${instance.state} on the server.`,
      );
    if (r.desired === "stopped" && instance.state === "running")
      return this.send({ ...r, status: "stopping", op: null }, "container.stop", 1, "stopping");
    if (instance.containerId && instance.containerId !== r.containerId)
      return to({ ...r, containerId: instance.containerId });
    return none(r);
  }

  alarm(r: EmployeeRecord | undefined): Transition {
    if (!r?.op || r.op.wakeAt > this.now) return none(r);
    if (r.op.kind === "place") return to(r, { type: "place" });
    // A retry whose backoff has passed.
    if (r.op.commandId === null)
      return this.send(r, r.op.kind, r.op.attempt, r.step ?? "preparing_workspace");
    const seconds = Math.round(COMMAND_TIMEOUT_MS[r.op.kind] / 1000);
    return this.failed(r, r.op.kind, {
      code: "timeout",
      message: `The server did not finish within ${seconds} seconds.`,
      retryable: true,
    });
  }

  // What the nodes answered to `place`. Other calls ran while they were asked (a removal, a
  // stop, another placement): a reservation nobody wants any more is given back, or the node
  // would keep a slot (and tell its agent to keep a container) for an employee that is gone.
  placed(r: EmployeeRecord | undefined, employeeId: string, nodeId: string | null): Transition {
    if (r?.desired !== "running" || r.status !== "provisioning" || r.nodeId) {
      return nodeId && nodeId !== r?.nodeId
        ? to(r, { type: "release_slot", nodeId, employeeId })
        : none(r);
    }
    if (nodeId)
      return this.send({ ...r, nodeId, op: null }, "container.provision", 1, "preparing_workspace");
    const waitingSince = r.waitingSince ?? this.now;
    if (this.now - waitingSince > WAIT_FOR_SERVER_TIMEOUT_MS)
      return to({
        ...r,
        status: "error",
        statusReason: `No server had room for ${WAIT_FOR_SERVER_TIMEOUT_MS / 60_000} minutes. Press Start to try again.`,
        step: null,
        op: null,
        waitingSince: null,
      });
    const attempt = r.op?.kind === "place" ? r.op.attempt + 1 : 1;
    const wait = backoff(
      attempt,
      PLACEMENT_RETRY_BASE_MS,
      PLACEMENT_RETRY_MAX_MS,
      this.entropy.jitter(),
    );
    return to({
      ...r,
      step: "waiting_for_server",
      waitingSince,
      op: { kind: "place", commandId: null, attempt, wakeAt: this.now + wait },
    });
  }

  failed(r: EmployeeRecord, kind: ContainerCommandType, error: ResultError): Transition {
    const attempt = r.op?.attempt ?? 1;
    const logged = log("warn", "command failed", {
      type: kind,
      attempt,
      code: error.code,
      error: error.message,
    });
    if (error.retryable && attempt < MAX_COMMAND_ATTEMPTS) {
      const wait = backoff(
        attempt,
        RETRY_BACKOFF_BASE_MS,
        RETRY_BACKOFF_MAX_MS,
        this.entropy.jitter(),
      );
      return to(
        { ...r, op: { kind, commandId: null, attempt: attempt + 1, wakeAt: this.now + wait } },
        logged,
      );
    }
    const retried = error.retryable ? ` (after ${attempt} attempts)` : "";
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
}

// Two steps, seen live: unhealthy (with why), then restarting.
const selfHeal = (r: EmployeeRecord, reason: string): Transition =>
  to({ ...r, status: "unhealthy", statusReason: reason, op: null }, then({ type: "heal" }));

const DESCRIBED: Record<ContainerCommandType, string> = {
  "container.provision": "Starting the employee",
  "container.start": "Starting the employee",
  "container.restart": "Restarting the employee",
  "container.stop": "Stopping the employee",
  "container.remove": "Removing the employee",
};
