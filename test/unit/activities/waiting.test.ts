import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { sleepUnlessCancelled, throttledHeartbeat } from '../../../src/activities/waiting.ts';

function clocked() {
  let at = 0;
  const sent: unknown[] = [];
  const beat = throttledHeartbeat((details) => sent.push(details), { everyMs: 5_000, now: () => at });
  return { beat, sent, advance: (ms: number) => (at += ms) };
}

describe('throttledHeartbeat', () => {
  it('sends nothing in the first quiet interval of the wait, whatever changes', () => {
    const { beat, sent, advance } = clocked();
    beat({ ready: 0 });
    advance(1_000);
    beat({ ready: 1 });
    advance(3_999);
    beat({ ready: 1 });
    expect(sent).toEqual([]);
    advance(1);
    beat({ ready: 1 });
    expect(sent).toEqual([{ ready: 1 }]);
  });

  it('then sends a change at once, and the same details again only after the quiet interval', () => {
    const { beat, sent, advance } = clocked();
    advance(5_000);
    beat({ ready: 0 });
    advance(500);
    beat({ ready: 0 });
    advance(500);
    beat({ ready: 1 });
    advance(4_000);
    beat({ ready: 1 });
    expect(sent).toEqual([{ ready: 0 }, { ready: 1 }]);
    advance(1_000);
    beat({ ready: 1 });
    expect(sent).toEqual([{ ready: 0 }, { ready: 1 }, { ready: 1 }]);
  });

  it('compares the key, and sends the details as they are when it goes out', () => {
    const { beat, sent, advance } = clocked();
    advance(5_000);
    beat({ ready: 0, watchedMs: 0 }, { key: { ready: 0 } });
    advance(500);
    beat({ ready: 0, watchedMs: 500 }, { key: { ready: 0 } });
    advance(500);
    beat({ ready: 1, watchedMs: 1_000 }, { key: { ready: 1 } });
    expect(sent).toEqual([
      { ready: 0, watchedMs: 0 },
      { ready: 1, watchedMs: 1_000 },
    ]);
  });

  it('always sends the last one, in the quiet start too', () => {
    const { beat, sent, advance } = clocked();
    beat({ ready: 0, watchedMs: 0 }, { key: { ready: 0 } });
    advance(100);
    beat({ ready: 0, watchedMs: 100 }, { key: { ready: 0 }, last: true });
    expect(sent).toEqual([{ ready: 0, watchedMs: 100 }]);
  });

  it('sends a heartbeat without details on the same schedule', () => {
    const { beat, sent, advance } = clocked();
    beat();
    advance(5_000);
    beat();
    advance(1_000);
    beat();
    advance(5_000);
    beat();
    expect(sent).toEqual([undefined, undefined]);
  });
});

describe('sleepUnlessCancelled', () => {
  it('keeps nothing on the cancellation signal once its sleep is over', async () => {
    const cancellation = new AbortController();
    for (let i = 0; i < 100; i++) await sleepUnlessCancelled(1, cancellation.signal);
    expect(getEventListeners(cancellation.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the cancellation itself when it comes first', async () => {
    const cancellation = new AbortController();
    const reason = new Error('activity cancelled');
    const sleeping = sleepUnlessCancelled(60_000, cancellation.signal);
    cancellation.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    await expect(sleepUnlessCancelled(1, cancellation.signal)).rejects.toBe(reason);
  });
});
