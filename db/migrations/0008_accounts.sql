-- Teams: the tenant becomes the account. Each user becomes the owner of an account with the same
-- id, so every row that hung off users.id (employees, knowledge, keys, usage, subscriptions, chat
-- views) keeps its value, now as account_id, and R2 keys and Durable Objects named by it still
-- match. Plan, trial and Stripe fields move from users to accounts.
--
-- Order matters: D1 enforces foreign keys, and dropping a parent table deletes its children
-- through ON DELETE CASCADE. So the new users table exists first (users_new), everything that must
-- survive points at it or at accounts, the old tables go, and the renames at the end rewrite the
-- references (SQLite's RENAME updates foreign keys in other tables).
PRAGMA defer_foreign_keys = on;
--> statement-breakpoint
CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`plan` text DEFAULT 'trial' NOT NULL,
	`trial_ends_at` integer NOT NULL,
	`stripe_customer_id` text,
	`billing_notice` text,
	`deletion_requested_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
INSERT INTO `accounts` (`id`, `name`, `plan`, `trial_ends_at`, `stripe_customer_id`, `billing_notice`, `created_at`, `updated_at`)
	SELECT `id`, COALESCE(NULLIF(TRIM(`name`), ''), `email`), `plan`, `trial_ends_at`, `stripe_customer_id`, `billing_notice`, `created_at`, `updated_at` FROM `users`;
--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_stripe_customer_id_unique` ON `accounts` (`stripe_customer_id`);
--> statement-breakpoint
CREATE TABLE `users_new` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text,
	`created_at` integer NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
INSERT INTO `users_new` (`id`, `email`, `name`, `created_at`, `updated_at`)
	SELECT `id`, `email`, `name`, `created_at`, `updated_at` FROM `users`;
--> statement-breakpoint
CREATE TABLE `memberships` (
	`account_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `user_id`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users_new`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `memberships` (`account_id`, `user_id`, `role`, `created_at`)
	SELECT `id`, `id`, 'owner', `created_at` FROM `users`;
--> statement-breakpoint
CREATE TABLE `employees_new` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`tone` text NOT NULL,
	`skills` text NOT NULL,
	`status` text DEFAULT 'none' NOT NULL,
	`status_reason` text,
	`step` text,
	`node_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `employees_new` (`id`, `account_id`, `name`, `role`, `tone`, `skills`, `status`, `status_reason`, `step`, `node_id`, `created_at`, `updated_at`)
	SELECT `id`, `user_id`, `name`, `role`, `tone`, `skills`, `status`, `status_reason`, `step`, `node_id`, `created_at`, `updated_at` FROM `employees`;
--> statement-breakpoint
DROP TABLE `employees`;
--> statement-breakpoint
ALTER TABLE `employees_new` RENAME TO `employees`;
--> statement-breakpoint
CREATE INDEX `employees_account_id` ON `employees` (`account_id`);
--> statement-breakpoint
CREATE TABLE `knowledge_files_new` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`folder` text NOT NULL,
	`name` text NOT NULL,
	`content_type` text NOT NULL,
	`size` integer NOT NULL,
	`sha256` text NOT NULL,
	`r2_key` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `knowledge_files_new` (`id`, `account_id`, `folder`, `name`, `content_type`, `size`, `sha256`, `r2_key`, `created_at`)
	SELECT `id`, `user_id`, `folder`, `name`, `content_type`, `size`, `sha256`, `r2_key`, `created_at` FROM `knowledge_files`;
--> statement-breakpoint
DROP TABLE `knowledge_files`;
--> statement-breakpoint
ALTER TABLE `knowledge_files_new` RENAME TO `knowledge_files`;
--> statement-breakpoint
CREATE UNIQUE INDEX `knowledge_files_folder_name` ON `knowledge_files` (`account_id`,`folder`,`name`);
--> statement-breakpoint
CREATE INDEX `knowledge_files_folder` ON `knowledge_files` (`folder`);
--> statement-breakpoint
CREATE TABLE `llm_keys_new` (
	`key_hash` text PRIMARY KEY NOT NULL,
	`employee_id` text NOT NULL,
	`account_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `llm_keys_new` (`key_hash`, `employee_id`, `account_id`, `created_at`, `revoked_at`)
	SELECT `key_hash`, `employee_id`, `user_id`, `created_at`, `revoked_at` FROM `llm_keys`;
--> statement-breakpoint
DROP TABLE `llm_keys`;
--> statement-breakpoint
ALTER TABLE `llm_keys_new` RENAME TO `llm_keys`;
--> statement-breakpoint
CREATE INDEX `llm_keys_employee` ON `llm_keys` (`employee_id`);
--> statement-breakpoint
CREATE TABLE `subscriptions_new` (
	`stripe_subscription_id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`status` text NOT NULL,
	`plan` text NOT NULL,
	`stripe_created_at` integer DEFAULT 0 NOT NULL,
	`current_period_end` integer,
	`cancel_at_period_end` integer DEFAULT false NOT NULL,
	`past_due_since` integer,
	`event_created_at` integer NOT NULL,
	`payment_event_created_at` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `subscriptions_new` (`stripe_subscription_id`, `account_id`, `status`, `plan`, `stripe_created_at`, `current_period_end`, `cancel_at_period_end`, `past_due_since`, `event_created_at`, `payment_event_created_at`, `updated_at`)
	SELECT `stripe_subscription_id`, `user_id`, `status`, `plan`, `stripe_created_at`, `current_period_end`, `cancel_at_period_end`, `past_due_since`, `event_created_at`, `payment_event_created_at`, `updated_at` FROM `subscriptions`;
--> statement-breakpoint
DROP TABLE `subscriptions`;
--> statement-breakpoint
ALTER TABLE `subscriptions_new` RENAME TO `subscriptions`;
--> statement-breakpoint
CREATE INDEX `subscriptions_account_id` ON `subscriptions` (`account_id`);
--> statement-breakpoint
CREATE TABLE `chat_views_new` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`employee_id` text NOT NULL,
	`opened_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `chat_views_new` (`id`, `account_id`, `employee_id`, `opened_at`)
	SELECT `id`, `user_id`, `employee_id`, `opened_at` FROM `chat_views`;
--> statement-breakpoint
DROP TABLE `chat_views`;
--> statement-breakpoint
ALTER TABLE `chat_views_new` RENAME TO `chat_views`;
--> statement-breakpoint
CREATE INDEX `chat_views_account` ON `chat_views` (`account_id`,`opened_at`);
--> statement-breakpoint
DROP INDEX `llm_usage_user_month`;
--> statement-breakpoint
ALTER TABLE `llm_usage` RENAME COLUMN `user_id` TO `account_id`;
--> statement-breakpoint
CREATE INDEX `llm_usage_account_month` ON `llm_usage` (`account_id`,`month`);
--> statement-breakpoint
CREATE TABLE `sessions_new` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`user_id` text NOT NULL,
	`active_account_id` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`user_agent` text,
	`ip` text,
	FOREIGN KEY (`user_id`) REFERENCES `users_new`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`active_account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
INSERT INTO `sessions_new` (`token_hash`, `id`, `user_id`, `active_account_id`, `created_at`, `expires_at`, `last_seen_at`, `user_agent`)
	SELECT `token_hash`, lower(hex(randomblob(16))), `user_id`, `user_id`, `created_at`, `expires_at`, `created_at`, `user_agent` FROM `sessions`;
--> statement-breakpoint
DROP TABLE `sessions`;
--> statement-breakpoint
CREATE TABLE `oauth_accounts_new` (
	`provider` text NOT NULL,
	`provider_user_id` text NOT NULL,
	`user_id` text NOT NULL,
	`email` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`provider`, `provider_user_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users_new`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `oauth_accounts_new` (`provider`, `provider_user_id`, `user_id`, `email`, `created_at`)
	SELECT `provider`, `provider_user_id`, `user_id`, `email`, `created_at` FROM `oauth_accounts`;
--> statement-breakpoint
DROP TABLE `oauth_accounts`;
--> statement-breakpoint
DROP TABLE `users`;
--> statement-breakpoint
ALTER TABLE `users_new` RENAME TO `users`;
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);
--> statement-breakpoint
ALTER TABLE `sessions_new` RENAME TO `sessions`;
--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_id_unique` ON `sessions` (`id`);
--> statement-breakpoint
CREATE INDEX `sessions_user_id` ON `sessions` (`user_id`);
--> statement-breakpoint
ALTER TABLE `oauth_accounts_new` RENAME TO `oauth_accounts`;
--> statement-breakpoint
CREATE INDEX `oauth_accounts_user_id` ON `oauth_accounts` (`user_id`);
--> statement-breakpoint
CREATE INDEX `memberships_user_id` ON `memberships` (`user_id`);
--> statement-breakpoint
CREATE TABLE `invitations` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`email` text NOT NULL,
	`role` text NOT NULL,
	`token_hash` text NOT NULL,
	`invited_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`accepted_at` integer,
	`accepted_by` text,
	`revoked_at` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_token_hash_unique` ON `invitations` (`token_hash`);
--> statement-breakpoint
CREATE INDEX `invitations_account` ON `invitations` (`account_id`,`created_at`);
--> statement-breakpoint
CREATE TABLE `audit_events` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`at` integer NOT NULL,
	`actor_user_id` text,
	`actor_email` text,
	`action` text NOT NULL,
	`target_type` text,
	`target_id` text,
	`detail` text,
	`ip` text,
	`user_agent` text,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `audit_events_account_at` ON `audit_events` (`account_id`,`at`);
--> statement-breakpoint
CREATE INDEX `audit_events_at` ON `audit_events` (`at`);
