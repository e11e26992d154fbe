// Every table, for drizzle-kit and for the typed D1 client.
export * from "./chat-views/chat-views.ts";
export * from "./dev-mail/dev-mail.ts";
export * from "./employees/employees.ts";
export * from "./knowledge-files/knowledge-files.ts";
export * from "./llm-keys/llm-keys.ts";
export * from "./llm-usage/llm-usage.ts";
export * from "./login-tokens/login-tokens.ts";
export * from "./nodes/nodes.ts";
export * from "./oauth-accounts/oauth-accounts.ts";
export * from "./sessions/sessions.ts";
export * from "./stripe-events/stripe-events.ts";
export * from "./subscriptions/subscriptions.ts";
export * from "./users/users.ts";
