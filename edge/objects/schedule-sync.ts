import { eq } from "drizzle-orm";
import { openDb } from "../../db/client.ts";
import { employees } from "../../db/schema.ts";
import type { Env } from "../env.ts";
import { errorFields, type Logger } from "../log/logger.ts";
import type { ScheduledTask, WorkingHours } from "../protocol/frames.ts";
import { employeeBudget } from "../store/employee-budgets.ts";
import { listSchedules } from "../store/schedules.ts";
import type { EmployeeRecord } from "./employee-record.ts";
import type { ScheduleSyncResult } from "./employee-rpc.ts";
import { nodeStub } from "./stubs.ts";

// The employee's whole scheduled work, told to its agent (issue 18): the tasks (D1 `schedules`),
// its working hours (the heartbeat's active hours) and whether its own budget is spent (then
// every task and the heartbeat pause, without being forgotten). Sent after every change of any
// of them and whenever the employee starts running, whole each time (the agent makes OpenClaw's
// automations match), so a sync lost with a node is made good by the next start.

export async function syncSchedules(
  env: Env,
  log: Logger,
  r: EmployeeRecord | undefined,
  now: number,
): Promise<ScheduleSyncResult> {
  if (!r || r.desired === "gone") return { sent: false, reason: "gone" };
  // Only a running container takes it; every start sends it again.
  if (!r.nodeId || r.status !== "running") return { sent: false, reason: "not_running" };
  try {
    const db = openDb(env.DB);
    const [rows, employee, budget] = await Promise.all([
      listSchedules(db, r.id),
      db
        .select({ workingHours: employees.workingHours })
        .from(employees)
        .where(eq(employees.id, r.id))
        .get(),
      employeeBudget(db, r.id, new Date(now).toISOString().slice(0, 7)),
    ]);
    if (!employee) return { sent: false, reason: "gone" };
    const tasks: ScheduledTask[] = rows.map((s) => ({
      id: s.id,
      title: s.title,
      cron: s.cron,
      timeZone: s.timeZone,
      prompt: s.prompt,
      enabled: s.enabled,
    }));
    const workingHours: WorkingHours | null = employee.workingHours ?? null;
    const paused = budget?.state === "spent";
    await nodeStub(env, r.nodeId).dispatch({
      type: "schedules.sync",
      id: crypto.randomUUID(),
      employeeId: r.id,
      generation: r.generation ?? 0,
      tasks,
      workingHours,
      paused,
    });
    log.info("schedules sent", { tasks: tasks.length, paused });
    return { sent: true, tasks: tasks.length, paused };
  } catch (err) {
    // The next change or start sends the whole state again.
    log.warn("schedules could not be sent to the node", errorFields(err));
    return { sent: false, reason: "failed" };
  }
}
