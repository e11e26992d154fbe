// Issue 16, "nothing lost", on the real OpenClaw image: a restore in place to an earlier snapshot
// brings that snapshot's memory back after keeping the state it replaces as a pre_restore backup;
// and a marker written into an employee's memory survives its container and disk being removed by
// hand, through a snapshot and a restore asked of the real API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backup } from "../../edge/contract/backup.ts";
import { RESTORE_ALLOWED_FROM } from "../../edge/contract/employee.ts";
import { READY_TIMEOUT_MS } from "../../node-agent/runtime/docker/docker-runtime.ts";
import {
  backupNow,
  type Hired,
  hireOwn,
  listBackups,
  restoreWhenAccepted,
  waitEmployee,
  waitRunning,
} from "./two-node-api.ts";
import {
  REAL_IMAGE,
  startTwoNodes,
  type TestNode,
  type TwoNodeStack,
  waitUntil,
} from "./two-node-stack.ts";

const READY_MS = READY_TIMEOUT_MS.runc;
const RESTORE_MS = READY_MS + 60_000;

let stack: TwoNodeStack;
let ada: Hired;
let node: TestNode;

beforeAll(async () => {
  stack = await startTwoNodes({ image: REAL_IMAGE, memoryMb: 2048, readyTimeoutMs: READY_MS });
  ada = await hireOwn(stack.edgeUrl, "Ada");
  const e = await waitRunning(ada.client, ada.id, READY_MS + 30_000);
  const placed = stack.nodeById(e.node);
  if (!placed) throw new Error(`Ada is on no node of this stack: ${e.node}`);
  node = placed;
}, 600_000);

afterAll(async () => {
  await stack?.stop();
});

// Restored: running again, and saying from which backup ("restored from <time>").
async function restoreAndWait(backup: Backup) {
  const answer = await restoreWhenAccepted(ada.client, ada.id, backup.id);
  expect(answer, JSON.stringify(answer)).toMatchObject({ status: 202 });
  return waitEmployee(
    ada.client,
    ada.id,
    (e) => e.status === "running" && e.restoredFrom === backup.createdAt,
    RESTORE_MS,
    `ran restored from ${backup.createdAt}`,
  );
}

describe("snapshot and restore with the real employee image", { timeout: 600_000 }, () => {
  it("restores in place to an earlier snapshot, keeping what it replaces as pre_restore", async () => {
    node.writeMarker(ada.id, "version one");
    const one = await backupNow(ada.client, ada.id);
    node.writeMarker(ada.id, "version two");
    await restoreAndWait(one);
    expect(node.readMarker(ada.id)).toBe("version one");

    // "A snapshot of now is taken first": version two is a restore point of its own.
    const pre = await waitUntil(
      "a complete pre_restore backup",
      async () =>
        (await listBackups(ada.client, ada.id)).find(
          (b) => b.reason === "pre_restore" && b.status === "complete",
        ),
      30_000,
    );
    await restoreAndWait(pre);
    expect(node.readMarker(ada.id)).toBe("version two");
  });

  it("brings a marker back after the container and its disk are removed by hand", async () => {
    const marker = `remember ${crypto.randomUUID()}`;
    node.writeMarker(ada.id, marker);
    const started = Date.now();
    const backup = await backupNow(ada.client, ada.id);
    console.log(
      `snapshot of the real employee: ${backup.sizeBytes} bytes, ${backup.storedBytes} stored, ${Date.now() - started} ms`,
    );
    expect(backup).toMatchObject({ status: "complete", reason: "manual", error: null });
    expect(backup.sizeBytes).toBeGreaterThan(0);
    expect(backup.openclawVersion).toMatch(/^\d{4}\.\d+\.\d+/);

    node.removeByHand(ada.id);
    expect(node.containerState(ada.id)).toBeNull();
    // The lifecycle notices the container is gone; a restore is accepted once it settles.
    await waitEmployee(
      ada.client,
      ada.id,
      (e) => RESTORE_ALLOWED_FROM.includes(e.status),
      RESTORE_MS,
      `settled into one of ${RESTORE_ALLOWED_FROM.join("/")}`,
    );

    const t0 = Date.now();
    const restored = await restoreAndWait(backup);
    console.log(`restore after the disk was lost: ${Date.now() - t0} ms to running`);
    const on = stack.nodeById(restored.node);
    if (!on) throw new Error("restored onto no node of this stack");
    expect(on.containerState(ada.id)).toBe("running");
    expect(on.readMarker(ada.id)).toBe(marker);
  });
});
