// Issue 16, "a corrupted snapshot is detected by its checksum and refused; a restore that fails
// leaves the employee as it was": bytes of a snapshot are flipped where the local R2 keeps them
// (two-node-r2.ts), in its manifest and in one of its packs, and the restore is asked through the
// real API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backup } from "../../edge/contract/backup.ts";
import {
  backupNow,
  type Hired,
  hireOwn,
  listBackups,
  requestRestore,
  waitEmployee,
  waitRunning,
} from "./two-node-api.ts";
import { flipByte, r2Objects } from "./two-node-r2.ts";
import { startTwoNodes, type TestNode, type TwoNodeStack } from "./two-node-stack.ts";

const RESTORE_MS = 120_000;
const FILES = ["a.bin", "b.bin", "c.bin"].map((f) => `/data/workspace/files/${f}`);

let stack: TwoNodeStack;
let ada: Hired;
let node: TestNode;

beforeAll(async () => {
  stack = await startTwoNodes();
  ada = await hireOwn(stack.edgeUrl, "Ada");
  const e = await waitRunning(ada.client, ada.id);
  const on = stack.nodeById(e.node);
  if (!on) throw new Error("Ada is on no node of this stack");
  node = on;
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

const objectsOf = (backupOrEmployee: string, kind: "manifest" | "pack") =>
  r2Objects(
    stack.edge.persistDir,
    (key) => key.includes(ada.id) && key.includes(kind) && key.includes(backupOrEmployee),
  );

const sums = () =>
  node.exec(ada.id, "sh", "-c", 'md5sum "$@" 2>/dev/null || busybox md5sum "$@"', "sh", ...FILES);

// What became of a restore that must not happen: refused at once (4xx snapshot_corrupt), or
// accepted and then failed while fetching, with the employee running its old state again.
async function refusedOrRolledBack(backup: Backup): Promise<string> {
  const answer = await requestRestore(ada.client, ada.id, backup.id);
  if (answer.status !== 202) {
    expect(answer).toMatchObject({ code: "snapshot_corrupt" });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    return `refused: ${answer.status} ${answer.code}`;
  }
  const e = await waitEmployee(
    ada.client,
    ada.id,
    (x) => x.status !== "restoring" && x.step === null,
    RESTORE_MS,
    "finished the restore attempt",
  );
  expect(e.status).toBe("running");
  expect(e.restoredFrom ?? null).not.toBe(backup.createdAt);
  return `rolled back: ${e.statusReason}`;
}

describe("a damaged snapshot", { timeout: 300_000 }, () => {
  it("is refused when its manifest was tampered with, and the employee keeps its state", async () => {
    node.writeMarker(ada.id, "kept");
    const backup = await backupNow(ada.client, ada.id);
    const [manifest] = objectsOf(backup.id, "manifest");
    expect(manifest, "the snapshot's manifest object in the local R2").toBeDefined();
    if (!manifest) return;
    flipByte(manifest, Math.floor(manifest.size / 2));

    const answer = await requestRestore(ada.client, ada.id, backup.id);
    expect(answer).toMatchObject({ code: "snapshot_corrupt" });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect((await waitRunning(ada.client, ada.id, 10_000)).status).toBe("running");
    expect(node.readMarker(ada.id)).toBe("kept");
  });

  it("that fails halfway through a restore leaves the old state", async () => {
    // Several MiB of random bytes: many chunks, in a pack of this snapshot's own.
    for (const f of FILES) node.writeRandom(ada.id, f, 4);
    node.writeMarker(ada.id, "old");
    const before = await backupNow(ada.client, ada.id);
    node.writeMarker(ada.id, "current");
    const current = sums();

    const packs = objectsOf(ada.id, "pack").sort((x, y) => y.size - x.size);
    const pack = packs[0];
    expect(pack, "a pack of this employee in the local R2").toBeDefined();
    if (!pack) return;
    expect(pack.size).toBeGreaterThan(8 * 1024 * 1024);
    // Late in the pack: the restore has fetched and written some chunks when it meets this one.
    flipByte(pack, Math.floor(pack.size * 0.75));

    const outcome = await refusedOrRolledBack(before);
    console.log(`restore of a snapshot with a flipped pack byte: ${outcome}`);
    expect(node.containerState(ada.id)).toBe("running");
    expect(node.readMarker(ada.id)).toBe("current");
    expect(sums()).toBe(current);
    const listed = (await listBackups(ada.client, ada.id)).find((b) => b.id === before.id);
    console.log(`the damaged backup is now listed as ${listed?.status} (${listed?.error})`);
  });
});
