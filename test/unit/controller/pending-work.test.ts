import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/telemetry/log.ts';
import { PendingWork, RunAgainLater } from '../../../src/controller/pending-work.ts';
import { retryDelay } from '../../../src/kube/informer.ts';
import type { ReleaseRef } from '../../../src/domain/release/ref.ts';
import { waitFor } from '../../../dev/stack/process.ts';

const ref: ReleaseRef = { namespace: 'shop', name: 'web', uid: 'uid-1' };
const quiet = createLogger({}, { write: () => undefined });
const retry = { baseDelayMs: 5, maxDelayMs: 20 };

describe('pending work per Release', () => {
  it('backs off exponentially up to a limit', () => {
    const policy = { baseDelayMs: 500, maxDelayMs: 60_000 };
    expect([1, 2, 3, 4].map((n) => retryDelay(n, policy))).toEqual([500, 1000, 2000, 4000]);
    expect(retryDelay(30, policy)).toBe(60_000);
  });

  it('keeps the work until it succeeds, however often it fails (nothing is lost)', async () => {
    let calls = 0;
    const work = new PendingWork(
      async () => {
        calls += 1;
        if (calls < 4) throw new Error('Temporal is unreachable');
      },
      { log: quiet, retry },
    );
    work.add(ref);
    await waitFor('the fourth attempt to succeed', async () => calls === 4 && work.size === 0, {
      timeoutMs: 5000,
      intervalMs: 5,
    });
    await work.stop();
  });

  it('runs a Release again later when its run asks to, without a warning and without holding a slot meanwhile', async () => {
    const warnings: string[] = [];
    const log = createLogger({}, { write: (level, line) => void (level === 'warn' && warnings.push(line)) });
    const other: ReleaseRef = { namespace: 'shop', name: 'cart', uid: 'uid-2' };
    const runs: string[] = [];
    let waits = 0;
    const work = new PendingWork(
      async ({ name }) => {
        runs.push(name);
        if (name === 'web' && ++waits < 3) throw new RunAgainLater(100, 'its workflow is cleaning up');
      },
      { log, concurrency: 1, retry },
    );
    work.add(ref);
    await waitFor('the first look at web', async () => runs.length === 1, { timeoutMs: 5000, intervalMs: 5 });
    // One slot: the other Release runs while web waits to be looked at again.
    work.add(other);
    await waitFor('cart to run', async () => runs.includes('cart'), { timeoutMs: 5000, intervalMs: 5 });
    expect(runs).toEqual(['web', 'cart']);
    await waitFor('web to be done', async () => work.size === 0, { timeoutMs: 5000, intervalMs: 5 });
    expect(runs).toEqual(['web', 'cart', 'web', 'web']);
    expect(warnings).toEqual([]);
    await work.stop();
  });

  it('runs once more after events that arrive during a run, never two runs at once', async () => {
    let running = 0;
    let overlap = false;
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const work = new PendingWork(
      async () => {
        overlap ||= running > 0;
        running += 1;
        runs += 1;
        if (runs === 1) await gate;
        running -= 1;
      },
      { log: quiet, retry },
    );
    work.add(ref);
    await waitFor('the first run', async () => runs === 1, { timeoutMs: 5000, intervalMs: 5 });
    work.add(ref);
    work.add(ref);
    release();
    await waitFor('the work to drain', async () => work.size === 0, { timeoutMs: 5000, intervalMs: 5 });
    expect(runs).toBe(2);
    expect(overlap).toBe(false);
    await work.stop();
  });
});
