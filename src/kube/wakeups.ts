/**
 * Callers waiting for something keyed to happen (a Deployment to change, a Release to be seen by a
 * watch), each for at most its own time: what a watch's handler wakes, and what a stop releases.
 */
export class Wakeups {
  private readonly waiting = new Map<string, Set<() => void>>();

  /** Resolves at the next `wake(key)`, or after `ms`, whichever is first. */
  next(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiting.get(key) ?? new Set();
      this.waiting.set(key, set);
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.waiting.get(key) === set) this.waiting.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  /** Wakes everyone waiting for `key`. */
  wake(key: string): void {
    for (const done of this.waiting.get(key) ?? []) done();
  }

  /** Wakes everyone. */
  wakeAll(): void {
    for (const set of [...this.waiting.values()]) for (const done of [...set]) done();
  }
}
