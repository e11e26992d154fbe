CREATE TABLE `nodes` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	`status` text DEFAULT 'offline' NOT NULL,
	`last_seen_at` integer,
	`agent_version` text,
	`capacity_slots` integer DEFAULT 0 NOT NULL,
	`used_slots` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nodes_name_unique` ON `nodes` (`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `nodes_token_hash_unique` ON `nodes` (`token_hash`);--> statement-breakpoint
ALTER TABLE `employees` ADD `step` text;