// Every table, for drizzle-kit and for the typed D1 client.
export * from "./accounts/accounts.ts";
export * from "./audit-events/audit-events.ts";
export * from "./chat-views/chat-views.ts";
export * from "./dev-mail/dev-mail.ts";
export * from "./employees/employees.ts";
export * from "./invitations/invitations.ts";
export * from "./knowledge-files/knowledge-files.ts";
export * from "./llm-keys/llm-keys.ts";
export * from "./llm-usage/llm-usage.ts";
export * from "./login-tokens/login-tokens.ts";
export * from "./memberships/memberships.ts";
export * from "./nodes/nodes.ts";
export * from "./oauth-accounts/oauth-accounts.ts";
export * from "./sessions/sessions.ts";
export * from "./stripe-events/stripe-events.ts";
export * from "./subscriptions/subscriptions.ts";
export * from "./users/users.ts";
