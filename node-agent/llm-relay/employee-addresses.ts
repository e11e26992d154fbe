import type { EmployeeRuntime } from "../runtime/employee-runtime.ts";

// Which employee a relay request comes from, by its source address on the private employee
// network (containers cannot change or forge it: no NET_ADMIN, no NET_RAW). The runtime's answer
// is kept briefly so a busy employee costs no engine call per request, and forgotten at once on
// any container event, so an address that moves to another container is never attributed to the
// one that had it.
export const ADDRESS_CACHE_TTL_MS = 5_000;
// An unknown address looks again at most this often (a container that just started), so a stream
// of requests from strangers cannot turn into a stream of engine calls.
export const UNKNOWN_ADDRESS_RETRY_MS = 1_000;
const MAX_READS = 3;

type Lookup = Pick<EmployeeRuntime, "employeeAddresses" | "watch">;

export class EmployeeAddresses {
  private readonly runtime: Lookup;
  private map = new Map<string, string>();
  private readAt = -Infinity;
  private pending: Promise<void> | undefined;
  private generation = 0;
  private readonly unwatch: () => void;

  constructor(runtime: Lookup) {
    this.runtime = runtime;
    this.unwatch = runtime.watch(() => this.invalidate());
  }

  invalidate(): void {
    this.generation++;
    this.readAt = -Infinity;
  }

  async employeeAt(address: string | undefined): Promise<string | null> {
    const ip = plain(address ?? "");
    if (!ip) return null;
    const age = Date.now() - this.readAt;
    if (age > ADDRESS_CACHE_TTL_MS || (!this.map.has(ip) && age > UNKNOWN_ADDRESS_RETRY_MS))
      await this.refresh();
    return this.map.get(ip) ?? null;
  }

  close(): void {
    this.unwatch();
  }

  // Reads again when an event arrived during a read (that read may predate the change).
  private async refresh(): Promise<void> {
    for (let i = 0; i < MAX_READS; i++) {
      const generation = this.generation;
      this.pending ??= this.read().finally(() => {
        this.pending = undefined;
      });
      await this.pending;
      if (generation === this.generation && this.readAt > -Infinity) return;
    }
  }

  private async read(): Promise<void> {
    const generation = this.generation;
    const map = await this.runtime.employeeAddresses();
    this.map = map;
    this.readAt = generation === this.generation ? Date.now() : -Infinity;
  }
}

const plain = (a: string) => (a.startsWith("::ffff:") ? a.slice(7) : a);
