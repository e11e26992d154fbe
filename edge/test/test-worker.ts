import type { Env } from "../env.ts";
import { type Clock, systemClock } from "../objects/clock.ts";
import { EmployeeDO as WorkerEmployeeDO } from "../objects/employee-do.ts";
import { NodeDO as WorkerNodeDO } from "../objects/node-do.ts";

// The Worker as the tests run it (vitest.config.ts's `main`): the very same, except that its
// EmployeeDO and NodeDO are given a clock each that a test can move forward over RPC, which is
// how a test lets a deadline pass. Nothing here reads or writes an object's state.
export * from "../index.ts";
export { default } from "../index.ts";

class MovableClock implements Clock {
  private ahead = 0;
  now(): number {
    return systemClock.now() + this.ahead;
  }
  advance(ms: number): void {
    this.ahead += ms;
  }
}

export class EmployeeDO extends WorkerEmployeeDO {
  private readonly movable: MovableClock;

  constructor(ctx: DurableObjectState, env: Env) {
    const clock = new MovableClock();
    super(ctx, env, clock);
    this.movable = clock;
  }

  /** Moves this object's clock forward; its alarm then runs with runDurableObjectAlarm. */
  advanceClock(ms: number): void {
    this.movable.advance(ms);
  }

  /** What the runtime might do in a bad hour: the scheduled alarm is lost. */
  async loseAlarm(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
  }
}

export class NodeDO extends WorkerNodeDO {
  private readonly movable: MovableClock;

  constructor(ctx: DurableObjectState, env: Env) {
    const clock = new MovableClock();
    super(ctx, env, clock);
    this.movable = clock;
  }

  advanceClock(ms: number): void {
    this.movable.advance(ms);
  }
}
