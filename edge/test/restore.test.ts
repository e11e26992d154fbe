import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { employeeStub } from "../objects/stubs.ts";
import type { EdgeFrame } from "../protocol/frames.ts";
import { createNode } from "./fake-agent.ts";
import { removeAllEmployees } from "./helpers.ts";
import {
  AnsweringAgent,
  person,
  runningEmployee,
  seedEmployee,
  until,
} from "./lifecycle-helpers.ts";

// Backups and restores in place (issue 16) through the EmployeeDO's RPCs, with a scripted agent
// that plays the snapshot store's part (the catalogue row sealed as the manifest PUT would).

type SnapshotCreate = Extract<EdgeFrame, { type: "snapshot.create" }>;
type Restore = Extract<EdgeFrame, { type: "container.restore" }>;

let agent: AnsweringAgent | undefined;
afterEach(async () => {
  agent?.close();
  agent = undefined;
  await removeAllEmployees();
});

async function setUp(tag: string) {
  const owner = await person(tag);
  const node = await createNode();
  agent = await AnsweringAgent.connect(node.token);
  const id = await runningEmployee(owner.accountId, "Lin");
  return { owner, agent, id, stub: employeeStub(env, id) };
}

const snapshotRow = (id: string) =>
  env.DB.prepare("SELECT status, kind, created_at AS createdAt FROM snapshots WHERE id = ?")
    .bind(id)
    .first<{ status: string; kind: string; createdAt: number }>();

async function completeBackup(stub: ReturnType<typeof employeeStub>) {
  const backup = await stub.requestBackup("manual");
  if (!backup.ok) throw new Error(backup.message);
  await until(async () => (await snapshotRow(backup.backup.id))?.status === "complete", "sealed");
  return backup.backup;
}

describe("backups", () => {
  it("answers a second request with the one in flight, and is refused without a server", async () => {
    const { owner, agent: a, stub } = await setUp("backup-once");
    a.holding.add("snapshot.create");
    const first = await stub.requestBackup("manual");
    const second = await stub.requestBackup("manual");
    if (!first.ok || !second.ok) throw new Error("backup refused");
    expect(second.backup.id).toBe(first.backup.id);
    expect(first.backup).toMatchObject({ status: "pending", reason: "manual" });
    await until(() => a.held.length === 1, "snapshot.create");
    expect(a.held[0]).toMatchObject({ snapshotId: first.backup.id, stopFirst: false });
    // Still running while it is taken.
    expect((await stub.view())?.status).toBe("running");
    await a.agent.completeSnapshot(a.held[0] as SnapshotCreate);
    await until(async () => (await snapshotRow(first.backup.id))?.status === "complete", "sealed");

    // An employee still waiting for a server has no disk to back up.
    a.close();
    const waiting = await seedEmployee(owner.accountId, { name: "Wai" });
    const refused = await employeeStub(env, waiting).requestBackup("manual");
    expect(refused).toMatchObject({ ok: false, code: "invalid_state" });
  });
});

describe("restore in place", () => {
  it("backs up now first, restores, and shows the time restored from", async () => {
    const { agent: a, stub, id } = await setUp("restore-ok");
    const backup = await completeBackup(stub);
    a.holding.add("snapshot.create");
    const asked = await stub.requestRestore(backup.id);
    expect(asked).toMatchObject({
      ok: true,
      employee: { status: "restoring", step: "taking_snapshot" },
    });
    await until(() => a.held.length === 1, "the snapshot of now");
    const pre = a.held[0] as SnapshotCreate;
    expect(pre.kind).toBe("pre_restore");
    await a.agent.completeSnapshot(pre);
    await until(() => a.count("container.restore", id) === 1, "container.restore");
    const restore = a.commands.find((c) => c.type === "container.restore") as Restore;
    expect(restore).toMatchObject({ snapshotId: backup.id, mode: "in_place", generation: 1 });
    await until(async () => (await stub.view())?.status === "running", "running");
    const created = (await snapshotRow(backup.id))?.createdAt ?? 0;
    expect((await stub.view())?.restoredFrom).toBe(new Date(created).toISOString());
    expect(await snapshotRow(pre.snapshotId)).toMatchObject({
      status: "complete",
      kind: "pre_restore",
    });
    // A person's restart clears it.
    await stub.restart();
    await until(async () => (await stub.view())?.status === "running", "restarted");
    expect((await stub.view())?.restoredFrom).toBeUndefined();
  });

  it("a restore that rolled back leaves it running as before, saying so", async () => {
    const { agent: a, stub } = await setUp("restore-rollback");
    const backup = await completeBackup(stub);
    a.holding.add("container.restore");
    const asked = await stub.requestRestore(backup.id);
    expect(asked.ok).toBe(true);
    await until(() => a.held.length === 1, "container.restore");
    a.agent.completeRestore(a.held[0] as Restore, {
      fail: "a chunk was missing",
      rolledBack: true,
    });
    await until(async () => (await stub.view())?.status === "running", "running again");
    expect((await stub.view())?.statusReason).toMatch(/nothing changed: a chunk was missing/);
  });

  it("refuses another employee's, an unfinished and a corrupt snapshot", async () => {
    const { owner, agent: a, stub } = await setUp("restore-refused");
    const other = await runningEmployee(owner.accountId, "Other");
    const theirs = await completeBackup(employeeStub(env, other));
    expect(await stub.requestRestore(theirs.id)).toMatchObject({ ok: false, code: "not_found" });
    expect(await stub.requestRestore("no-such-backup")).toMatchObject({
      ok: false,
      code: "not_found",
    });

    a.holding.add("snapshot.create");
    const pending = await stub.requestBackup("manual");
    if (!pending.ok) throw new Error(pending.message);
    expect(await stub.requestRestore(pending.backup.id)).toMatchObject({
      ok: false,
      code: "invalid_state",
    });
    await until(() => a.held.length === 1, "snapshot.create");
    await a.agent.completeSnapshot(a.held[0] as SnapshotCreate);
    await until(
      async () => (await snapshotRow(pending.backup.id))?.status === "complete",
      "sealed",
    );
    // Its manifest's digest is gone: the check refuses it.
    await env.DB.prepare("UPDATE snapshots SET manifest_sha256 = NULL WHERE id = ?")
      .bind(pending.backup.id)
      .run();
    expect(await stub.requestRestore(pending.backup.id)).toMatchObject({
      ok: false,
      code: "snapshot_corrupt",
    });
    expect((await stub.view())?.status).toBe("running");
  });
});
