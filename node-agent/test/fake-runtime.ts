import { EventEmitter } from "node:events";
import type { Instance } from "../../edge/protocol/frames.ts";
import {
  type EmployeeRuntime,
  type ExecResult,
  RuntimeError,
  type RuntimeEvent,
  type StateSource,
} from "../runtime/employee-runtime.ts";
import type { ReadResult } from "../runtime/tar.ts";

// For tests only (DESIGN.md: every stateful capability has its real implementation and, for tests,
// a fake): a runtime whose endpoints, events and failures a test decides, to reach what the real
// engine does not do on demand (a container reported stopped while its socket stays open, a verb
// that throws).
export class FakeRuntime implements EmployeeRuntime {
  readonly kind = "process" as const;
  readonly events = new EventEmitter();
  endpoints = new Map<string, { host: string; port: number }>();
  addresses = new Map<string, string>();

  emit(e: RuntimeEvent): void {
    this.events.emit("event", e);
  }

  async inventory(): Promise<Instance[]> {
    return [];
  }
  async provision(spec: { employeeId: string }): Promise<Instance> {
    return { employeeId: spec.employeeId, containerId: "fake", state: "running" };
  }
  async start(employeeId: string): Promise<Instance> {
    return { employeeId, containerId: "fake", state: "running" };
  }
  async stop(employeeId: string): Promise<Instance> {
    return { employeeId, containerId: "fake", state: "stopped" };
  }
  async restart(employeeId: string): Promise<Instance> {
    return this.start(employeeId);
  }
  async remove(): Promise<void> {}
  sweepOrphans(_keep: ReadonlySet<string>, _graceMs: number): Promise<string[]> {
    return Promise.resolve([]);
  }
  async writeFiles(): Promise<void> {}
  async readFiles(): Promise<ReadResult> {
    return { entries: [], truncated: false };
  }
  async prepare(): Promise<void> {}
  async isolationRuntime(): Promise<string> {
    return "runc";
  }
  /** What `archive` answers, by employee id (a test sets it). */
  archives = new Map<string, () => NodeJS.ReadableStream>();
  async archive(employeeId: string): Promise<NodeJS.ReadableStream | null> {
    return this.archives.get(employeeId)?.() ?? null;
  }
  async removeFiles(): Promise<boolean> {
    return true;
  }
  async proxyAddress(): Promise<string> {
    return "127.0.0.1";
  }
  async employeeAddresses(): Promise<Map<string, string>> {
    return new Map(this.addresses);
  }
  async endpoint(employeeId: string): Promise<{ host: string; port: number } | null> {
    return this.endpoints.get(employeeId) ?? null;
  }
  /** Snapshots: the folder a test makes the employee's /data, by employee id. */
  states = new Map<string, StateSource>();
  async stateSource(employeeId: string): Promise<StateSource | null> {
    return this.states.get(employeeId) ?? null;
  }
  async exec(): Promise<ExecResult> {
    throw new RuntimeError("unsupported", "the fake runtime runs no commands", false);
  }
  readonly paused = new Set<string>();
  async pause(employeeId: string): Promise<void> {
    this.paused.add(employeeId);
  }
  async unpause(employeeId: string): Promise<void> {
    this.paused.delete(employeeId);
  }
  watch(onEvent: (e: RuntimeEvent) => void): () => void {
    this.events.on("event", onEvent);
    return () => this.events.off("event", onEvent);
  }
  async close(): Promise<void> {}
}
