-- Trust and proof (issue 18). Hand-written: db/approvals/, db/schedules/, db/work-entries/ and
-- the new columns of db/employees/, db/memberships/ and db/accounts/ are the schema it matches.
CREATE TABLE `approvals` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`employee_id` text NOT NULL,
	`openclaw_id` text NOT NULL,
	`action` text NOT NULL,
	`details` text NOT NULL,
	`session_key` text,
	`conversation_id` text,
	`schedule_id` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`decision` text,
	`reason` text,
	`decided_by` text,
	`requested_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`decided_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`employee_id`) REFERENCES `employees`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `approvals_employee_openclaw` ON `approvals` (`employee_id`,`openclaw_id`);--> statement-breakpoint
CREATE INDEX `approvals_account_status` ON `approvals` (`account_id`,`status`,`requested_at`);--> statement-breakpoint
CREATE INDEX `approvals_status_expires` ON `approvals` (`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `schedules` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`employee_id` text NOT NULL,
	`title` text NOT NULL,
	`prompt` text NOT NULL,
	`cron` text NOT NULL,
	`time_zone` text NOT NULL,
	`deliver_to` text,
	`enabled` integer DEFAULT 1 NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`employee_id`) REFERENCES `employees`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `schedules_employee` ON `schedules` (`employee_id`);--> statement-breakpoint
CREATE TABLE `work_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`employee_id` text NOT NULL,
	`kind` text NOT NULL,
	`title` text NOT NULL,
	`conversation_id` text,
	`schedule_id` text,
	`run_key` text NOT NULL,
	`session_key` text,
	`started_at` integer NOT NULL,
	`ended_at` integer NOT NULL,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`cost_micro_eur` integer DEFAULT 0 NOT NULL,
	`outcome` text NOT NULL,
	`approvals` integer DEFAULT 0 NOT NULL,
	`approvals_denied` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`employee_id`) REFERENCES `employees`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `work_entries_employee_run` ON `work_entries` (`employee_id`,`run_key`);--> statement-breakpoint
CREATE INDEX `work_entries_employee_started` ON `work_entries` (`employee_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `work_entries_account_started` ON `work_entries` (`account_id`,`started_at`);--> statement-breakpoint
ALTER TABLE `employees` ADD `autonomy` text DEFAULT 'ask' NOT NULL;--> statement-breakpoint
-- Employees hired before autonomy existed ran every command without asking (OpenClaw's own
-- default): they keep that until a person narrows it. New ones start in "ask".
UPDATE `employees` SET `autonomy` = 'autonomous';--> statement-breakpoint
ALTER TABLE `employees` ADD `budget_cents` integer;--> statement-breakpoint
ALTER TABLE `employees` ADD `budget_notice` text;--> statement-breakpoint
ALTER TABLE `employees` ADD `working_hours` text;--> statement-breakpoint
ALTER TABLE `employees` ADD `minutes_saved` text;--> statement-breakpoint
ALTER TABLE `memberships` ADD `can_approve` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `accounts` ADD `time_zone` text DEFAULT 'UTC' NOT NULL;--> statement-breakpoint
ALTER TABLE `accounts` ADD `report_sent_week` text;
