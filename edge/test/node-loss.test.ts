import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { employeeStub } from "../objects/stubs.ts";
import type { EdgeFrame } from "../protocol/frames.ts";
import {
  AGENT_SELF_FENCE_MS,
  DRAIN_PARALLEL,
  NODE_LOST_TIMEOUT_MS,
} from "../protocol/snapshot-timeouts.ts";
import { nodeObject } from "./clocks.ts";
import { createNode, FakeAgent } from "./fake-agent.ts";
import { removeAllEmployees } from "./helpers.ts";
import { AnsweringAgent, person, runningEmployee, until } from "./lifecycle-helpers.ts";

// Node loss and drain (issue 16) against the real NodeDO and EmployeeDO, with scripted agents.

const open: { close(): void }[] = [];
afterEach(async () => {
  for (const a of open.splice(0)) a.close();
  await removeAllEmployees();
});

const nodeStatus = async (id: string) =>
  (
    await env.DB.prepare("SELECT status FROM nodes WHERE id = ?")
      .bind(id)
      .first<{ status: string }>()
  )?.status;

const employeeRow = (id: string) =>
  env.DB.prepare(
    "SELECT status, node_id AS nodeId, generation, restored_from AS restoredFrom FROM employees WHERE id = ?",
  )
    .bind(id)
    .first<{
      status: string;
      nodeId: string | null;
      generation: number;
      restoredFrom: number | null;
    }>();

async function answering(): Promise<{ id: string; agent: AnsweringAgent }> {
  const node = await createNode();
  const agent = await AnsweringAgent.connect(node.token);
  open.push(agent);
  return { id: node.id, agent };
}

async function goneSilent(nodeId: string, agent: { close(): void }) {
  agent.close();
  const object = nodeObject(nodeId);
  await until(async () => (await object.status()).offlineSince !== null, "the node offline");
  return object;
}

describe("a node whose agent is gone", () => {
  it("is lost after NODE_LOST_TIMEOUT_MS, and not before", async () => {
    const { id, agent } = await answering();
    const object = await goneSilent(id, agent);
    expect(await nodeStatus(id)).toBe("offline");
    await object.advanceClock(NODE_LOST_TIMEOUT_MS - 1_000);
    expect(await runDurableObjectAlarm(object)).toBe(true);
    expect(await nodeStatus(id)).toBe("offline");
    await object.advanceClock(1_000);
    expect(await runDurableObjectAlarm(object)).toBe(true);
    expect(await nodeStatus(id)).toBe("lost");
  });

  it("is not lost when its agent says hello again before then", async () => {
    const node = await createNode();
    const first = await FakeAgent.connect(node.token);
    const object = await goneSilent(node.id, first);
    await object.advanceClock(NODE_LOST_TIMEOUT_MS - 1_000);
    const again = await FakeAgent.connect(node.token);
    open.push(again);
    expect((await object.status()).offlineSince).toBeNull();
    await object.advanceClock(NODE_LOST_TIMEOUT_MS);
    // It keeps talking (its heartbeat is heard at the object's moved clock).
    again.send({ type: "heartbeat", capacity: { slots: 4, memoryMb: 8192 }, running: 0 });
    await again.next("heartbeat.ack");
    await again.next("heartbeat.ack");
    await runDurableObjectAlarm(object);
    expect(await nodeStatus(node.id)).toBe("online");
  });

  it("answers every heartbeat with a lease", async () => {
    const node = await createNode();
    const agent = await FakeAgent.connect(node.token);
    open.push(agent);
    expect((await agent.next("heartbeat.ack")).leaseMs).toBe(AGENT_SELF_FENCE_MS);
    agent.send({ type: "heartbeat", capacity: { slots: 4, memoryMb: 8192 }, running: 0 });
    expect((await agent.next("heartbeat.ack")).leaseMs).toBe(AGENT_SELF_FENCE_MS);
  });

  it("has its employee restored on another node from the latest snapshot, under a new generation", async () => {
    const owner = await person("node-lost");
    const a = await answering();
    const id = await runningEmployee(owner.accountId, "Lin");
    expect((await employeeRow(id))?.nodeId).toBe(a.id);
    const backup = await employeeStub(env, id).requestBackup("manual");
    if (!backup.ok) throw new Error(backup.message);
    await until(async () => {
      const row = await env.DB.prepare("SELECT status FROM snapshots WHERE id = ?")
        .bind(backup.backup.id)
        .first<{ status: string }>();
      return row?.status === "complete";
    }, "the backup complete");
    const taken = await env.DB.prepare("SELECT created_at AS at FROM snapshots WHERE id = ?")
      .bind(backup.backup.id)
      .first<{ at: number }>();

    const b = await answering();
    const object = await goneSilent(a.id, a.agent);
    await object.advanceClock(NODE_LOST_TIMEOUT_MS);
    await runDurableObjectAlarm(object);

    await until(async () => (await employeeRow(id))?.status === "running", "running on B", 10_000);
    expect(await employeeRow(id)).toEqual({
      status: "running",
      nodeId: b.id,
      generation: 2,
      restoredFrom: taken?.at,
    });
    const restore = b.agent.commands.find((c) => c.type === "container.restore") as Extract<
      EdgeFrame,
      { type: "container.restore" }
    >;
    expect(restore).toMatchObject({
      employeeId: id,
      snapshotId: backup.backup.id,
      mode: "fresh",
      generation: 2,
    });
    expect(restore.spec.llm?.apiKey).toBeTruthy();
    expect((await employeeStub(env, id).view())?.restoredFrom).toBe(
      new Date(taken?.at ?? 0).toISOString(),
    );
    expect((await nodeObject(a.id).status()).placements).toEqual([]);
  });
});

describe("a draining node", () => {
  it("refuses new placements until it is undrained", async () => {
    const { id } = await answering();
    const object = nodeObject(id);
    await env.DB.prepare("UPDATE nodes SET draining_at = ? WHERE id = ?")
      .bind(Date.now(), id)
      .run();
    await object.drainChanged();
    expect(await object.reserve("someone", 1)).toBe(false);
    expect((await object.status()).draining).toBe(true);
    await env.DB.prepare("UPDATE nodes SET draining_at = NULL WHERE id = ?").bind(id).run();
    await object.drainChanged();
    expect(await object.reserve("someone", 1)).toBe(true);
    await object.release("someone");
  });

  it(`moves its employees off ${DRAIN_PARALLEL} at a time`, async () => {
    const owner = await person("drain");
    const a = await answering();
    const ids = [
      await runningEmployee(owner.accountId, "One"),
      await runningEmployee(owner.accountId, "Two"),
      await runningEmployee(owner.accountId, "Three"),
    ];
    a.agent.holding.add("snapshot.create");
    const b = await answering();
    await env.DB.prepare("UPDATE nodes SET draining_at = ? WHERE id = ?")
      .bind(Date.now(), a.id)
      .run();
    await nodeObject(a.id).drainChanged();
    await until(() => a.agent.held.length === DRAIN_PARALLEL, "the first snapshots");
    await new Promise((r) => setTimeout(r, 300));
    expect(a.agent.held).toHaveLength(DRAIN_PARALLEL);
    for (const f of a.agent.held) expect(f).toMatchObject({ kind: "final", stopFirst: true });

    // Each move that finishes lets the next one start.
    let answered = 0;
    while (answered < ids.length) {
      await until(() => a.agent.held.length > answered, `snapshot ${answered + 1}`, 10_000);
      const frame = a.agent.held[answered] as Extract<EdgeFrame, { type: "snapshot.create" }>;
      await a.agent.agent.completeSnapshot(frame);
      answered++;
    }
    for (const id of ids)
      await until(
        async () => {
          const row = await employeeRow(id);
          return row?.nodeId === b.id && row.status === "running";
        },
        "running on B",
        10_000,
      );
    await until(async () => (await nodeObject(a.id).status()).placements.length === 0, "A empty");
    expect(a.agent.count("container.remove")).toBe(ids.length);
    expect(b.agent.count("container.restore")).toBe(ids.length);
  });
});
