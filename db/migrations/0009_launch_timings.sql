-- The launch checklist (edge/contract/launch.ts): each launch step's measured time, for the
-- "usually about N s" of each step; and when an employee's launch began, the order in which
-- employees waiting for a server are served. Hand-written: db/launch-timings/ and
-- db/employees/ are the schema it matches.
CREATE TABLE `launch_timings` (
	`id` text PRIMARY KEY NOT NULL,
	`step` text NOT NULL,
	`duration_ms` integer NOT NULL,
	`node_id` text,
	`ended_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `launch_timings_step_ended` ON `launch_timings` (`step`,`ended_at`);--> statement-breakpoint
ALTER TABLE `employees` ADD `waiting_since` integer;--> statement-breakpoint
CREATE INDEX `employees_waiting` ON `employees` (`status`,`node_id`,`waiting_since`);
