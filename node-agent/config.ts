import os from "node:os";
import { z } from "zod";

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
  // Default: as many employees as fit in 90 % of this machine's memory.
  CAPACITY_SLOTS: z.coerce.number().int().min(0).optional(),
  DOCKER_SOCKET: z.string().default("/var/run/docker.sock"),
  DOCKER_NETWORK: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/)
    .default("instantworker"),
  READY_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  ORPHAN_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(10 * 60_000),
  PROCESS_WORKDIR: z.string().default(os.tmpdir()),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
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
