import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { HeartbeatFacts } from "./openclaw-config.ts";

// What the last schedules.sync said of an employee's heartbeat (its working hours, paused), kept
// in the agent's state folder (STATE_DIR/schedules/<id>.json): the heartbeat lives in
// openclaw.json, which employee.configure renders anew from the spec, and a spec does not carry
// it. So configure reads it here, and a sync writes it here first (it holds even while the
// employee is stopped). Tasks need no such copy: they live in OpenClaw's own automations.
export const SCHEDULES_DIR = "schedules";
const ID = /^[A-Za-z0-9_-]{1,64}$/;

const Stored = z.strictObject({
  version: z.literal(1),
  workingHours: z
    .strictObject({
      start: z.string().regex(/^\d\d:\d\d$/),
      end: z.string().regex(/^\d\d:\d\d$/),
      timeZone: z.string().min(1).max(64),
    })
    .nullable(),
  paused: z.boolean(),
});

export class ScheduleState {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, SCHEDULES_DIR);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
  }

  /** The heartbeat facts of the last sync; null when there was none (or the file is bad). */
  heartbeat(employeeId: string): HeartbeatFacts {
    try {
      const parsed = Stored.safeParse(JSON.parse(readFileSync(this.file(employeeId), "utf8")));
      return parsed.success
        ? { workingHours: parsed.data.workingHours, paused: parsed.data.paused }
        : null;
    } catch {
      return null;
    }
  }

  /** Keeps the facts; says whether they differ from what was kept. */
  put(employeeId: string, facts: NonNullable<HeartbeatFacts>): boolean {
    const before = JSON.stringify(this.heartbeat(employeeId));
    const next = {
      workingHours: facts.workingHours
        ? {
            start: facts.workingHours.start,
            end: facts.workingHours.end,
            timeZone: facts.workingHours.timeZone,
          }
        : null,
      paused: facts.paused,
    };
    if (before === JSON.stringify(next)) return false;
    const file = this.file(employeeId);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, ...next }), { mode: 0o600 });
    renameSync(tmp, file);
    return true;
  }

  delete(employeeId: string): void {
    rmSync(this.file(employeeId), { force: true });
  }

  private file(employeeId: string): string {
    if (!ID.test(employeeId)) throw new Error(`not an employee id: ${employeeId.slice(0, 80)}`);
    return path.join(this.dir, `${employeeId}.json`);
  }
}
