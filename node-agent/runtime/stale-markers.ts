import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { STALE_DISK_KEEP_MS } from "../../edge/protocol/snapshot-timeouts.ts";

// A stale copy (issue 16): a container this node made for a placement the edge has since moved
// on from (an older generation). It is stopped at once and never started again; its disk is kept
// STALE_DISK_KEEP_MS (the work since the last snapshot is on it, for an operator), then removed.
// The marker is a file, STATE_DIR/stale/<employeeId>.json, so an agent restart forgets nothing.
// The edge's id shape (frames.ts): nothing else becomes a file name.
const isId = (s: string) => /^[A-Za-z0-9_-]{1,64}$/.test(s);

export interface StaleMarker {
  employeeId: string;
  /** The container's generation when it was found stale (null: it had none). */
  generation: number | null;
  stoppedAt: number;
}

export class StaleMarkers {
  private readonly dir: string;
  private readonly now: () => number;

  constructor(stateDir: string, now: () => number = Date.now) {
    this.dir = path.join(stateDir, "stale");
    this.now = now;
  }

  mark(employeeId: string, generation: number | null): StaleMarker {
    const existing = this.get(employeeId);
    if (existing) return existing;
    const marker = { employeeId, generation, stoppedAt: this.now() };
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileSync(this.file(employeeId), JSON.stringify(marker), { mode: 0o600 });
    return marker;
  }

  get(employeeId: string): StaleMarker | null {
    if (!isId(employeeId)) return null;
    try {
      const raw: unknown = JSON.parse(readFileSync(this.file(employeeId), "utf8"));
      if (typeof raw !== "object" || raw === null) return null;
      const { generation, stoppedAt } = raw as Record<string, unknown>;
      if (typeof stoppedAt !== "number") return null;
      return {
        employeeId,
        generation: typeof generation === "number" ? generation : null,
        stoppedAt,
      };
    } catch {
      return null;
    }
  }

  list(): StaleMarker[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith(".json"))
      .map((n) => this.get(n.slice(0, -".json".length)))
      .filter((m): m is StaleMarker => m !== null);
  }

  /** Past STALE_DISK_KEEP_MS: the copy and its disk may go. */
  expired(marker: StaleMarker): boolean {
    return this.now() - marker.stoppedAt >= STALE_DISK_KEEP_MS;
  }

  clear(employeeId: string): void {
    if (isId(employeeId)) rmSync(this.file(employeeId), { force: true });
  }

  /**
   * Whether a command may start this employee: not while it is a stale copy, unless the command
   * is for a newer placement than the copy's (the edge placed it here again).
   */
  mayStart(employeeId: string, generation: number | undefined): boolean {
    const marker = this.get(employeeId);
    if (!marker) return true;
    return generation !== undefined && generation > (marker.generation ?? -1);
  }

  private file(employeeId: string): string {
    return path.join(this.dir, `${employeeId}.json`);
  }
}
