import { errorFields, type Logger } from "../log/logger.ts";

// An EmployeeDO's work after a commit, one piece after another: D1's mirror of the record and
// what the launch's progress asks for. A failure is logged and the chain goes on.
export class MirrorChain {
  private chain: Promise<void> = Promise.resolve();
  private readonly log: () => Logger;
  private readonly write: () => Promise<void>;

  /** `write` mirrors the record as it is when its turn comes. */
  constructor(log: () => Logger, write: () => Promise<void>) {
    this.log = log;
    this.write = write;
  }

  after(what: string, work: () => Promise<void>): void {
    this.chain = this.chain
      .then(work)
      .catch((err) => this.log().error(`${what} failed`, errorFields(err)));
  }

  mirror(): void {
    this.chain = this.chain
      .then(this.write)
      .catch((err) => this.log().error("mirroring to D1 failed", errorFields(err)));
  }

  /** Resolves once everything queued so far is done. */
  settled(): Promise<void> {
    return this.chain;
  }
}
