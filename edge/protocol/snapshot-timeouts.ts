// Every wait of snapshots, restores, node loss and drains (issue 16), by name, shared by the edge
// and the agent so that each side's deadline fits inside the other's.

/** A running employee whose state changed is snapshotted at least this often (the RPO). */
export const SNAPSHOT_INTERVAL_MS = 15 * 60_000;
/** One `openclaw backup create --verify` inside the container (it retries live-write races). */
export const OPENCLAW_BACKUP_TIMEOUT_MS = 5 * 60_000;
/** The browser profile is copied under `docker pause` for at most this long. */
export const BROWSER_QUIESCE_MAX_MS = 10_000;
/** One pack upload request. */
export const SNAPSHOT_UPLOAD_TIMEOUT_MS = 2 * 60_000;
/** A whole snapshot, from snapshot.create to its result; a pending one older is marked failed. */
export const SNAPSHOT_TIMEOUT_MS = 15 * 60_000;
/** Fetching a snapshot's chunks to the staging disk. */
export const RESTORE_FETCH_TIMEOUT_MS = 10 * 60_000;
/** The whole container.restore: fetch, swap, provision and wait until ready. */
export const RESTORE_TIMEOUT_MS = RESTORE_FETCH_TIMEOUT_MS + 7 * 60_000;
/** A node silent this long (its socket gone) is lost: its employees are restored elsewhere. */
export const NODE_LOST_TIMEOUT_MS = 90_000;
/** The lease a heartbeat.ack grants; an agent without an ack this long stops its employees. It
 * is shorter than NODE_LOST_TIMEOUT_MS by more than a heartbeat, so the node has stopped them
 * before the edge places them elsewhere. */
export const AGENT_SELF_FENCE_MS = 60_000;
/** A stale copy's disk (its employee moved while the node was away) is kept this long. */
export const STALE_DISK_KEEP_MS = 24 * 60 * 60_000;
/** How many employees of a draining node move at once. */
export const DRAIN_PARALLEL = 2;
/** `npm run node:drain` gives up after this long, naming the employees still on the node. */
export const DRAIN_TIMEOUT_MS = 30 * 60_000;
