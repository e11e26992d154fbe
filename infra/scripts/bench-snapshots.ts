// `npm run bench` (from bench.ts), issue 16's figures: measures and prints; asserts nothing.
//  (1) a full snapshot of a 1 GiB workspace (random bytes: nothing to compress or deduplicate)
//  (2) an incremental snapshot after a small change: its stored size and time
//  (3) a restore in place to the full one: a pre_restore snapshot of now, the fetch of every
//      chunk to a staging disk, the swap, the start, healthy
//  (4) the RTO: the node powered off → the employee running on the other node from its latest
//      snapshot (a fresh restore of the whole volume there)
// On loopback: two real agents, each with its own Docker engine, and wrangler dev's local R2
// (two-node-stack.ts). BENCH_SNAPSHOT_IMAGE=test uses the test image (faster starts).
import { execFileSync } from "node:child_process";
import path from "node:path";
import {
  NODE_LOST_TIMEOUT_MS,
  SNAPSHOT_INTERVAL_MS,
} from "../../edge/protocol/snapshot-timeouts.ts";
import { READY_TIMEOUT_MS } from "../../node-agent/runtime/docker/docker-runtime.ts";
import { root, TEST_IMAGE } from "../tests/stack.ts";
import {
  backupNow,
  hireOwn,
  restoreWhenAccepted,
  waitEmployee,
  waitRunning,
} from "../tests/two-node-api.ts";
import { REAL_IMAGE, startTwoNodes } from "../tests/two-node-stack.ts";

const GIB = 1024 ** 3;
const MB = 1e6;
const VOLUME_MIB = Number(process.env.BENCH_SNAPSHOT_MIB ?? 1024);
const image = process.env.BENCH_SNAPSHOT_IMAGE === "test" ? TEST_IMAGE : REAL_IMAGE;
const READY_MS = READY_TIMEOUT_MS.runc;
const LONG_MS = 15 * 60_000;

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const rate = (bytes: number, ms: number) => `${(bytes / MB / (ms / 1000)).toFixed(1)} MB/s`;
const size = (bytes: number) =>
  bytes >= GIB ? `${(bytes / GIB).toFixed(2)} GiB` : `${(bytes / 1024 ** 2).toFixed(2)} MiB`;

execFileSync("bash", [path.join(root, "infra/scripts/ensure-docker.sh")], { stdio: "inherit" });
execFileSync(
  "bash",
  [
    path.join(
      root,
      image === TEST_IMAGE
        ? "infra/scripts/build-test-image.sh"
        : "infra/scripts/build-employee-image.sh",
    ),
  ],
  { stdio: ["ignore", "ignore", "inherit"] },
);
const stack = await startTwoNodes({
  image,
  memoryMb: image === TEST_IMAGE ? 256 : 2048,
  readyTimeoutMs: READY_MS,
});
try {
  const { id, client } = await hireOwn(stack.edgeUrl, "Bench");
  let node = stack.nodeById((await waitRunning(client, id, READY_MS + 60_000)).node);
  if (!node) throw new Error("the employee is on no node of this stack");
  node.writeRandom(id, "/data/workspace/files/bench.bin", VOLUME_MIB);

  // (1) full
  let t0 = performance.now();
  const full = await backupNow(client, id, LONG_MS);
  const fullMs = performance.now() - t0;

  // (2) incremental, after a small change
  node.writeMarker(id, `a small change ${Date.now()}`);
  t0 = performance.now();
  const incremental = await backupNow(client, id, LONG_MS);
  const incrementalMs = performance.now() - t0;

  // (3) restore in place
  t0 = performance.now();
  const answer = await restoreWhenAccepted(client, id, full.id);
  if (answer.status !== 202) throw new Error(`restore refused: ${JSON.stringify(answer)}`);
  const restored = await waitEmployee(
    client,
    id,
    (e) => e.status === "running" && e.restoredFrom === full.createdAt,
    LONG_MS,
    "ran restored",
  );
  const restoreMs = performance.now() - t0;
  node = stack.nodeById(restored.node);
  if (!node) throw new Error("restored onto no node of this stack");

  // (4) RTO
  const other = stack.nodes[node.name === "node-a" ? "node-b" : "node-a"];
  t0 = performance.now();
  await node.powerOff();
  await waitEmployee(
    client,
    id,
    (e) => e.status === "running" && e.node === other.id,
    LONG_MS,
    "ran on the other node",
  );
  const rtoMs = performance.now() - t0;

  console.log(
    `\nInstantWorker snapshot benchmark (loopback; wrangler dev's local R2; ${image}; ${VOLUME_MIB} MiB of random bytes in the workspace)`,
  );
  console.log(
    `(1) full snapshot:        ${size(full.sizeBytes)} (${size(full.storedBytes)} stored) in ${secs(fullMs)} = ${rate(full.sizeBytes, fullMs)}`,
  );
  console.log(
    `    time for a 1 GB volume: ${secs((fullMs * GIB) / Math.max(1, full.sizeBytes))} to snapshot, ${secs((restoreMs * GIB) / Math.max(1, full.sizeBytes))} to restore (scaled from the above)`,
  );
  console.log(
    `(2) incremental snapshot: ${size(incremental.storedBytes)} stored of ${size(incremental.sizeBytes)} after a small change, in ${secs(incrementalMs)}`,
  );
  console.log(
    `(3) restore in place → running: ${secs(restoreMs)} = ${rate(full.sizeBytes, restoreMs)} (snapshot of now, fetch, swap, start, healthy)`,
  );
  console.log(
    `(4) RTO, node powered off → running on the other node: ${secs(rtoMs)} (NODE_LOST_TIMEOUT_MS ${secs(NODE_LOST_TIMEOUT_MS)} of it; target ≤ 300 s)`,
  );
  console.log(
    `    RPO bound: ${SNAPSHOT_INTERVAL_MS / 60_000} min (the snapshot timer while the state changes); 0 for a drain (the final snapshot follows the stop)`,
  );
} finally {
  await stack.stop();
}
