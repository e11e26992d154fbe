import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import type { RuntimeEvent } from "../runtime/employee-runtime.ts";
import { ProcessRuntime } from "../runtime/process/process-runtime.ts";

const workdir = mkdtempSync(path.join(tmpdir(), "iw-process-runtime-"));
const log = createLogger("warn");
const spec = {
  employeeId: `p${process.pid}`,
  accountId: "u",
  name: "Proc",
  role: "researcher",
  tone: "concise",
  skills: [],
};

afterAll(async () => {
  await new ProcessRuntime({ workdir, log }).remove(spec.employeeId);
  rmSync(workdir, { recursive: true, force: true });
});

describe("process runtime (development without Docker)", () => {
  it("runs one process per employee, idempotently, and finds it again after an agent restart", async () => {
    const rt = new ProcessRuntime({ workdir, log });
    const events: RuntimeEvent[] = [];
    rt.watch((e) => events.push(e));
    const a = await rt.provision(spec);
    const b = await rt.provision(spec);
    expect(a.state).toBe("running");
    expect(b.containerId).toBe(a.containerId);
    expect(events.map((e) => e.type)).toEqual(["created", "started"]);

    const fresh = new ProcessRuntime({ workdir, log });
    expect(await fresh.inventory()).toEqual([a]);

    expect((await fresh.stop(spec.employeeId)).state).toBe("stopped");
    const again = await fresh.start(spec.employeeId);
    expect(again.state).toBe("running");
    expect(again.containerId).not.toBe(a.containerId);
    await fresh.remove(spec.employeeId);
    expect(await fresh.inventory()).toEqual([]);
  });
});
