// The control socket once the employee is healthy (control-relay.ts): one dialled at the
// container's start into a still-booting OpenClaw waits out its backoff, and until it opens
// OpenClaw has no approval client and denies every command. Healthy dials again at once; an open
// socket is kept. A scripted runtime and gateway client, no Docker.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ControlRelay } from "../../employee/control-relay.ts";
import type { GatewayClientOptions } from "../../employee/gateway-client.ts";
import type { GatewayDevices } from "../../employee/gateway-devices.ts";
import { ScheduleState } from "../../employee/schedule-state.ts";
import { createLogger } from "../../logger.ts";
import type { RuntimeEvent } from "../../runtime/employee-runtime.ts";

function harness() {
  let emit: (e: RuntimeEvent) => void = () => undefined;
  const clients: { opts: GatewayClientOptions; closed: boolean }[] = [];
  const relay = new ControlRelay({
    runtime: {
      endpoint: async () => null,
      readFiles: async () => ({ entries: [], truncated: false }),
      writeFiles: async () => undefined,
      watch: (fn) => {
        emit = fn;
        return () => undefined;
      },
    },
    devices: {} as GatewayDevices,
    state: new ScheduleState(mkdtempSync(path.join(tmpdir(), "iw-control-"))),
    send: () => undefined,
    log: createLogger("silent"),
    client: (opts) => {
      const c = { opts, closed: false };
      clients.push(c);
      return {
        // Refused while OpenClaw boots: never opens by itself here.
        connect: () => new Promise(() => undefined),
        request: async () => undefined,
        close: async () => {
          c.closed = true;
        },
      };
    },
  });
  const event = (type: "started" | "healthy") =>
    emit(
      type === "started"
        ? { type, employeeId: "e1", containerId: "c1" }
        : { type: "health", employeeId: "e1", containerId: "c1", health: "healthy" },
    );
  return { relay, clients, event };
}

describe("the control socket when the employee becomes healthy", () => {
  it("dials again at once when the socket from the start has not opened", async () => {
    const { relay, clients, event } = harness();
    event("started");
    expect(clients).toHaveLength(1);
    event("healthy");
    expect(clients).toHaveLength(2);
    expect(clients[0]?.closed).toBe(true);
    expect(clients[1]?.closed).toBe(false);
    await relay.close();
  });

  it("keeps a socket that has opened", async () => {
    const { relay, clients, event } = harness();
    event("started");
    clients[0]?.opts.onOpen?.();
    event("healthy");
    expect(clients).toHaveLength(1);
    expect(clients[0]?.closed).toBe(false);
    await relay.close();
  });
});
