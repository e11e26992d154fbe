PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_subscriptions` (
	`stripe_subscription_id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`status` text NOT NULL,
	`plan` text NOT NULL,
	`stripe_created_at` integer DEFAULT 0 NOT NULL,
	`current_period_end` integer,
	`cancel_at_period_end` integer DEFAULT false NOT NULL,
	`past_due_since` integer,
	`event_created_at` integer NOT NULL,
	`payment_event_created_at` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_subscriptions`("stripe_subscription_id", "user_id", "status", "plan", "stripe_created_at", "current_period_end", "cancel_at_period_end", "past_due_since", "event_created_at", "payment_event_created_at", "updated_at") SELECT "stripe_subscription_id", "user_id", "status", "plan", 0, "current_period_end", "cancel_at_period_end", "past_due_since", "event_created_at", "payment_event_created_at", "updated_at" FROM `subscriptions`;--> statement-breakpoint
DROP TABLE `subscriptions`;--> statement-breakpoint
ALTER TABLE `__new_subscriptions` RENAME TO `subscriptions`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `subscriptions_user_id` ON `subscriptions` (`user_id`);