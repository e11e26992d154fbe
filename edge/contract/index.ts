// The contract: every shape the API, the app, the agent protocol, the tests and the benches
// share. Runtime-neutral (zod only; no workerd or Node APIs). Types are inferred from the
// schemas. Browser code imports values from the domain files rather than from here, so its
// bundle carries only the schemas it uses.
export * from "./account.ts";
export * from "./account-lifecycle.ts";
export * from "./account-live.ts";
export * from "./approvals.ts";
export * from "./audit.ts";
export * from "./backup.ts";
export * from "./catalogue.ts";
export * from "./channels.ts";
export * from "./chat.ts";
export * from "./client.ts";
export * from "./employee.ts";
export * from "./employee-input.ts";
export * from "./endpoints.ts";
export * from "./errors.ts";
export * from "./knowledge.ts";
export * from "./launch.ts";
export * from "./ledger.ts";
export * from "./live.ts";
export * from "./protocol.ts";
export * from "./schedules.ts";
export * from "./steps.ts";
export * from "./team.ts";
