-- Snapshots, restores, node loss and drain (issue 16). Hand-written: db/snapshots/, db/nodes/ and
-- db/employees/ are the schema it matches. nodes.status gains 'lost' (a text column: no change).
CREATE TABLE `snapshots` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`employee_id` text NOT NULL,
	`node_id` text,
	`generation` integer DEFAULT 0 NOT NULL,
	`kind` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`created_at` integer NOT NULL,
	`completed_at` integer,
	`logical_bytes` integer DEFAULT 0 NOT NULL,
	`stored_bytes` integer DEFAULT 0 NOT NULL,
	`file_count` integer DEFAULT 0 NOT NULL,
	`manifest_sha256` text,
	`openclaw_version` text,
	`image` text,
	`agent_version` text,
	`expires_at` integer,
	`error` text,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `snapshots_employee_created` ON `snapshots` (`employee_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `snapshots_status_created` ON `snapshots` (`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `snapshot_keys` (
	`account_id` text PRIMARY KEY NOT NULL,
	`key_id` text NOT NULL,
	`wrapped_key` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `nodes` ADD `draining_at` integer;--> statement-breakpoint
ALTER TABLE `employees` ADD `generation` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `employees` ADD `last_snapshot_at` integer;--> statement-breakpoint
ALTER TABLE `employees` ADD `restored_from` integer;
