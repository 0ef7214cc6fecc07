import { describe, expect, it } from 'vitest';
import { Wakeups } from '../../../src/kube/wakeups.ts';

/** Whether a promise has settled by the time the microtasks and a zero timer have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 0));
  return done;
}

describe('Wakeups', () => {
  it('wakes the waiters of one key, and only them', async () => {
    const wakeups = new Wakeups();
    const web = [wakeups.next('default/web', 60_000), wakeups.next('default/web', 60_000)];
    const api = wakeups.next('default/api', 60_000);
    wakeups.wake('default/web');
    expect(await Promise.all(web.map(settled))).toEqual([true, true]);
    expect(await settled(api)).toBe(false);
    wakeups.wakeAll();
    expect(await settled(api)).toBe(true);
  });

  it('lets a waiter go after its own time, and a wake with no waiter does nothing', async () => {
    const wakeups = new Wakeups();
    wakeups.wake('default/web');
    const short = wakeups.next('default/web', 1);
    const long = wakeups.next('default/web', 60_000);
    await short;
    expect(await settled(long)).toBe(false);
    wakeups.wake('default/web');
    expect(await settled(long)).toBe(true);
  });
});
