import { openDb } from "../../db/client.ts";
import { launchTimings } from "../../db/schema.ts";
import { LAUNCH_STEPS, type LaunchStepId } from "../contract/launch.ts";

// The measured history of launch steps (db/launch-timings): appended as steps finish, read as
// the latest few per step when a launch begins.

// Rows kept per step: the history read is far shorter, the rest is for whoever looks at it.
export const LAUNCH_HISTORY_KEEP = 500;

export interface StepTimingRow {
  step: LaunchStepId;
  durationMs: number;
  endedAt: number;
  nodeId: string | null;
}

export async function recordStepTimings(d1: D1Database, rows: StepTimingRow[]): Promise<void> {
  if (rows.length === 0) return;
  await openDb(d1)
    .insert(launchTimings)
    .values(rows.map((r) => ({ id: crypto.randomUUID(), ...r })));
  // Older rows of these steps go; one statement per step, through the (step, ended_at) index.
  await d1.batch(
    [...new Set(rows.map((r) => r.step))].map((step) =>
      d1
        .prepare(
          `DELETE FROM launch_timings WHERE step = ?1 AND ended_at < (
             SELECT ended_at FROM launch_timings WHERE step = ?1
             ORDER BY ended_at DESC LIMIT 1 OFFSET ?2)`,
        )
        .bind(step, LAUNCH_HISTORY_KEEP - 1),
    ),
  );
}

/** The latest `perStep` durations of each launch step, newest first. */
export async function stepHistory(
  d1: D1Database,
  perStep: number,
): Promise<Partial<Record<LaunchStepId, number[]>>> {
  const { results } = await d1
    .prepare(
      `SELECT step, duration_ms AS ms FROM (
         SELECT step, duration_ms, row_number() OVER (PARTITION BY step ORDER BY ended_at DESC) AS n
         FROM launch_timings)
       WHERE n <= ?1`,
    )
    .bind(perStep)
    .all<{ step: string; ms: number }>();
  const history: Partial<Record<LaunchStepId, number[]>> = {};
  for (const row of results) {
    const step = LAUNCH_STEPS.find((id) => id === row.step);
    if (step) history[step] = [...(history[step] ?? []), row.ms];
  }
  return history;
}
