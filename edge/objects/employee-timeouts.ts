import { backoffDelay } from "../protocol/backoff.ts";
import type { ContainerCommandType } from "../protocol/frames.ts";
import { RESTORE_TIMEOUT_MS } from "../protocol/snapshot-timeouts.ts";

// Every wait of the lifecycle, by name. An operation that outlives its timeout is retried with
// backoff up to MAX_COMMAND_ATTEMPTS, then ends in `error` with a reason the customer can read.
export const COMMAND_TIMEOUT_MS: Record<ContainerCommandType, number> = {
  // OpenClaw is ready in 10–40 s under runc once its image is on the node (pulls are done
  // ahead); gVisor takes 2–3 times as long, and the agent waits up to 360 s for it.
  "container.provision": 420_000,
  "container.start": 390_000,
  "container.restart": 420_000,
  "container.stop": 60_000,
  "container.remove": 60_000,
  // Fetch, swap, provision and wait (edge/protocol/snapshot-timeouts.ts RESTORE_TIMEOUT_MS).
  "container.restore": RESTORE_TIMEOUT_MS,
};
export const MAX_COMMAND_ATTEMPTS = 3;
export const RETRY_BACKOFF_BASE_MS = 2_000;
export const RETRY_BACKOFF_MAX_MS = 30_000;

// While no node has room the employee waits visibly, looking again with backoff (and at once
// when a node connects), and gives up after WAIT_FOR_SERVER_TIMEOUT_MS.
export const PLACEMENT_RETRY_BASE_MS = 2_000;
export const PLACEMENT_RETRY_MAX_MS = 30_000;
export const WAIT_FOR_SERVER_TIMEOUT_MS = 15 * 60_000;

// The shared schedule (edge/protocol/backoff.ts) under the name the lifecycle calls it by.
// `random` is a number in [0, 1): the lifecycle passes its own, so that its tests can fix it.
export function backoff(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random = Math.random(),
): number {
  return backoffDelay(attempt, { baseMs, maxMs }, () => random);
}
