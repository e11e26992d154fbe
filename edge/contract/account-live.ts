import * as z from "zod/mini";
import { ApprovalView } from "./approvals.ts";

// The account's live socket (GET /api/live, issue 18), edge → browser: what the whole team sees
// change wherever it is in the app. An approval when it is asked for and when it is decided or
// expires (the app's badge counts the pending ones). The same ping/pong and re-admission as an
// employee's live socket (live.ts).
export const AccountLiveFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("approval"), approval: ApprovalView }),
]);
export type AccountLiveFrame = z.infer<typeof AccountLiveFrame>;

/** The one way an account live frame is made. */
export const accountLiveFrame = (frame: AccountLiveFrame): string => JSON.stringify(frame);

/** The one parser of account live frames; null for anything that is not one (pongs included). */
export function parseAccountLiveFrame(raw: unknown): AccountLiveFrame | null {
  if (typeof raw !== "string") return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = AccountLiveFrame.safeParse(value);
  return parsed.success ? parsed.data : null;
}
