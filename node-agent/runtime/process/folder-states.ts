import { mkdir, rename, rm, stat } from "node:fs/promises";
import type { RestoreStates } from "../restore-states.ts";

// The process runtime's restore states (development): an employee's "volume" is a folder, so a
// staged state is a folder beside it, and a swap is two renames.
const STAGING = ".staging";
const PREVIOUS = ".previous";

export class FolderRestoreStates implements RestoreStates {
  private readonly dataDir: (employeeId: string) => string;

  constructor(dataDir: (employeeId: string) => string) {
    this.dataDir = dataDir;
  }

  exists(employeeId: string): Promise<boolean> {
    return exists(this.dataDir(employeeId));
  }

  async recover(employeeId: string): Promise<void> {
    const live = this.dataDir(employeeId);
    if (!(await exists(live)) && (await exists(live + PREVIOUS)))
      await rename(live + PREVIOUS, live);
    await rm(live + STAGING, { recursive: true, force: true });
  }

  async stage(employeeId: string): Promise<{ root: string }> {
    const root = this.dataDir(employeeId) + STAGING;
    await rm(root, { recursive: true, force: true });
    await mkdir(root, { recursive: true, mode: 0o755 });
    return { root };
  }

  async discard(employeeId: string): Promise<void> {
    await rm(this.dataDir(employeeId) + STAGING, { recursive: true, force: true });
  }

  async swapIn(employeeId: string): Promise<void> {
    const live = this.dataDir(employeeId);
    await rm(live + PREVIOUS, { recursive: true, force: true });
    if (await exists(live)) await rename(live, live + PREVIOUS);
    await rename(live + STAGING, live);
  }

  // Only what swapIn moved aside is put back: without it, the live state is left as it is.
  async swapBack(employeeId: string): Promise<void> {
    const live = this.dataDir(employeeId);
    if (!(await exists(live + PREVIOUS))) return;
    await rm(live, { recursive: true, force: true });
    await rename(live + PREVIOUS, live);
  }

  async commit(employeeId: string): Promise<void> {
    await rm(this.dataDir(employeeId) + PREVIOUS, { recursive: true, force: true });
  }

  async openclawVersion(): Promise<string | null> {
    return null;
  }
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return false;
      throw err;
    },
  );
}
