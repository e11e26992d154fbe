import type Docker from "dockerode";
import type { EmployeeSpec } from "../../../edge/protocol/frames.ts";

export const LABEL_MANAGED = "instantworker.managed";
export const LABEL_EMPLOYEE = "instantworker.employee";
export const LABEL_USER = "instantworker.user";
// The placement's generation the container was made for (edge/protocol/frames.ts Generation): a
// node that comes back after its employee moved can tell its copy is stale (issue 16).
export const LABEL_GENERATION = "instantworker.generation";
export const DATA_DIR = "/data";
export const RESTART_POLICY = "no";

/** The generation on a container's labels; undefined when it has none (made before them). */
export function generationOf(labels: Record<string, string> | undefined): number | undefined {
  const raw = labels?.[LABEL_GENERATION];
  if (raw === undefined || !/^\d{1,10}$/.test(raw)) return undefined;
  const n = Number(raw);
  return n <= 2_147_483_647 ? n : undefined;
}

export const containerName = (employeeId: string) => `iw-employee-${employeeId}`;
export const volumeName = (employeeId: string) => `iw-employee-${employeeId}-data`;

export interface Limits {
  image: string;
  memoryMb: number;
  cpus: number;
  pidsLimit: number;
  network: string;
  /** Host folder holding each account's shared files, one sub-folder per user id. */
  teamFilesRoot: string;
}

// Under gVisor the pids cgroup holds the sandbox's own host threads as well (with the ptrace
// platform about one per thread inside, plus the sentry's): the idle employee image takes ~850,
// so the limit set for what runs inside is scaled.
export const RUNSC_PIDS_FACTOR = 4;

// OpenClaw's fs-safe uses openat2 through a native addon; gVisor (Debian's runsc 0.0~20221219)
// lacks that system call, and the gateway then fails to take its lock (ENOSYS). Off, fs-safe
// takes its JavaScript path, which gVisor serves.
export const RUNSC_ENV = ["OPENCLAW_FS_SAFE_NATIVE_MODE=off"];
// gVisor (ptrace platform) starts the employee 2–3 times more slowly than runc (docs/architecture.md, "Node agent"):
// a failing health check must not count as unhealthy while the agent still waits for it.
export const RUNSC_HEALTH_START_PERIOD_S = 360;
// And once healthy, a loaded node answers /readyz more slowly too: the image's 3 s × 3 misses
// restarted healthy employees under gVisor while two others started beside them.
export const RUNSC_HEALTH_TIMEOUT_S = 20;
export const RUNSC_HEALTH_RETRIES = 6;

/** Where the employee's /data lives: its own disk (employee-disks.ts) or a Docker volume. */
export type DataMount = { kind: "disk"; source: string } | { kind: "volume" };

// Where the account's shared files appear inside the container (read-only).
export const TEAM_FILES_TARGET = `${DATA_DIR}/workspace/team-files`;
export const teamFilesSource = (root: string, accountId: string) => `${root}/${accountId}`;

// The hardened shape of every employee container. Nothing here is optional: no capabilities, no
// privilege escalation, bounded memory, CPU and processes, a read-only root with scratch space
// in tmpfs, a non-root user, no published ports (the access proxy reaches the container on the
// private network), never the Docker socket, never privileged. Under gVisor (runsc) the container's
// system calls meet gVisor's own kernel rather than the node's.
export function employeeContainer(
  spec: EmployeeSpec,
  limits: Limits,
  // The runtime decides (employee-isolation.ts); runc is Docker's own default.
  sandbox: "runsc" | "runc" = "runc",
  data: DataMount = { kind: "volume" },
  // The command's generation; absent from an edge older than generations.
  generation?: number,
): Docker.ContainerCreateOptions {
  const runsc = sandbox === "runsc";
  return {
    name: containerName(spec.employeeId),
    Image: limits.image,
    User: "1000:1000",
    Labels: {
      [LABEL_MANAGED]: "true",
      [LABEL_EMPLOYEE]: spec.employeeId,
      [LABEL_USER]: spec.accountId,
      ...(generation === undefined ? {} : { [LABEL_GENERATION]: String(generation) }),
    },
    // Only what names the employee: its gateway key lives in openclaw.json (mode 0600 in its
    // volume), not in the environment that `docker inspect` shows.
    Env: [
      `EMPLOYEE_ID=${spec.employeeId}`,
      `EMPLOYEE_DATA_DIR=${DATA_DIR}`,
      ...(runsc ? RUNSC_ENV : []),
    ],
    // The image's own check, with a longer grace under gVisor (Docker fills in what is unset).
    ...(runsc
      ? {
          Healthcheck: {
            StartPeriod: RUNSC_HEALTH_START_PERIOD_S * 1e9,
            Timeout: RUNSC_HEALTH_TIMEOUT_S * 1e9,
            Retries: RUNSC_HEALTH_RETRIES,
          },
        }
      : {}),
    HostConfig: {
      Runtime: sandbox,
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges:true"],
      Privileged: false,
      ReadonlyRootfs: true,
      Tmpfs: { "/tmp": "rw,nosuid,nodev,size=256m,mode=1777" },
      Memory: limits.memoryMb * 1024 * 1024,
      MemorySwap: limits.memoryMb * 1024 * 1024,
      NanoCpus: Math.round(limits.cpus * 1e9),
      PidsLimit: runsc ? limits.pidsLimit * RUNSC_PIDS_FACTOR : limits.pidsLimit,
      Init: true,
      // Never started by dockerd itself, at its boot least of all: a node back from the dead
      // must run nothing before the edge has said what is still ours (a stale copy would be a
      // second employee). "on-failure" and "unless-stopped" are both started at dockerd's boot
      // after a power loss (exit 255) or a clean dockerd stop (exit 143): measured on 20.10,
      // test/restart-policy.test.ts. A crash is healed by the edge (container.stopped → restart).
      RestartPolicy: { Name: RESTART_POLICY },
      NetworkMode: limits.network,
      PortBindings: {},
      PublishAllPorts: false,
      Mounts: [
        data.kind === "disk"
          ? { Type: "bind", Source: data.source, Target: DATA_DIR, ReadOnly: false }
          : {
              Type: "volume",
              Source: volumeName(spec.employeeId),
              Target: DATA_DIR,
              ReadOnly: false,
            },
        {
          Type: "bind",
          Source: teamFilesSource(limits.teamFilesRoot, spec.accountId),
          Target: TEAM_FILES_TARGET,
          ReadOnly: true,
        },
      ],
      LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } },
    },
  };
}
