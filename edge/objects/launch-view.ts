import {
  LAUNCH_STEPS,
  type Launch,
  type LaunchStep,
  type LaunchStepId,
} from "../contract/launch.ts";
import type { StepId } from "../contract/steps.ts";

// What an EmployeeDO keeps of the launch in progress (launch-progress.ts moves it on), and how
// the API shows it (edge/contract/launch.ts).

export type { LaunchStepId };

export interface LaunchStepRecord {
  id: LaunchStepId;
  startedAt: number;
  endedAt: number | null;
  failed?: boolean;
}

export interface LaunchRecord {
  startedAt: number;
  steps: LaunchStepRecord[];
  failed: boolean;
  /** What each step usually takes, read from the measured history when the launch began. */
  expectedMs?: Partial<Record<LaunchStepId, number>>;
}

// Before any launch was measured: OpenClaw is ready in 10–40 s under runc once its image is on
// the node (employee-timeouts.ts); the rest is the edge's and the node's own bookkeeping.
export const DEFAULT_EXPECTED_MS: Record<LaunchStepId, number> = {
  finding_server: 1_000,
  waiting_for_server: 60_000,
  preparing_workspace: 5_000,
  starting_container: 5_000,
  waiting_until_ready: 30_000,
};

// How many of the latest measurements of a step its expected time is the median of: enough that
// one slow launch does not move it, few enough that it follows a faster image or a busier fleet.
export const LAUNCH_HISTORY_SIZE = 25;

export const isLaunchStep = (step: StepId | null): step is LaunchStepId =>
  step !== null && (LAUNCH_STEPS as readonly StepId[]).includes(step);

/** The median (the mean of the middle two for an even count); null for no values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : Math.round(((sorted[mid - 1] as number) + upper) / 2);
}

/** Each step's expected time: the median of its history, or the default before there is any. */
export function expectedFrom(
  history: Partial<Record<LaunchStepId, readonly number[]>>,
): Record<LaunchStepId, number> {
  const expected = { ...DEFAULT_EXPECTED_MS };
  for (const id of LAUNCH_STEPS) expected[id] = median(history[id] ?? []) ?? expected[id];
  return expected;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

// The steps entered so far in the order they came, then those still to come. Waiting for a
// server is never announced ahead: it is shown only once it happens. A step the node skipped
// (it may report `started` without `created`) is left out rather than shown pending forever.
export function launchView(
  launch: LaunchRecord,
  queuePosition: number | null,
  readyEmail: boolean,
): Launch {
  const expected = (id: LaunchStepId) => launch.expectedMs?.[id] ?? DEFAULT_EXPECTED_MS[id];
  const entered: LaunchStep[] = launch.steps.map((s) => ({
    id: s.id,
    status: s.failed ? "failed" : s.endedAt !== null ? "done" : "active",
    startedAt: iso(s.startedAt),
    endedAt: iso(s.endedAt),
    expectedMs: expected(s.id),
  }));
  const last = launch.steps.at(-1);
  const from = last ? LAUNCH_STEPS.indexOf(last.id) + 1 : 0;
  const pending: LaunchStep[] = LAUNCH_STEPS.slice(from)
    .filter((id) => id !== "waiting_for_server")
    .map((id) => ({
      id,
      status: "pending",
      startedAt: null,
      endedAt: null,
      expectedMs: expected(id),
    }));
  const waiting = last?.id === "waiting_for_server" && last.endedAt === null && !launch.failed;
  return {
    startedAt: new Date(launch.startedAt).toISOString(),
    steps: [...entered, ...pending],
    queuePosition: waiting ? queuePosition : null,
    readyEmail,
  };
}
