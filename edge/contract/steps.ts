import * as z from "zod/mini";

// The steps an employee goes through while it is provisioned, restarted, stopped or removed. The
// API's employee object carries the step's id; the English text is served with the catalogue
// (GET /api/catalogue `steps`), and the app keeps the other languages by the same id.
export const STEP_IDS = [
  "finding_server",
  "waiting_for_server",
  "preparing_workspace",
  "starting_container",
  "waiting_until_ready",
  "restarting",
  "stopping",
  "removing",
  // Backups and restores (issue 16).
  "taking_snapshot",
  "waiting_for_lost_server",
  "fetching_snapshot",
  "swapping_state",
  "moving_to_new_server",
] as const;
export const StepId = z.enum(STEP_IDS);
export type StepId = z.infer<typeof StepId>;

export const STEP_TEXT: Record<StepId, string> = {
  finding_server: "Finding a server",
  waiting_for_server: "Waiting for a server with room",
  preparing_workspace: "Preparing the workspace",
  starting_container: "Starting the container",
  waiting_until_ready: "Waiting for the employee to be ready",
  restarting: "Restarting",
  stopping: "Stopping",
  removing: "Removing the container and its data",
  taking_snapshot: "Backing up its current state",
  waiting_for_lost_server: "Its server stopped answering: moving it to another",
  fetching_snapshot: "Fetching its backup",
  swapping_state: "Putting its state back",
  moving_to_new_server: "Moving it to another server",
};
