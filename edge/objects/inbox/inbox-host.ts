import type { Env } from "../../env.ts";
import type { Logger } from "../../log/logger.ts";
import type { Clock } from "../clock.ts";
import type { EmployeeRecord } from "../employee-record.ts";

/** What the inbox needs of the object it lives in. */
export interface InboxHost {
  ctx: DurableObjectState;
  env: Env;
  clock: Clock;
  record(): EmployeeRecord | undefined;
  log(): Logger;
  /** The object's one alarm serves the lifecycle and the inbox's run deadlines. */
  syncAlarm(): void;
}
