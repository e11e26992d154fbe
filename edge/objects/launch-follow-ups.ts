import type { Env } from "../env.ts";
import type { Logger } from "../log/logger.ts";
import { recordStepTimings, stepHistory } from "../store/launch-timings.ts";
import type { EmployeeRecord } from "./employee-record.ts";
import type { LaunchUpdate } from "./launch-progress.ts";
import { expectedFrom, LAUNCH_HISTORY_SIZE } from "./launch-view.ts";
import { sendReadyMail } from "./ready-mail-sender.ts";

// What the EmployeeDO does about a launch's progress once a transition is stored, each named for
// its log line and run after the D1 mirror, in order: the finished steps join the measured
// history, a launch that began learns what its steps usually take (committed to the record, so
// the live viewers see it), and whoever hired the employee hears it is ready. The record already
// says the email is sent, so it goes at most once, even if sending fails.
export function launchFollowUps(
  env: Env,
  log: Logger,
  record: EmployeeRecord,
  launch: LaunchUpdate,
  object: { current: () => EmployeeRecord | undefined; commit: (r: EmployeeRecord) => void },
): [string, () => Promise<void>][] {
  const work: [string, () => Promise<void>][] = [];
  if (launch.finished.length > 0)
    work.push(["recording launch step times", () => recordStepTimings(env.DB, launch.finished)]);
  if (launch.started)
    work.push([
      "reading expected launch times",
      async () => {
        const expectedMs = expectedFrom(await stepHistory(env.DB, LAUNCH_HISTORY_SIZE));
        const r = object.current();
        // Only the launch it was read for: another may have begun meanwhile.
        if (r?.launch && r.launch.startedAt === record.launch?.startedAt)
          object.commit({ ...r, launch: { ...r.launch, expectedMs } });
      },
    ]);
  const notice = launch.notify;
  if (notice) work.push(["sending the ready email", () => sendReadyMail(env, log, record, notice)]);
  return work;
}
