-- Channels (issue 17). Hand-written: db/channels/, db/slack-installations/, db/slack-routes/,
-- db/channel-senders/ and db/dev-mail/ are the schema it matches.
CREATE TABLE `channels` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`employee_id` text NOT NULL,
	`kind` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`status_reason` text,
	`external_id` text,
	`display` text DEFAULT '' NOT NULL,
	`credential_sealed` text,
	`secret_sealed` text,
	`credential_masked` text,
	`settings` text NOT NULL,
	`connected_at` integer,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`employee_id`) REFERENCES `employees`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `channels_employee_kind` ON `channels` (`employee_id`,`kind`);--> statement-breakpoint
CREATE UNIQUE INDEX `channels_kind_external_unique` ON `channels` (`kind`,`external_id`) WHERE kind IN ('telegram', 'whatsapp', 'email');--> statement-breakpoint
CREATE INDEX `channels_kind_external` ON `channels` (`kind`,`external_id`);--> statement-breakpoint
CREATE TABLE `slack_installations` (
	`team_id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`bot_token_sealed` text NOT NULL,
	`bot_user_id` text,
	`app_id` text,
	`enterprise_id` text,
	`team_name` text,
	`installed_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `slack_routes` (
	`team_id` text NOT NULL,
	`conversation_key` text NOT NULL,
	`employee_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`team_id`, `conversation_key`),
	FOREIGN KEY (`employee_id`) REFERENCES `employees`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `channel_senders` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`employee_id` text NOT NULL,
	`kind` text NOT NULL,
	`sender_key` text NOT NULL,
	`display_name` text,
	`email` text,
	`user_id` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`preview` text DEFAULT '' NOT NULL,
	`message_count` integer DEFAULT 0 NOT NULL,
	`checked_at` integer,
	`created_at` integer NOT NULL,
	`decided_at` integer,
	`decided_by` text,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`employee_id`) REFERENCES `employees`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `channel_senders_employee_sender` ON `channel_senders` (`employee_id`,`kind`,`sender_key`);--> statement-breakpoint
CREATE INDEX `channel_senders_account_status` ON `channel_senders` (`account_id`,`status`);--> statement-breakpoint
CREATE INDEX `channel_senders_linked` ON `channel_senders` (`account_id`,`kind`,`sender_key`) WHERE user_id IS NOT NULL;--> statement-breakpoint
ALTER TABLE `dev_mail` ADD `from_address` text;--> statement-breakpoint
ALTER TABLE `dev_mail` ADD `headers` text;
