import { z } from "zod";
import type { AgentEvent } from "../../edge/protocol/frames.ts";

// Runs of an employee's scheduled work as OpenClaw's automations report them, and the work.run
// frames they become (issue 18). Pure. Sources (2026.9.6, /work/research/trust-openclaw.md §3):
// the `cron` event {jobId, action: "finished", job?, runAtMs, durationMs, status, summary, error,
// runId?} and cron.runs entries {ts, jobId, action: "finished", status, summary?, error?,
// runAtMs?, durationMs?, jobName?}. Only our jobs (named `iw:<taskId>`) and the heartbeat's
// system job (payload kind "heartbeat", taskId null) become frames; anything else the employee
// scheduled itself is not ours to report.

type WorkRun = Extract<AgentEvent, { type: "work.run" }>;

export const JOB_PREFIX = "iw:";
const TASK_ID = /^[A-Za-z0-9_-]{1,64}$/;
const SUMMARY_CHARS = 2000;
const Ms = z.number().int().min(0).max(8.64e15);
const Text = z.string().max(1_000_000);

/** What the agent knows of a job: ours (`task`, its id) or the heartbeat. */
export type JobOwner = { kind: "task"; taskId: string } | { kind: "heartbeat" };

const JobView = z.looseObject({
  id: Text.optional(),
  name: Text.optional(),
  payload: z.looseObject({ kind: Text }).optional(),
});

/** Whose a job is, from its public view (a cron.list row or an event's `job`). */
export function jobOwner(job: unknown): JobOwner | null {
  const j = JobView.safeParse(job);
  if (!j.success) return null;
  if (j.data.payload?.kind === "heartbeat") return { kind: "heartbeat" };
  return taskOfName(j.data.name);
}

/** `iw:<taskId>` → the task; anything else null. */
export function taskOfName(name: string | undefined): JobOwner | null {
  if (!name?.startsWith(JOB_PREFIX)) return null;
  const taskId = name.slice(JOB_PREFIX.length);
  return TASK_ID.test(taskId) ? { kind: "task", taskId } : null;
}

const Finished = z.looseObject({
  jobId: z.string().min(1).max(200),
  action: z.literal("finished"),
  job: z.unknown().optional(),
  jobName: Text.optional(),
  ts: Ms.optional(),
  runAtMs: Ms.optional(),
  durationMs: Ms.optional(),
  status: z.enum(["ok", "error", "skipped"]).optional(),
  summary: Text.optional(),
  error: Text.optional(),
});

const RUN_KEY = /^[!-~]{1,200}$/;

/**
 * The work.run of a finished run, or null when it is none of ours. `known` says whose a job id is
 * (from the last cron.list) when the payload carries neither the job nor its name.
 */
export function workRunFrame(
  payload: unknown,
  ids: { employeeId: string; containerId: string | null },
  known: ReadonlyMap<string, JobOwner>,
  now: number,
): WorkRun | null {
  const f = Finished.safeParse(payload);
  if (!f.success) return null;
  const e = f.data;
  const owner =
    (e.job !== undefined ? jobOwner(e.job) : null) ??
    taskOfName(e.jobName) ??
    known.get(e.jobId) ??
    null;
  if (!owner) return null;
  const ended =
    e.runAtMs !== undefined && e.durationMs !== undefined
      ? e.runAtMs + e.durationMs
      : (e.ts ?? now);
  const started = e.runAtMs ?? Math.max(0, ended - (e.durationMs ?? 0));
  // OpenClaw's own identity of a run is cron:<jobId>:<startedAt>: the same run read from the
  // event and later from cron.runs has the same key, so the edge records it once.
  const runKey = `cron:${e.jobId}:${started}`;
  if (!RUN_KEY.test(runKey)) return null;
  const outcome = e.status === "ok" ? "done" : e.status === "skipped" ? "skipped" : "failed";
  const summary = (outcome === "done" ? (e.summary ?? "") : (e.error ?? e.summary ?? "")).slice(
    0,
    SUMMARY_CHARS,
  );
  return {
    type: "work.run",
    employeeId: ids.employeeId,
    containerId: ids.containerId,
    runKey,
    taskId: owner.kind === "task" ? owner.taskId : null,
    startedAt: started,
    endedAt: Math.max(ended, started),
    outcome,
    summary,
  };
}

const RunsAnswer = z.looseObject({
  entries: z.array(z.unknown()).max(10_000).optional(),
  runs: z.array(z.unknown()).max(10_000).optional(),
});
/** The entries of a cron.runs answer (at most `max`). */
export function runEntries(answer: unknown, max: number): unknown[] {
  const parsed = RunsAnswer.safeParse(answer);
  if (!parsed.success) return [];
  return (parsed.data.entries ?? parsed.data.runs ?? []).slice(0, max);
}
