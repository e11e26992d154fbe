import os from "node:os";
import { z } from "zod";
import { LOG_LEVELS } from "../edge/protocol/log-fields.ts";

// Everything the agent needs comes from its environment (the systemd unit's EnvironmentFile on a
// server; npm run dev locally). A missing or bad value stops the agent with a message naming it.
const GIB_MB = 1024;

const ConfigSchema = z.object({
  EDGE_URL: z.url({ message: "must be the edge's URL, e.g. https://api.instantworker.com" }),
  NODE_TOKEN: z
    .string()
    .regex(
      /^iwn_[A-Za-z0-9_-]{20,200}$/,
      "must be a node token (iwn_…) from `npm run node:token -- create`",
    ),
  RUNTIME: z.enum(["docker", "process", "auto"]).default("auto"),
  EMPLOYEE_IMAGE: z.string().min(1).default("instantworker/employee:latest"),
  EMPLOYEE_MEMORY_MB: z.coerce
    .number()
    .int()
    .min(64)
    .default(2 * GIB_MB),
  EMPLOYEE_CPUS: z.coerce.number().positive().max(64).default(1),
  EMPLOYEE_PIDS_LIMIT: z.coerce.number().int().min(16).default(512),
  // Each employee's disk (its only writable storage besides a 256 MB /tmp in memory).
  EMPLOYEE_DISK_GB: z.coerce.number().positive().max(10_000).default(10),
  // auto: gVisor (runsc) when Docker offers it, else runc.
  EMPLOYEE_RUNTIME: z.enum(["auto", "runsc", "runc"]).default("auto"),
  // "off" only for development by an agent that cannot mount disks (not root, no loop devices)
  // or change the firewall: employees' disks are then unbounded, or they are not walled off.
  EMPLOYEE_DISK_QUOTA: z.enum(["required", "off"]).default("required"),
  EMPLOYEE_EGRESS_FIREWALL: z.enum(["required", "off"]).default("required"),
  // Default: as many employees as fit in 90 % of this machine's memory.
  CAPACITY_SLOTS: z.coerce.number().int().min(0).optional(),
  DOCKER_SOCKET: z.string().default("/var/run/docker.sock"),
  DOCKER_NETWORK: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/)
    .default("instantworker"),
  // Start to healthy; unset: 120 s under runc, 360 s under gVisor (docker-runtime.ts).
  READY_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  // Issue 18: how long an approval waits for a person before the agent denies it as expired;
  // unset: OpenClaw's own 30 minutes (not configurable in OpenClaw). Tests set seconds.
  APPROVAL_TIMEOUT_MS: z.coerce.number().int().min(1_000).optional(),
  ORPHAN_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(10 * 60_000),
  // on: without a heartbeat ack for AGENT_SELF_FENCE_MS the agent stops every employee it runs
  // (the edge is about to run them elsewhere). off: a partitioned node keeps them running.
  AGENT_SELF_FENCE: z.enum(["on", "off"]).default("on"),
  PROCESS_WORKDIR: z.string().default(os.tmpdir()),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  // The public half of the edge's ACCESS_SIGNING_KEY (raw Ed25519, base64). Without it the
  // access proxy stays off: nobody can open an employee's chat or browser through this node.
  ACCESS_VERIFY_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/_-]{42,44}=*$/, "must be the raw Ed25519 public key, base64")
    .optional(),
  ACCESS_PROXY_HOST: z.string().default("127.0.0.1"),
  ACCESS_PROXY_PORT: z.coerce.number().int().min(1).max(65535).default(8790),
  // same-site (production): the app and <employee>.gw.<domain> share a registrable domain, so a
  // Secure, SameSite=Lax cookie reaches the iframe. cross-site (development): *.localhost hosts
  // are sites of their own, so the iframe's cookie must be SameSite=None; Secure; Partitioned
  // (browsers allow Secure on http://localhost).
  ACCESS_COOKIE_MODE: z.enum(["same-site", "cross-site"]).default("same-site"),
  // This node's own files: each account's shared knowledge (bind-mounted read-only into that
  // account's employees). systemd's StateDirectory=instantworker gives /var/lib/instantworker.
  STATE_DIR: z.string().min(1).default("/var/lib/instantworker"),
  // Employees reach the edge's LLM gateway through the agent's relay on the node's address on the
  // employee network, this port. LLM_GATEWAY_URL defaults to <EDGE_URL>/v1.
  LLM_RELAY_PORT: z.coerce.number().int().min(0).max(65535).default(8791),
  LLM_GATEWAY_URL: z.url().optional(),
});

export type AgentConfig = z.infer<typeof ConfigSchema> & { capacitySlots: number };

export class AgentConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`node-agent configuration is invalid:\n  ${problems.join("\n  ")}`);
    this.problems = problems;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new AgentConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const c = parsed.data;
  const fit = Math.floor(((os.totalmem() / 1024 / 1024) * 0.9) / c.EMPLOYEE_MEMORY_MB);
  return { ...c, capacitySlots: c.CAPACITY_SLOTS ?? Math.max(0, fit) };
}
