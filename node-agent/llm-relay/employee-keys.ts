import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

// Each employee's gateway key, held by the agent and never by the employee: the relay attaches
// it to the employee's model calls. One file per employee in the agent's own state folder (mode
// 0600 in a 0700 folder, owned by the agent's user; no container mounts it), so the keys survive
// an agent restart; a provision brings a new key (the edge rotates it then) and a removal deletes
// it.
export const KEYS_DIR = "llm-keys";
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export class EmployeeKeys {
  private readonly dir: string;
  private readonly cache = new Map<string, string>();

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, KEYS_DIR);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700); // also when an older agent made it with looser rights
  }

  put(employeeId: string, key: string): void {
    const file = this.file(employeeId);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, key, { mode: 0o600 });
    renameSync(tmp, file);
    this.cache.set(employeeId, key);
  }

  get(employeeId: string): string | undefined {
    const cached = this.cache.get(employeeId);
    if (cached) return cached;
    try {
      const key = readFileSync(this.file(employeeId), "utf8");
      this.cache.set(employeeId, key);
      return key;
    } catch {
      return undefined;
    }
  }

  delete(employeeId: string): void {
    this.cache.delete(employeeId);
    rmSync(this.file(employeeId), { force: true });
  }

  private file(employeeId: string): string {
    if (!ID.test(employeeId)) throw new Error(`not an employee id: ${employeeId.slice(0, 80)}`);
    return path.join(this.dir, employeeId);
  }
}
