import { describe, expect, it } from 'vitest';
import { startDeadline } from '../../../src/activities/checks/deadline.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a probe's deadline", () => {
  it('aborts with a TimeoutError when the time is up', async () => {
    const deadline = startDeadline(10);
    await sleep(30);
    expect(deadline.signal.aborted).toBe(true);
    expect((deadline.signal.reason as Error).name).toBe('TimeoutError');
  });

  it('aborts with the outer signal, already aborted or later, and its reason', () => {
    const outer = new AbortController();
    const later = startDeadline(1_000, outer.signal);
    outer.abort(new Error('activity cancelled'));
    expect((later.signal.reason as Error).message).toBe('activity cancelled');
    expect((startDeadline(1_000, outer.signal).signal.reason as Error).message).toBe('activity cancelled');
    later.end();
  });

  it('never fires once the work has ended', async () => {
    const outer = new AbortController();
    const deadline = startDeadline(10, outer.signal);
    deadline.end();
    outer.abort();
    await sleep(30);
    expect(deadline.signal.aborted).toBe(false);
  });
});
