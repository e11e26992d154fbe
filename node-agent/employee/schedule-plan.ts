import { z } from "zod";
import type { ScheduledTask } from "../../edge/protocol/frames.ts";
import { JOB_PREFIX, type JobOwner, jobOwner, taskOfName } from "./work-runs.ts";

// schedules.sync as OpenClaw automations (issue 18): each task one job named `iw:<taskId>`,
// an isolated agent turn with the task's prompt on its cron expression and time zone, delivered
// nowhere (the edge posts results itself). Pure: what OpenClaw has (cron.list rows) and what the
// edge wants become the calls that make them equal. Jobs not named `iw:` are the employee's own
// and are left alone; two jobs of one task (a crash between add and the next sync) keep one.

const Text = z.string().max(100_000);
export const JobRow = z.looseObject({
  id: z.string().min(1).max(200),
  name: Text,
  enabled: z.boolean(),
  description: Text.optional(),
  schedule: z.looseObject({ kind: Text, expr: Text.optional(), tz: Text.optional() }),
  sessionTarget: Text.optional(),
  payload: z.looseObject({ kind: Text, message: Text.optional() }).optional(),
});
export type JobRow = z.infer<typeof JobRow>;

// Only what is used: the page's other fields (total, offset, nextOffset: null at the end, …)
// vary by version.
const ListPage = z.looseObject({
  jobs: z.array(z.unknown()).max(1_000),
  hasMore: z.boolean().nullable().optional(),
});

export const LIST_PAGE = 200;
/** More jobs than this in one employee's OpenClaw are not read (ours are at most 50). */
export const MAX_JOBS_READ = 1_000;

/** The rows of one cron.list page that parse, and whether another page follows. */
export function listPage(answer: unknown): { rows: JobRow[]; more: boolean } {
  const page = ListPage.safeParse(answer);
  if (!page.success) return { rows: [], more: false };
  const rows: JobRow[] = [];
  for (const j of page.data.jobs) {
    const row = JobRow.safeParse(j);
    if (row.success) rows.push(row.data);
  }
  const more = page.data.hasMore ?? page.data.jobs.length >= LIST_PAGE;
  return { rows, more };
}

/** Who owns each job the agent reports runs of (ours and the heartbeat's). */
export function ownersOf(rows: readonly JobRow[]): Map<string, JobOwner> {
  const owners = new Map<string, JobOwner>();
  for (const r of rows) {
    const owner = jobOwner(r);
    if (owner) owners.set(r.id, owner);
  }
  return owners;
}

export type PlanStep =
  | { method: "cron.add"; taskId: string; params: Record<string, unknown> }
  | {
      method: "cron.update";
      taskId: string;
      params: { id: string; patch: Record<string, unknown> };
    }
  | { method: "cron.remove"; taskId: string; params: { id: string } };

const agentTurn = (t: ScheduledTask) => ({ kind: "agentTurn", message: t.prompt });
const schedule = (t: ScheduledTask) => ({ kind: "cron", expr: t.cron, tz: t.timeZone });

/** The calls that make OpenClaw's `iw:` jobs what the edge wants (none when they are). */
export function planSync(
  rows: readonly JobRow[],
  tasks: readonly ScheduledTask[],
  paused: boolean,
): PlanStep[] {
  const steps: PlanStep[] = [];
  const ours = new Map<string, JobRow[]>();
  for (const r of rows) {
    const owner = taskOfName(r.name);
    if (owner?.kind !== "task") continue;
    const list = ours.get(owner.taskId) ?? [];
    list.push(r);
    ours.set(owner.taskId, list);
  }
  const wanted = new Map<string, ScheduledTask>();
  for (const t of tasks) wanted.set(t.id, t); // a repeated id: the last wins
  for (const [taskId, jobs] of ours) {
    const keep = wanted.has(taskId) ? jobs.slice(1) : jobs;
    for (const j of keep) steps.push({ method: "cron.remove", taskId, params: { id: j.id } });
  }
  for (const t of wanted.values()) {
    const enabled = t.enabled && !paused;
    const existing = ours.get(t.id)?.[0];
    if (!existing) {
      steps.push({
        method: "cron.add",
        taskId: t.id,
        params: {
          name: `${JOB_PREFIX}${t.id}`,
          description: t.title,
          enabled,
          schedule: schedule(t),
          sessionTarget: "isolated",
          wakeMode: "now",
          payload: agentTurn(t),
          delivery: { mode: "none" },
        },
      });
      continue;
    }
    const same =
      existing.enabled === enabled &&
      existing.description === t.title &&
      existing.schedule.kind === "cron" &&
      existing.schedule.expr === t.cron &&
      existing.schedule.tz === t.timeZone &&
      existing.sessionTarget === "isolated" &&
      existing.payload?.kind === "agentTurn" &&
      existing.payload.message === t.prompt;
    if (same) continue;
    steps.push({
      method: "cron.update",
      taskId: t.id,
      params: {
        id: existing.id,
        patch: {
          description: t.title,
          enabled,
          schedule: schedule(t),
          sessionTarget: "isolated",
          payload: agentTurn(t),
        },
      },
    });
  }
  return steps;
}
