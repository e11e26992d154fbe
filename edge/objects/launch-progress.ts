import type { EmployeeRecord, ReadyNotice } from "./employee-record.ts";
import { isLaunchStep, type LaunchRecord, type LaunchStepId } from "./launch-view.ts";

// The launch's checklist follows the lifecycle rather than being part of it: given the record
// before and after a transition (employee-lifecycle.ts) and the time, it moves the launch on,
// and says what the EmployeeDO must do about it: store the steps that finished, read the
// expected times for a launch that began, and email once when the employee is ready for the
// first time. Pure, so it is tested with a clock like the lifecycle.

export interface StepTiming {
  step: LaunchStepId;
  durationMs: number;
  endedAt: number;
  nodeId: string | null;
}

export interface LaunchUpdate {
  record: EmployeeRecord;
  /** Steps that finished and led on, to be added to the measured history. */
  finished: StepTiming[];
  /** A launch began: its steps' expected times are to be read. */
  started: boolean;
  /** Ready for the first time: who is to be told. */
  notify: ReadyNotice | null;
}

export function trackLaunch(
  before: EmployeeRecord | undefined,
  after: EmployeeRecord,
  now: number,
): LaunchUpdate {
  const launching = after.status === "provisioning";
  let launch: LaunchRecord | null = after.launch ?? null;
  let started = false;
  // A hire, or a Start of a stopped or failed employee, begins a launch; moving on within one
  // does not.
  if (launching && (!launch || launch.failed || before?.status !== "provisioning")) {
    launch = { startedAt: now, steps: [], failed: false };
    started = true;
  }
  if (!launch) return { record: after, finished: [], started, notify: null };

  const finished: StepTiming[] = [];
  const steps = launch.steps.map((s) => ({ ...s }));
  const last = steps.at(-1);
  const active = last && last.endedAt === null ? last : undefined;
  const current = launching && isLaunchStep(after.step) ? after.step : null;
  if (active && active.id !== current) {
    active.endedAt = now;
    if (after.status === "error") active.failed = true;
    else if (launching || after.status === "running")
      finished.push({
        step: active.id,
        durationMs: now - active.startedAt,
        endedAt: now,
        nodeId: after.nodeId,
      });
  }
  if (current && active?.id !== current) steps.push({ id: current, startedAt: now, endedAt: null });

  if (after.status === "running" && before?.status === "provisioning") {
    const notify = after.notifyWhenReady ?? null;
    return { record: { ...after, launch: null, notifyWhenReady: null }, finished, started, notify };
  }
  // A failed launch stays on show, with the step it failed at, until the next one begins.
  if (after.status === "error")
    return {
      record: { ...after, launch: { ...launch, steps, failed: true } },
      finished,
      started,
      notify: null,
    };
  // Stopped, fired or held meanwhile: there is no launch to show.
  if (!launching) return { record: { ...after, launch: null }, finished, started, notify: null };
  return { record: { ...after, launch: { ...launch, steps } }, finished, started, notify: null };
}
