// The loopback snapshot edge (unit/snapshot-edge.ts) in a process of its own, keeping no chunk
// bytes, so that a test measures the agent's memory alone: prints its address, runs until killed.
import { startSnapshotEdge } from "./unit/snapshot-edge.ts";

const edge = await startSnapshotEdge(process.argv[2]);
edge.keepBodies = false;
process.stdout.write(`${edge.url}\n`);
