// The one retry schedule of the product: the lifecycle's command retries and placement waits
// (edge), the agent's redials to the edge and to Docker's event stream, and the app's live socket.
// Runtime-neutral (no imports); each user keeps its own named base and cap.

export interface BackoffLimits {
  /** The longest wait before the first retry; it doubles with each attempt after. */
  baseMs: number;
  /** No wait is ever longer than this. */
  maxMs: number;
}

// Past this exponent 2^n times any sane base is beyond every cap; stopping here keeps an absurd
// attempt count (or Infinity) from turning the product into Infinity or NaN.
const MAX_DOUBLINGS = 52;

/**
 * Milliseconds to wait before retry `attempt` (1 is the first): base·2^(attempt−1), capped at
 * max, of which the upper half is random ("equal jitter"). Never longer than max and never shorter
 * than half the capped wait, so a fleet retrying after one outage spreads out without anyone
 * retrying at once. `random` returns [0, 1) (a test passes its own).
 */
export function backoffDelay(
  attempt: number,
  limits: BackoffLimits,
  random: () => number = Math.random,
): number {
  const doublings = Number.isNaN(attempt) ? 0 : Math.max(0, Math.floor(attempt) - 1);
  const ceiling =
    doublings >= MAX_DOUBLINGS
      ? limits.maxMs
      : Math.min(limits.maxMs, limits.baseMs * 2 ** doublings);
  const r = random();
  const draw = r >= 0 && r <= 1 ? r : 0; // NaN and out-of-range draws count as the lowest
  return Math.round(ceiling / 2 + draw * (ceiling / 2));
}
