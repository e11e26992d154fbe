import * as z from "zod/mini";
import { ChannelKind } from "./channels.ts";

// Scheduled work (issue 18): recurring tasks per employee, each an OpenClaw automation the agent
// keeps in step (frames.ts schedules.sync), and the employee's working hours and time zone (its
// heartbeat's active hours).

/** At most this many tasks per employee. */
export const MAX_SCHEDULES = 20;
/** A task fires at most this often unless the server says otherwise
 * (SCHEDULE_MIN_INTERVAL_SECONDS); tests lower it. */
export const DEFAULT_SCHEDULE_MIN_INTERVAL_SECONDS = 300;

/** An IANA time zone the runtime knows (Europe/Berlin, UTC, …). */
export const TimeZone = z.string().check(
  z.minLength(1),
  z.maxLength(64),
  z.refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { message: "Not a time zone (e.g. Europe/Berlin)." },
  ),
);

const Clock = z.string().check(z.regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, "A time like 09:00."));
/** Days 0 = Sunday … 6 = Saturday, in the employee's time zone. */
export const WorkingHoursInput = z.strictObject({
  days: z.array(z.number().check(z.int(), z.minimum(0), z.maximum(6))).check(
    z.maxLength(7),
    z.refine((d) => new Set(d).size === d.length, { message: "Each day once." }),
  ),
  start: Clock,
  end: z.string().check(z.regex(/^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/, "A time like 17:00.")),
  timeZone: TimeZone,
});
export type WorkingHoursInput = z.infer<typeof WorkingHoursInput>;

export const ScheduleView = z.object({
  id: z.string(),
  employeeId: z.string(),
  title: z.string(),
  prompt: z.string(),
  /** A 5-field cron expression (6 with seconds where the server allows that often). */
  cron: z.string(),
  timeZone: z.string(),
  /** The channel its result also goes to; null: only the dashboard. */
  deliverTo: z.nullable(ChannelKind),
  enabled: z.boolean(),
  /** When it fires next; null when disabled or paused (budget spent). */
  nextRunAt: z.nullable(z.string()),
  lastRun: z.nullable(z.object({ at: z.string(), outcome: z.string() })),
  createdAt: z.string(),
});
export type ScheduleView = z.infer<typeof ScheduleView>;

/** POST /api/employees/:id/schedules (the cron expression is checked by the service). */
export const NewSchedule = z.strictObject({
  title: z.string().check(z.trim(), z.minLength(1), z.maxLength(80)),
  prompt: z.string().check(z.trim(), z.minLength(1), z.maxLength(4000)),
  cron: z.string().check(z.trim(), z.minLength(9), z.maxLength(100)),
  timeZone: TimeZone,
  deliverTo: z.optional(z.nullable(ChannelKind)),
  enabled: z.optional(z.boolean()),
});
export type NewSchedule = z.input<typeof NewSchedule>;

/** PATCH /api/employees/:id/schedules/:scheduleId */
export const SchedulePatch = z
  .strictObject({
    title: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(80))),
    prompt: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(4000))),
    cron: z.optional(z.string().check(z.trim(), z.minLength(9), z.maxLength(100))),
    timeZone: z.optional(TimeZone),
    deliverTo: z.optional(z.nullable(ChannelKind)),
    enabled: z.optional(z.boolean()),
  })
  .check(z.refine((v) => Object.keys(v).length > 0, { message: "Nothing to change." }));
export type SchedulePatch = z.input<typeof SchedulePatch>;
