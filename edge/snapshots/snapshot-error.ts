// Why the snapshot store refused something, with the HTTP status the agent's routes answer. A
// plain error of this folder (no HTTP layer: the lifecycle's objects call it too); the routes'
// service (edge/services/agent-snapshots.ts) turns it into the one error shape.
export type SnapshotErrorCode =
  | "invalid_frame"
  | "chunk_digest_mismatch"
  | "body_too_large"
  | "invalid_manifest"
  | "snapshot_incomplete"
  | "snapshot_corrupt"
  | "snapshots_not_configured"
  | "snapshot_key_gone";

export class SnapshotError extends Error {
  override readonly name = "SnapshotError";
  readonly status: 400 | 409 | 410 | 413 | 503;
  readonly code: SnapshotErrorCode;

  constructor(status: SnapshotError["status"], code: SnapshotErrorCode, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
