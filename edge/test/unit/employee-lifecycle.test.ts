import { beforeEach, describe, expect, it } from "vitest";
import {
  type Entropy,
  type LifecycleEffect,
  type LifecycleInput,
  type Transition,
  transition,
} from "../../objects/employee-lifecycle.ts";
import type { EmployeeRecord } from "../../objects/employee-record.ts";
import {
  COMMAND_TIMEOUT_MS,
  MAX_COMMAND_ATTEMPTS,
  PLACEMENT_RETRY_BASE_MS,
  RETRY_BACKOFF_BASE_MS,
  WAIT_FOR_SERVER_TIMEOUT_MS,
} from "../../objects/employee-timeouts.ts";

// The lifecycle as plain functions: a record, an input, a clock; no workerd, no storage.

const T0 = Date.UTC(2026, 0, 1);
let clock = T0;
let ids = 0;
// A draw of 1 makes a backoff exactly its capped nominal wait (the top of its equal-jitter range).
const entropy: Entropy = { id: () => `cmd-${++ids}`, jitter: () => 1 };
const advance = (ms: number) => {
  clock += ms;
};

beforeEach(() => {
  clock = T0;
  ids = 0;
});

const step = (record: EmployeeRecord | undefined, input: LifecycleInput): Transition =>
  transition(record, input, clock, entropy);

// Applies an input and the continuations it asks for (as the EmployeeDO does), returning the
// record and every effect other than the continuations.
function run(record: EmployeeRecord | undefined, input: LifecycleInput) {
  const out = step(record, input);
  let r = out.record;
  const effects: LifecycleEffect[] = [];
  for (const e of out.effects) {
    if (e.type !== "then") {
      effects.push(e);
      continue;
    }
    const next = run(r, e.input);
    r = next.record;
    effects.push(...next.effects);
  }
  return { record: r, effects, refused: out.refused };
}

const kinds = (effects: LifecycleEffect[]) => effects.map((e) => e.type);
const commands = (effects: LifecycleEffect[]) =>
  effects.flatMap((e) => (e.type === "command" ? [e.kind] : []));
const must = (r: EmployeeRecord | undefined): EmployeeRecord => {
  if (!r) throw new Error("expected a record");
  return r;
};

const hire = () =>
  must(
    step(undefined, {
      type: "create",
      employee: {
        id: "e1",
        accountId: "u1",
        name: "Lin",
        role: "executive-assistant",
        tone: "friendly",
        skills: [],
      },
    }).record,
  );

// Hired, placed on node n1, provision sent.
const placed = () => must(step(hire(), { type: "placed", employeeId: "e1", nodeId: "n1" }).record);

// Running on n1.
function running(): EmployeeRecord {
  const r = placed();
  return must(
    step(r, {
      type: "command_result",
      nodeId: "n1",
      result: { id: r.op?.commandId ?? "", ok: true },
    }).record,
  );
}

describe("hiring and placement", () => {
  it("starts provisioning, looking for a server, and is created once", () => {
    const out = step(undefined, {
      type: "create",
      employee: { id: "e1", accountId: "u1", name: "Lin", role: "r", tone: "t", skills: [] },
    });
    expect(out.record).toMatchObject({
      status: "provisioning",
      step: "finding_server",
      desired: "running",
      nodeId: null,
      waitingSince: T0,
      createdAt: T0,
    });
    expect(kinds(out.effects)).toEqual(["place"]);
    const again = step(out.record, {
      type: "create",
      employee: { id: "e1", accountId: "u1", name: "Other", role: "r", tone: "t", skills: [] },
    });
    expect(again.record).toBe(out.record);
    expect(again.effects).toEqual([]);
  });

  it("sends the provision with a fresh id and a deadline once a node has room", () => {
    advance(1000);
    const out = step(hire(), { type: "placed", employeeId: "e1", nodeId: "n1" });
    expect(out.record).toMatchObject({
      nodeId: "n1",
      step: "preparing_workspace",
      op: {
        kind: "container.provision",
        commandId: "cmd-1",
        attempt: 1,
        wakeAt: clock + COMMAND_TIMEOUT_MS["container.provision"],
      },
    });
    expect(out.effects).toEqual([
      { type: "command", kind: "container.provision", commandId: "cmd-1", attempt: 1 },
    ]);
  });

  it("waits visibly for a server, looks again on its alarm, and gives up after the wait", () => {
    let r = must(step(hire(), { type: "placed", employeeId: "e1", nodeId: null }).record);
    expect(r).toMatchObject({
      step: "waiting_for_server",
      op: { kind: "place", attempt: 1, wakeAt: T0 + PLACEMENT_RETRY_BASE_MS },
    });
    advance(PLACEMENT_RETRY_BASE_MS - 1);
    expect(step(r, { type: "alarm" }).effects).toEqual([]); // not yet
    advance(1);
    expect(kinds(step(r, { type: "alarm" }).effects)).toEqual(["place"]);
    r = must(step(r, { type: "placed", employeeId: "e1", nodeId: null }).record);
    expect(r.op).toMatchObject({ kind: "place", attempt: 2 });

    advance(WAIT_FOR_SERVER_TIMEOUT_MS);
    const out = step(r, { type: "placed", employeeId: "e1", nodeId: null });
    expect(out.record).toMatchObject({
      status: "error",
      statusReason: "No server had room for 15 minutes. Press Start to try again.",
      op: null,
      waitingSince: null,
    });
  });

  it("gives back a slot reserved after the employee was stopped or fired", () => {
    const stopped = run(hire(), { type: "stop" }).record;
    expect(stopped?.status).toBe("stopped");
    expect(step(stopped, { type: "placed", employeeId: "e1", nodeId: "n1" }).effects).toEqual([
      { type: "release_slot", nodeId: "n1", employeeId: "e1" },
    ]);
    // Fired and forgotten: there is no record any more, the slot still goes back.
    expect(step(undefined, { type: "placed", employeeId: "e1", nodeId: "n1" }).effects).toEqual([
      { type: "release_slot", nodeId: "n1", employeeId: "e1" },
    ]);
  });
});

describe("commands, results and time", () => {
  it("runs once the provision succeeds, then syncs its knowledge", () => {
    const r = placed();
    const out = step(r, {
      type: "command_result",
      nodeId: "n1",
      result: {
        id: "cmd-1",
        ok: true,
        data: { employeeId: "e1", containerId: "c1", state: "running" },
      },
    });
    expect(out.record).toMatchObject({
      status: "running",
      step: null,
      op: null,
      containerId: "c1",
    });
    expect(kinds(out.effects)).toEqual(["sync_knowledge"]);
  });

  it("ignores a result that is late, duplicated or from another node", () => {
    const r = running();
    for (const input of [
      { type: "command_result", nodeId: "n1", result: { id: "cmd-1", ok: true } },
      { type: "command_result", nodeId: "n2", result: { id: "cmd-9", ok: true } },
    ] as const) {
      const out = step(r, input);
      expect(out.record).toBe(r);
      expect(kinds(out.effects)).toEqual(["log"]);
    }
    // The first provision timed out and was sent again: its late answer is not the op's.
    advance(COMMAND_TIMEOUT_MS["container.provision"]);
    const retrying = must(step(placed(), { type: "alarm" }).record);
    advance(RETRY_BACKOFF_BASE_MS);
    const resent = must(step(retrying, { type: "alarm" }).record);
    expect(resent.op?.commandId).not.toBe("cmd-1");
    const late = step(resent, {
      type: "command_result",
      nodeId: "n1",
      result: { id: "cmd-1", ok: true },
    });
    expect(late.record).toBe(resent);
  });

  it("retries a command past its deadline with backoff and a new id, then ends in error", () => {
    let r = placed();
    const sent = [r.op?.commandId];
    for (let attempt = 2; attempt <= MAX_COMMAND_ATTEMPTS; attempt++) {
      advance(COMMAND_TIMEOUT_MS["container.provision"] - 1);
      expect(step(r, { type: "alarm" }).record).toBe(r); // the deadline has not passed
      advance(1);
      r = must(step(r, { type: "alarm" }).record);
      expect(r.op).toMatchObject({ commandId: null, attempt });
      expect(r.op?.wakeAt).toBe(clock + RETRY_BACKOFF_BASE_MS * 2 ** (attempt - 2));
      advance((r.op?.wakeAt ?? 0) - clock);
      const resent = step(r, { type: "alarm" });
      r = must(resent.record);
      expect(commands(resent.effects)).toEqual(["container.provision"]);
      sent.push(r.op?.commandId);
    }
    expect(new Set(sent).size).toBe(MAX_COMMAND_ATTEMPTS);
    advance(COMMAND_TIMEOUT_MS["container.provision"]);
    const failed = step(r, { type: "alarm" }).record;
    expect(failed).toMatchObject({ status: "error", op: null });
    const seconds = COMMAND_TIMEOUT_MS["container.provision"] / 1000;
    expect(failed?.statusReason).toMatch(
      new RegExp(`did not finish within ${seconds} seconds.*after 3 attempts.*Start`),
    );
  });

  it("ends at once in error on a failure that is not worth retrying", () => {
    const out = step(placed(), {
      type: "command_result",
      nodeId: "n1",
      result: {
        id: "cmd-1",
        ok: false,
        error: { code: "bad_spec", message: "No", retryable: false },
      },
    });
    expect(out.record).toMatchObject({
      status: "error",
      statusReason: "Starting the employee failed: No. Press Start to try again.",
    });
  });
});

describe("the customer's verbs", () => {
  it("stops by revoking the key first, then telling the node", () => {
    const out = step(running(), { type: "stop" });
    expect(out.record?.desired).toBe("stopped");
    expect(out.record?.status).toBe("running");
    expect(out.effects.map((e) => e.type)).toEqual(["revoke_keys", "then"]);
    const done = run(running(), { type: "stop" });
    expect(done.record).toMatchObject({ status: "stopping", step: "stopping" });
    expect(commands(done.effects)).toEqual(["container.stop"]);
  });

  it("stops at once while still waiting for a server", () => {
    const r = must(step(hire(), { type: "placed", employeeId: "e1", nodeId: null }).record);
    const out = run(r, { type: "stop" });
    expect(out.record).toMatchObject({ status: "stopped", op: null, waitingSince: null });
    expect(commands(out.effects)).toEqual([]);
  });

  it("refuses what the status does not allow, changing nothing", () => {
    const r = must(run(running(), { type: "stop" }).record); // stopping
    for (const type of ["stop", "restart", "provision"] as const) {
      const out = step(r, { type });
      expect(out.refused?.code).toBe("invalid_state");
      expect(out.record).toBe(r);
      expect(out.effects).toEqual([]);
    }
    expect(step(undefined, { type: "provision" }).refused?.code).toBe("not_found");
  });

  it("holds for billing: keys first, then stopped with the reason, and Start refused until released", () => {
    const out = step(running(), { type: "hold", reason: "The trial is over." });
    expect(out.record).toEqual(running()); // nothing changes before the keys are revoked
    expect(kinds(out.effects)).toEqual(["revoke_keys", "then"]);
    const held = must(run(running(), { type: "hold", reason: "The trial is over." }).record);
    expect(held).toMatchObject({ status: "stopping", statusReason: "The trial is over." });
    const stopped = must(
      step(held, {
        type: "command_result",
        nodeId: "n1",
        result: { id: held.op?.commandId ?? "", ok: true },
      }).record,
    );
    expect(stopped).toMatchObject({ status: "stopped", statusReason: "The trial is over." });
    expect(step(stopped, { type: "provision" }).refused?.message).toBe("The trial is over.");
    const released = run(stopped, { type: "release" });
    expect(released.record).toMatchObject({ status: "provisioning", billingHold: null });
    expect(commands(released.effects)).toEqual(["container.provision"]);
  });

  it("fires: removing, keys revoked, the node removes, then the object forgets", () => {
    const out = run(running(), { type: "remove" });
    expect(out.record).toMatchObject({ status: "removing", desired: "gone", step: "removing" });
    expect(kinds(out.effects)).toEqual(["revoke_keys", "command"]);
    const removed = step(out.record, {
      type: "command_result",
      nodeId: "n1",
      result: { id: out.record?.op?.commandId ?? "", ok: true },
    });
    expect(kinds(removed.effects)).toEqual(["finish_removal"]);
    // Never placed: nothing to tell a node.
    expect(kinds(run(hire(), { type: "remove" }).effects)).toEqual([
      "revoke_keys",
      "finish_removal",
    ]);
    // An object that never started forgets the employee by its id.
    expect(step(undefined, { type: "remove", employeeId: "e9" }).effects).toEqual([
      { type: "forget", employeeId: "e9" },
    ]);
  });

  it("renders settings on the node without a restart", () => {
    const out = step(running(), { type: "update", patch: { tone: "formal" } });
    expect(out.record?.tone).toBe("formal");
    expect(kinds(out.effects)).toEqual(["configure"]);
  });
});

describe("what the node reports", () => {
  it("heals itself: unhealthy (seen with its reason), then restarting", () => {
    const event = {
      type: "container.health_changed",
      employeeId: "e1",
      containerId: "c1",
      health: "unhealthy",
    } as const;
    const out = step(running(), { type: "event", nodeId: "n1", event });
    expect(out.record).toMatchObject({
      status: "unhealthy",
      statusReason: "Its health check is failing.",
    });
    expect(out.effects).toEqual([{ type: "then", input: { type: "heal" } }]);
    const healed = run(running(), { type: "event", nodeId: "n1", event });
    expect(healed.record).toMatchObject({ status: "restarting", step: "restarting" });
    expect(commands(healed.effects)).toEqual(["container.restart"]);
  });

  it("follows Docker on reconnect: stops a container that should be stopped", () => {
    const r = { ...running(), desired: "stopped" as const };
    const out = step(r, {
      type: "inventory",
      nodeId: "n1",
      instance: { employeeId: "e1", containerId: "c1", state: "running" },
    });
    expect(out.record).toMatchObject({ status: "stopping" });
    expect(commands(out.effects)).toEqual(["container.stop"]);
    // An operation in progress settles it instead.
    expect(
      step(placed(), {
        type: "inventory",
        nodeId: "n1",
        instance: { employeeId: "e1", containerId: null, state: "missing" },
      }).effects,
    ).toEqual([]);
  });

  it("does not listen to a node the employee is not placed on", () => {
    const r = running();
    const out = step(r, {
      type: "event",
      nodeId: "n2",
      event: { type: "container.stopped", employeeId: "e1", containerId: "c1", exitCode: 1 },
    });
    expect(out.record).toBe(r);
    expect(kinds(out.effects)).toEqual(["log"]);
  });
});
