import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from '../telemetry/log.ts';
import { describeRef, type ReleaseRef } from '../domain/release/ref.ts';
import { retryDelay, type RetryPolicy } from '../kube/informer.ts';

export const defaultRetry: RetryPolicy = { baseDelayMs: 500, maxDelayMs: 60_000 };

/**
 * Thrown by a run whose work is not done but will be by waiting, not by retrying: the Release is run
 * again after `delayMs`, with no warning and no backoff, and without holding one of the runs' slots
 * meanwhile (a deletion waiting for its workflow to close).
 */
export class RunAgainLater extends Error {
  readonly delayMs: number;
  constructor(delayMs: number, why: string) {
    super(why);
    this.name = 'RunAgainLater';
    this.delayMs = delayMs;
  }
}

interface Entry {
  ref: ReleaseRef;
  running: boolean;
  /** An event arrived while the work ran: run once more, on the newest state. */
  again: boolean;
  attempts: number;
  timer?: NodeJS.Timeout | undefined;
}

/**
 * Work owed to each Release, keyed by uid: at most one run per Release at a time, and an entry stays
 * until a run succeeds, retried with backoff, so a message is never dropped while Temporal or the API
 * server is unreachable. Runs are level-triggered (they read the Release's newest state), so many
 * events for one Release collapse into one run.
 */
export class PendingWork {
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #run: (ref: ReleaseRef) => Promise<void>;
  readonly #limit: LimitFunction;
  readonly #retry: RetryPolicy;
  readonly #log: Logger;
  #stopped = false;

  constructor(
    run: (ref: ReleaseRef) => Promise<void>,
    { log, concurrency = 8, retry = defaultRetry }: { log: Logger; concurrency?: number; retry?: RetryPolicy },
  ) {
    this.#run = run;
    this.#limit = pLimit(concurrency);
    this.#retry = retry;
    this.#log = log;
  }

  add(ref: ReleaseRef): void {
    if (this.#stopped) return;
    const entry = this.#entries.get(ref.uid);
    if (!entry) {
      const fresh: Entry = { ref, running: false, again: false, attempts: 0 };
      this.#entries.set(ref.uid, fresh);
      this.#schedule(fresh, 0);
    } else if (entry.running) {
      entry.again = true;
    }
    // An entry waiting out its backoff keeps waiting: its run will read the newest state anyway.
  }

  get size(): number {
    return this.#entries.size;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const entry of this.#entries.values()) clearTimeout(entry.timer);
    await Promise.allSettled([...this.#inFlight]);
    this.#entries.clear();
  }

  #schedule(entry: Entry, delayMs: number): void {
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      const running = this.#start(entry);
      this.#inFlight.add(running);
      void running.finally(() => this.#inFlight.delete(running));
    }, delayMs);
  }

  async #start(entry: Entry): Promise<void> {
    if (this.#stopped) return;
    entry.running = true;
    entry.again = false;
    let failed = false;
    let laterMs: number | undefined;
    try {
      await this.#limit(() => this.#run(entry.ref));
      entry.attempts = 0;
    } catch (err) {
      if (err instanceof RunAgainLater) {
        laterMs = err.delayMs;
        entry.attempts = 0;
      } else {
        failed = true;
        entry.attempts += 1;
        if (!this.#stopped) {
          const retryInMs = retryDelay(entry.attempts, this.#retry);
          this.#log.warn('release work failed; it stays pending and is retried', {
            release: describeRef(entry.ref),
            attempt: entry.attempts,
            retryInMs,
            error: err,
          });
        }
      }
    } finally {
      entry.running = false;
    }
    if (this.#stopped) return;
    if (failed) this.#schedule(entry, retryDelay(entry.attempts, this.#retry));
    else if (entry.again) this.#schedule(entry, 0);
    else if (laterMs !== undefined) this.#schedule(entry, laterMs);
    else this.#entries.delete(entry.ref.uid);
  }
}
