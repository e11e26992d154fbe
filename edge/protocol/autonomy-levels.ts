// The words of approvals shared by the wire frames (frames.ts) and the app's contract
// (edge/contract/approvals.ts). Apart, without zod: the contract's approvals module is in every
// page of the app (the employee view names an autonomy), and importing them from frames.ts
// brought all of zod with it (+22 KiB gzipped on every page, infra/tests/app-build.test.ts).

/** How much an employee may do without asking: every command waits for a person ("ask"), only
 * commands off its allowlist do ("risky", the list grows with "allow-always"), none do. */
export const AUTONOMY_LEVELS = ["ask", "risky", "autonomous"] as const;
export type AutonomyLevel = (typeof AUTONOMY_LEVELS)[number];

/** OpenClaw's own decisions (exec.approval.resolve). */
export const APPROVAL_DECISIONS = ["allow-once", "allow-always", "deny"] as const;
