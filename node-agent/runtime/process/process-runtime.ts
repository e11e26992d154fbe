import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { EmployeeSpec, Instance } from "../../../edge/protocol/frames.ts";
import type { Logger } from "../../logger.ts";
import {
  type EmployeeRuntime,
  RuntimeError,
  type RuntimeEvent,
  type StateSource,
} from "../employee-runtime.ts";
import type { ReadResult, TarEntry } from "../tar.ts";
import {
  archiveFolderFiles,
  readFolderFiles,
  removeFolderFiles,
  writeFolderFiles,
} from "./folder-files.ts";
import { FolderRestoreStates } from "./folder-states.ts";

export const PROCESS_READY_TIMEOUT_MS = 10_000;
const CHAT_PORT = 18789;
const employeeScript = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "employee-process.ts",
);

interface Stored {
  employeeId: string;
  pid: number | null;
  port: number;
  /** Its own loopback address (older state files have none: 127.0.0.1). */
  address?: string;
  spec: EmployeeSpec;
}

// Each process employee gets an address of its own in this loopback block (Linux routes all of
// 127.0.0.0/8 to lo), so the LLM relay can tell employees apart by source address as it does on
// Docker's network. Any local process can use these addresses too: there is no isolation here.
export const PROCESS_ADDRESS_PREFIX = "127.77.";
const PROCESS_ADDRESS_COUNT = 250 * 250;

// Development only: each employee is a detached child process on a loopback address and port of
// its own. Its pid, address and port are written to a state folder, so an agent restart finds them
// again, the way the docker runtime finds containers by label. Servers use docker.
export class ProcessRuntime implements EmployeeRuntime {
  readonly kind = "process" as const;
  private readonly dir: string;
  private readonly events = new EventEmitter();
  private readonly log: Logger;
  readonly restoreStates = new FolderRestoreStates((id) => this.dataDir(id));

  constructor(opts: { workdir: string; log: Logger }) {
    this.dir = path.join(opts.workdir, "instantworker-process-runtime");
    this.log = opts.log;
    mkdirSync(this.dir, { recursive: true });
  }

  async inventory(): Promise<Instance[]> {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => this.read(f.slice(0, -5)))
      .filter((s): s is Stored => s !== null)
      .map((s) => this.instanceOf(s));
  }

  async provision(spec: EmployeeSpec): Promise<Instance> {
    const stored = this.read(spec.employeeId);
    if (stored && alive(stored.pid)) return this.instanceOf(stored);
    const address = stored?.address ?? (await this.freeAddress());
    const port = stored?.port ?? (await freePort(address));
    if (!stored) this.emit({ type: "created", employeeId: spec.employeeId, containerId: null });
    return this.launch({ employeeId: spec.employeeId, pid: null, port, address, spec });
  }

  async start(employeeId: string): Promise<Instance> {
    const stored = this.read(employeeId);
    if (!stored)
      throw new RuntimeError("container_missing", "there is no process for this employee", true);
    return alive(stored.pid) ? this.instanceOf(stored) : this.launch(stored);
  }

  async stop(employeeId: string): Promise<Instance> {
    const stored = this.read(employeeId);
    if (!stored) return { employeeId, containerId: null, state: "missing" };
    if (stored.pid && alive(stored.pid)) process.kill(stored.pid, "SIGTERM");
    this.write({ ...stored, pid: null });
    this.emit({ type: "stopped", employeeId, containerId: null, exitCode: 0 });
    return { employeeId, containerId: null, state: "stopped" };
  }

  async restart(employeeId: string): Promise<Instance> {
    await this.stop(employeeId);
    return this.start(employeeId);
  }

  async remove(employeeId: string): Promise<void> {
    await this.stop(employeeId);
    rmSync(path.join(this.dir, `${employeeId}.json`), { force: true });
    rmSync(this.dataDir(employeeId), { recursive: true, force: true });
    this.emit({ type: "removed", employeeId, containerId: null });
  }

  async sweepOrphans(keep: ReadonlySet<string>): Promise<string[]> {
    const orphans = (await this.inventory())
      .filter((i) => !keep.has(i.employeeId))
      .map((i) => i.employeeId);
    for (const id of orphans) await this.remove(id);
    return orphans;
  }

  watch(onEvent: (e: RuntimeEvent) => void): () => void {
    this.events.on("event", onEvent);
    return () => this.events.off("event", onEvent);
  }

  // Only the chat port exists for a process employee (it is OpenClaw's gateway port's stand-in).
  async endpoint(employeeId: string, port: number): Promise<{ host: string; port: number } | null> {
    const stored = this.read(employeeId);
    return stored && alive(stored.pid) && port === CHAT_PORT
      ? { host: stored.address ?? "127.0.0.1", port: stored.port }
      : null;
  }

  async employeeAddresses(): Promise<Map<string, string>> {
    const byAddress = new Map<string, string>();
    for (const f of readdirSync(this.dir).filter((n) => n.endsWith(".json"))) {
      const s = this.read(f.slice(0, -5));
      if (s?.address && alive(s.pid)) byAddress.set(s.address, s.employeeId);
    }
    return byAddress;
  }

  // A process employee's "volume" is a folder next to its state file (folder-files.ts).
  async writeFiles(employeeId: string, entries: readonly TarEntry[]): Promise<void> {
    writeFolderFiles(this.dataDir(employeeId), entries);
  }

  async readFiles(employeeId: string, relPath: string): Promise<ReadResult> {
    return readFolderFiles(this.dataDir(employeeId), relPath);
  }

  async archive(employeeId: string, relPath: string): Promise<NodeJS.ReadableStream | null> {
    return archiveFolderFiles(this.dataDir(employeeId), relPath);
  }

  async removeFiles(employeeId: string, relPaths: readonly string[]): Promise<boolean> {
    removeFolderFiles(this.dataDir(employeeId), relPaths);
    return true;
  }

  // Snapshots: the folder is the state; a process is frozen by SIGSTOP, as `docker pause` does.
  async stateSource(employeeId: string): Promise<StateSource | null> {
    const stored = this.read(employeeId);
    if (!stored) return null;
    mkdirSync(this.dataDir(employeeId), { recursive: true });
    return { dataPath: this.dataDir(employeeId), running: alive(stored.pid), image: null };
  }

  async exec(): Promise<never> {
    throw new RuntimeError("unsupported", "a process employee runs no commands", false);
  }

  async pause(employeeId: string): Promise<void> {
    const pid = this.read(employeeId)?.pid;
    if (pid && alive(pid)) process.kill(pid, "SIGSTOP");
  }

  async unpause(employeeId: string): Promise<void> {
    const pid = this.read(employeeId)?.pid;
    if (pid && alive(pid)) process.kill(pid, "SIGCONT");
  }

  // Development only: nothing is isolated, and the log at start says so.
  async prepare(): Promise<void> {}

  async isolationRuntime(): Promise<string> {
    return "process";
  }

  async proxyAddress(): Promise<string> {
    return "127.0.0.1";
  }

  async close(): Promise<void> {}

  private dataDir(employeeId: string): string {
    return path.join(this.dir, `${employeeId}-data`);
  }

  private async launch(stored: Stored): Promise<Instance> {
    const child = spawn(process.execPath, [employeeScript], {
      env: {
        PATH: process.env.PATH,
        HOST: stored.address ?? "127.0.0.1",
        PORT: String(stored.port),
        EMPLOYEE_NAME: stored.spec.name,
      },
      detached: true,
      stdio: "ignore",
    });
    child.unref();
    const next = { ...stored, pid: child.pid ?? null };
    this.write(next);
    this.emit({ type: "started", employeeId: stored.employeeId, containerId: null });
    const deadline = Date.now() + PROCESS_READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`http://${stored.address ?? "127.0.0.1"}:${stored.port}/healthz`)).ok)
          return this.instanceOf(next);
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new RuntimeError(
      "not_ready",
      "the employee process did not answer its health check",
      true,
    );
  }

  private async freeAddress(): Promise<string> {
    const used = new Set(
      readdirSync(this.dir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => this.read(f.slice(0, -5))?.address),
    );
    for (let i = 0; i < PROCESS_ADDRESS_COUNT; i++) {
      const address = `${PROCESS_ADDRESS_PREFIX}${Math.floor(i / 250) + 1}.${(i % 250) + 2}`;
      if (!used.has(address)) return address;
    }
    throw new RuntimeError("no_address", "no loopback address is free for another employee", false);
  }

  private instanceOf(s: Stored): Instance {
    return {
      employeeId: s.employeeId,
      containerId: s.pid ? `pid-${s.pid}` : null,
      state: alive(s.pid) ? "running" : "stopped",
    };
  }

  private read(employeeId: string): Stored | null {
    try {
      return JSON.parse(readFileSync(path.join(this.dir, `${employeeId}.json`), "utf8")) as Stored;
    } catch {
      return null;
    }
  }

  private write(s: Stored): void {
    writeFileSync(path.join(this.dir, `${s.employeeId}.json`), JSON.stringify(s));
  }

  private emit(e: RuntimeEvent): void {
    this.log.debug({ event: e }, "process runtime event");
    this.events.emit("event", e);
  }
}

function alive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
