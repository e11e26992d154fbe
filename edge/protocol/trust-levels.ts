// The words of issue 18 that both sides of the wire and the app's contract use, without zod: the
// contract (edge/contract/approvals.ts) is in every page of the app, and importing frames.ts there
// would put the whole wire protocol (and zod's full build) into every page's JavaScript.

/** How much an employee may do without asking: every command waits for a person ("ask"), only
 * commands off its allowlist do ("risky", the list grows with "allow-always"), none do. */
export const AUTONOMY_LEVELS = ["ask", "risky", "autonomous"] as const;
export type AutonomyLevel = (typeof AUTONOMY_LEVELS)[number];

/** OpenClaw's own decisions (exec.approval.resolve). */
export const APPROVAL_DECISIONS = ["allow-once", "allow-always", "deny"] as const;
