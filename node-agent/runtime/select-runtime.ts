import os from "node:os";
import path from "node:path";
import type { EmployeeSpec } from "../../edge/protocol/frames.ts";
import type { AgentConfig } from "../config.ts";
import type { Logger } from "../logger.ts";
import { DockerRuntime } from "./docker/docker-runtime.ts";
import type { EmployeeRuntime } from "./employee-runtime.ts";
import { ProcessRuntime } from "./process/process-runtime.ts";
import type { TarEntry } from "./tar.ts";

export const teamFilesRoot = (config: AgentConfig) => path.join(config.STATE_DIR, "team-files");
export const disksRoot = (config: AgentConfig) => path.join(config.STATE_DIR, "disks");

// "auto" uses Docker when an engine answers and otherwise falls back to processes, saying so:
// the fallback is for development machines only.
export async function selectRuntime(
  config: AgentConfig,
  log: Logger,
  configure?: (spec: EmployeeSpec) => Promise<TarEntry[]>,
): Promise<EmployeeRuntime> {
  const wantDocker =
    config.RUNTIME === "docker" ||
    (config.RUNTIME === "auto" && (await DockerRuntime.available(config.DOCKER_SOCKET)));
  if (wantDocker) {
    log.info({ socket: config.DOCKER_SOCKET, image: config.EMPLOYEE_IMAGE }, "runtime: docker");
    return new DockerRuntime({
      socketPath: config.DOCKER_SOCKET,
      image: config.EMPLOYEE_IMAGE,
      memoryMb: config.EMPLOYEE_MEMORY_MB,
      cpus: config.EMPLOYEE_CPUS,
      pidsLimit: config.EMPLOYEE_PIDS_LIMIT,
      network: config.DOCKER_NETWORK,
      ...(config.READY_TIMEOUT_MS ? { readyTimeoutMs: config.READY_TIMEOUT_MS } : {}),
      teamFilesRoot: teamFilesRoot(config),
      disksRoot: disksRoot(config),
      stateDir: config.STATE_DIR,
      sandbox: config.EMPLOYEE_RUNTIME,
      diskBytes: Math.round(config.EMPLOYEE_DISK_GB * 1024 ** 3),
      diskQuota: config.EMPLOYEE_DISK_QUOTA,
      firewall: config.EMPLOYEE_EGRESS_FIREWALL,
      log,
      ...(configure ? { configure } : {}),
    });
  }
  log.warn(
    { socket: config.DOCKER_SOCKET },
    "runtime: process (no Docker engine answers; employees run as local processes without isolation, for development only)",
  );
  return new ProcessRuntime({ workdir: config.PROCESS_WORKDIR || os.tmpdir(), log });
}
