CREATE TABLE `llm_keys` (
	`key_hash` text PRIMARY KEY NOT NULL,
	`employee_id` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `llm_keys_employee` ON `llm_keys` (`employee_id`);--> statement-breakpoint
CREATE TABLE `llm_usage` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`employee_id` text NOT NULL,
	`model` text NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL,
	`cost_micro_eur` integer NOT NULL,
	`stream` integer NOT NULL,
	`month` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `llm_usage_user_month` ON `llm_usage` (`user_id`,`month`);--> statement-breakpoint
CREATE INDEX `llm_usage_employee_month` ON `llm_usage` (`employee_id`,`month`);