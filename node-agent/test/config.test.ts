import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AgentConfigError, loadConfig } from "../config.ts";

const good = { EDGE_URL: "https://edge.example", NODE_TOKEN: `iwn_${"a".repeat(43)}` };

describe("agent configuration", () => {
  it("names every missing or bad value", () => {
    const err = (() => {
      try {
        loadConfig({ EMPLOYEE_MEMORY_MB: "lots" });
      } catch (e) {
        return e;
      }
    })() as AgentConfigError;
    expect(err).toBeInstanceOf(AgentConfigError);
    const text = err.problems.join("\n");
    expect(text).toMatch(/EDGE_URL/);
    expect(text).toMatch(/NODE_TOKEN/);
    expect(text).toMatch(/EMPLOYEE_MEMORY_MB/);
  });

  it("derives capacity from memory unless told", () => {
    expect(loadConfig({ ...good, CAPACITY_SLOTS: "3" }).capacitySlots).toBe(3);
    expect(
      loadConfig({ ...good, EMPLOYEE_MEMORY_MB: "1024" }).capacitySlots,
    ).toBeGreaterThanOrEqual(1);
  });

  it("isolates by default: gVisor when offered, sized disks and egress rules required", () => {
    expect(loadConfig(good)).toMatchObject({
      EMPLOYEE_RUNTIME: "auto",
      EMPLOYEE_DISK_GB: 10,
      EMPLOYEE_DISK_QUOTA: "required",
      EMPLOYEE_EGRESS_FIREWALL: "required",
    });
    const err = (() => {
      try {
        loadConfig({ ...good, EMPLOYEE_RUNTIME: "kata", EMPLOYEE_DISK_GB: "-1" });
      } catch (e) {
        return e;
      }
    })() as AgentConfigError;
    expect(err.problems.join("\n")).toMatch(
      /EMPLOYEE_RUNTIME[\s\S]*EMPLOYEE_DISK_GB|EMPLOYEE_DISK_GB[\s\S]*EMPLOYEE_RUNTIME/,
    );
  });

  it("stops the agent with exit code 78 and the message", () => {
    const r = spawnSync(process.execPath, [path.join(import.meta.dirname, "../main.ts")], {
      env: { PATH: process.env.PATH, EDGE_URL: "not a url" },
      encoding: "utf8",
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/EDGE_URL/);
    expect(r.stderr).toMatch(/NODE_TOKEN/);
  });
});
