import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmployeeSpec } from "../../edge/protocol/frames.ts";
import { workspaceEntries } from "../employee/workspace-files.ts";
import { createLogger } from "../logger.ts";
import {
  RUNSC_HEALTH_RETRIES,
  RUNSC_HEALTH_START_PERIOD_S,
  RUNSC_HEALTH_TIMEOUT_S,
} from "../runtime/docker/container-config.ts";
import { DockerRuntime, READY_TIMEOUT_MS } from "../runtime/docker/docker-runtime.ts";
import { docker, removeTestEmployees, testDisksRoot } from "./docker-cli.ts";

// The real employee image (OpenClaw, Chromium under Xvfb, x11vnc, noVNC) under gVisor, next to
// runc: both become healthy, and the node reaches OpenClaw's /readyz, noVNC's page and Chromium's
// DevTools. It prints start time to healthy and idle memory for each runtime.

const PREFIX = `g${process.pid}-`;
const NETWORK = "instantworker-test";
const IDLE_SETTLE_MS = 20_000;
const root = path.resolve(import.meta.dirname, "../..");
const log = createLogger("warn");
let image = "";

beforeAll(() => {
  image = execFileSync("bash", [path.join(root, "infra/scripts/build-employee-image.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}, 900_000);
afterAll(() => removeTestEmployees(PREFIX));

const get = async (url: string) => {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
};

describe.each(["runsc", "runc"] as const)("the real employee under %s", (sandbox) => {
  const spec: EmployeeSpec = {
    employeeId: `${PREFIX}${sandbox}`,
    accountId: "user-1",
    name: "Ada",
    role: "researcher",
    tone: "concise",
    skills: ["web-research"],
    llm: { baseUrl: "http://192.0.2.1/v1", apiKey: "iwk_gvisor-test-key-000000000000" },
  };
  const name = `iw-employee-${spec.employeeId}`;
  let ip = "";

  beforeAll(async () => {
    const rt: DockerRuntime = new DockerRuntime({
      socketPath: "/var/run/docker.sock",
      image,
      memoryMb: 2048,
      cpus: 1,
      pidsLimit: 512,
      network: NETWORK,
      teamFilesRoot: path.join(os.tmpdir(), `iw-team-files-${process.pid}`),
      sandbox,
      disksRoot: testDisksRoot(PREFIX),
      log,
      configure: async (s) => {
        const gateway = await rt.proxyAddress();
        return workspaceEntries(s, {
          proxyAddress: gateway,
          llmBaseUrl: `http://${gateway}:8791/v1`,
        });
      },
    });
    await rt.prepare({ relayPort: 8791 });
    const started = Date.now();
    await rt.provision(spec).catch((err: unknown) => {
      // What the container said, so a failure here can be read without the container.
      console.log(docker("logs", "--tail", "60", name));
      console.log(docker("inspect", "-f", "{{json .State.Health}}", name).slice(0, 2000));
      throw err;
    });
    const healthyS = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
    const memory = docker("stats", "--no-stream", "--format", "{{.MemUsage}}", name);
    console.log(`[${sandbox}] hire → healthy ${healthyS.toFixed(1)} s; idle memory ${memory}`);
    ip = docker(
      "inspect",
      "-f",
      `{{(index .NetworkSettings.Networks "${NETWORK}").IPAddress}}`,
      name,
    );
    expect(docker("inspect", "-f", "{{.HostConfig.Runtime}}", name)).toBe(sandbox);
  }, READY_TIMEOUT_MS[sandbox] + 60_000);

  it("serves OpenClaw's /readyz and noVNC's page to the node", async () => {
    // Ready, as its health check sees it; from the node's address OpenClaw answers too, with
    // 403: the node is its trusted proxy, and this request names no user.
    const code = ["-sS", "-o", "/dev/null", "-w", "%{http_code}"];
    expect(docker("exec", name, "curl", ...code, "http://127.0.0.1:18789/readyz")).toBe("200");
    expect((await get(`http://${ip}:18789/readyz`)).status).toBe(403);
    const vnc = await get(`http://${ip}:6080/`);
    expect(vnc.status).toBe(200);
    expect(vnc.text).toMatch(/noVNC|vnc/i);
  });

  it("runs Chromium with DevTools answering", () => {
    const version = JSON.parse(
      docker("exec", name, "curl", "-fsS", "http://127.0.0.1:18800/json/version"),
    ) as { Browser?: string };
    expect(version.Browser).toMatch(/Chrome|Chromium/);
  });

  it("gets what gVisor needs only under runsc: fs-safe's JavaScript path, a more patient health check", () => {
    const config = JSON.parse(docker("inspect", "-f", "{{json .Config}}", name)) as {
      Env: string[];
      Healthcheck: { Test: string[]; StartPeriod?: number; Timeout?: number; Retries?: number };
    };
    expect(config.Env.includes("OPENCLAW_FS_SAFE_NATIVE_MODE=off")).toBe(sandbox === "runsc");
    // The image's own check, whatever the runtime; only the grace differs.
    expect(config.Healthcheck.Test.join(" ")).toContain("/readyz");
    expect(config.Healthcheck.StartPeriod).toBe(
      sandbox === "runsc" ? RUNSC_HEALTH_START_PERIOD_S * 1e9 : 60e9,
    );
    expect(config.Healthcheck.Timeout).toBe(
      sandbox === "runsc" ? RUNSC_HEALTH_TIMEOUT_S * 1e9 : 3e9,
    );
    expect(config.Healthcheck.Retries).toBe(sandbox === "runsc" ? RUNSC_HEALTH_RETRIES : 3);
  });

  it("runs coreutils on its disk: ls, stat, cp -a (statx with AT_NO_AUTOMOUNT)", () => {
    expect(docker("exec", name, "ls", "-la", "/data")).toMatch(/openclaw/);
    expect(docker("exec", name, "stat", "-c", "%U %a", "/data/workspace")).toBe("employee 755");
    expect(
      docker("exec", name, "sh", "-c", "cp -a /data/workspace /tmp/copy && ls /tmp/copy"),
    ).toMatch(/IDENTITY\.md/);
  });

  it("meets gVisor's kernel under runsc and the node's under runc", () => {
    const kernel = docker("exec", name, "cat", "/proc/version");
    expect(kernel.includes(os.release())).toBe(sandbox === "runc");
  });
});
