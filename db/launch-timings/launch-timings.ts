import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// How long each step of a launch really took (edge/contract/launch.ts), one row per step that
// finished, so the checklist can say what a step usually takes (the median of the latest). Only
// steps that led on are kept (a failed one's time says nothing of the next); no account, person
// or employee is named, so no customer's data lives here and an account's purge has nothing to
// remove. Each step keeps its latest LAUNCH_HISTORY_KEEP rows (edge/store/launch-timings.ts).
export const launchTimings = sqliteTable(
  "launch_timings",
  {
    id: text("id").primaryKey(),
    step: text("step").notNull(),
    durationMs: integer("duration_ms").notNull(),
    // The node the step ran on (null before one was found): to tell a slow server apart.
    nodeId: text("node_id"),
    endedAt: integer("ended_at").notNull(),
  },
  (t) => [index("launch_timings_step_ended").on(t.step, t.endedAt)],
);
