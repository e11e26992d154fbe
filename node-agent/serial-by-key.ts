// Work for one key runs one after another; different keys run in parallel. A failure does not
// block the next call for its key. Only keys with work in flight are kept.
export class SerialByKey {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn);
    this.tails.set(key, next);
    void next
      .finally(() => {
        if (this.tails.get(key) === next) this.tails.delete(key);
      })
      .catch(() => undefined);
    return next;
  }

  /** Settles when everything started so far has. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.tails.values()]);
  }
}
