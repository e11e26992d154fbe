// Where a Durable Object reads the time. Injected (the constructor's third argument), so that
// timeouts and deadlines can be tested by moving a clock instead of poking stored deadlines.
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
