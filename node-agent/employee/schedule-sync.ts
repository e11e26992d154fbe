import type { CommandFrame } from "../../edge/protocol/frames.ts";
import type { Logger } from "../logger.ts";
import type { EmployeeRuntime } from "../runtime/employee-runtime.ts";
import type { GatewayClient } from "./gateway-client.ts";
import { heartbeatConfig, STATE_DIR } from "./openclaw-config.ts";
import {
  type JobRow,
  LIST_PAGE,
  listPage,
  MAX_JOBS_READ,
  ownersOf,
  planSync,
} from "./schedule-plan.ts";
import type { ScheduleState } from "./schedule-state.ts";
import type { JobOwner } from "./work-runs.ts";
import { EMPLOYEE_UID } from "./workspace-files.ts";

// schedules.sync carried out against one employee's OpenClaw (issue 18): the tasks as automations
// over the control socket (cron.list, then the add/update/remove schedule-plan.ts says), the
// working hours as the heartbeat in openclaw.json (OpenClaw reloads it without a restart; the
// heartbeat's own job cannot be edited over the API). Idempotent: a second sync with the same
// frame makes no call but the list.

type SyncCommand = Extract<CommandFrame, { type: "schedules.sync" }>;
type Client = Pick<GatewayClient, "request">;
const CONFIG = `${STATE_DIR}/openclaw.json`;

/** Every job of the employee's OpenClaw (up to MAX_JOBS_READ), disabled ones included. */
export async function listJobs(client: Client): Promise<JobRow[]> {
  const rows: JobRow[] = [];
  for (let offset = 0; offset < MAX_JOBS_READ; offset += LIST_PAGE) {
    const page = listPage(
      await client.request("cron.list", {
        includeDisabled: true,
        limit: LIST_PAGE,
        offset,
        includeDeliveryPreviews: false,
      }),
    );
    rows.push(...page.rows);
    if (!page.more) break;
  }
  return rows;
}

export interface SyncOutcome {
  owners: Map<string, JobOwner>;
  calls: number;
  heartbeatChanged: boolean;
}

export async function syncSchedules(
  cmd: SyncCommand,
  deps: {
    client: Client;
    runtime: Pick<EmployeeRuntime, "readFiles" | "writeFiles">;
    state: ScheduleState;
    log: Logger;
  },
): Promise<SyncOutcome> {
  const heartbeatChanged = deps.state.put(cmd.employeeId, {
    workingHours: cmd.workingHours,
    paused: cmd.paused,
  });
  if (heartbeatChanged) await writeHeartbeat(cmd, deps);
  const rows = await listJobs(deps.client);
  const steps = planSync(rows, cmd.tasks, cmd.paused);
  for (const step of steps) {
    await deps.client.request(step.method, step.params);
    deps.log.info({ method: step.method, taskId: step.taskId }, "automation changed");
  }
  // The owners after the changes: read again only when something changed.
  const after = steps.length ? await listJobs(deps.client) : rows;
  return { owners: ownersOf(after), calls: steps.length, heartbeatChanged };
}

// The heartbeat in the openclaw.json the employee has now: everything else stays as written.
async function writeHeartbeat(
  cmd: SyncCommand,
  deps: { runtime: Pick<EmployeeRuntime, "readFiles" | "writeFiles">; state: ScheduleState },
): Promise<void> {
  const read = await deps.runtime.readFiles(cmd.employeeId, CONFIG, {
    maxEntries: 1,
    maxArchiveBytes: 1024 * 1024,
    maxFileBytes: 256 * 1024,
  });
  const raw = read.entries[0]?.content.toString("utf8");
  if (!raw) return; // not configured yet: employee.configure renders it from the state
  let config: { agents?: { defaults?: Record<string, unknown> } };
  try {
    config = JSON.parse(raw) as typeof config;
  } catch {
    return; // not ours to repair here; the next employee.configure writes it whole
  }
  if (typeof config !== "object" || config === null) return;
  const defaults = { ...(config.agents?.defaults ?? {}) };
  const beat = heartbeatConfig(deps.state.heartbeat(cmd.employeeId));
  if (beat) defaults.heartbeat = beat;
  else delete defaults.heartbeat;
  const next = { ...config, agents: { ...(config.agents ?? {}), defaults } };
  await deps.runtime.writeFiles(cmd.employeeId, [
    {
      path: CONFIG,
      content: Buffer.from(`${JSON.stringify(next, null, 2)}\n`),
      mode: 0o600,
      uid: EMPLOYEE_UID,
      gid: EMPLOYEE_UID,
    },
  ]);
}
