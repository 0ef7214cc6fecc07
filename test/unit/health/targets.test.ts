import { describe, expect, it } from 'vitest';
import { readinessResult, watchedTime } from '../../../src/domain/health/readiness.ts';
import { targetUrls } from '../../../src/domain/health/targets.ts';

describe('HTTP check targets', () => {
  it('probes a fixed URL once, whatever the pods', () => {
    expect(targetUrls({ url: 'https://shop.example/healthz' }, ['10.0.0.1', '10.0.0.2'])).toEqual([
      'https://shop.example/healthz',
    ]);
  });

  it('probes a port and path on every pod', () => {
    expect(targetUrls({ port: 8080, path: 'healthz' }, ['10.0.0.1', 'fd00::7'])).toEqual([
      'http://10.0.0.1:8080/healthz',
      'http://[fd00::7]:8080/healthz',
    ]);
  });

  it('has nothing to probe before any pod has an IP', () => {
    expect(targetUrls({ port: 8080, path: '/healthz' }, [])).toEqual([]);
  });
});

describe('the readiness result', () => {
  const seen = { desired: 3, deadlineSeconds: 30, weight: 3 };

  it.each([
    { ready: 3, deadlineExceeded: false, outcome: 'Pass', reason: '3/3 pods Ready' },
    { ready: 1, deadlineExceeded: true, outcome: 'Fail', reason: '1/3 pods Ready after the 30s readiness deadline' },
    {
      ready: 1,
      deadlineExceeded: false,
      outcome: 'Inconclusive',
      reason: '1/3 pods Ready; the 30s deadline has not passed yet',
    },
  ])('is $outcome with $ready of 3 pods Ready', ({ ready, deadlineExceeded, outcome, reason }) => {
    expect(readinessResult({ ...seen, ready, deadlineExceeded })).toEqual({
      name: 'readiness',
      kind: 'Readiness',
      value: ready,
      weight: 3,
      outcome,
      reason,
    });
  });
});

describe('the time a readiness deadline counts', () => {
  const look = (watchedMs: number, lastLook: number | undefined, now: number) =>
    watchedTime({ watchedMs, lastLook, now, pollMs: 500 });

  it('counts the time between looks made on time', () => {
    expect([look(0, undefined, 1_000), look(0, 1_000, 1_500), look(500, 1_500, 2_100)]).toEqual([0, 500, 1_100]);
  });

  it('counts at most two poll intervals when the worker was too busy to look for 30 s', () => {
    expect(look(2_000, 10_000, 40_000)).toBe(3_000);
  });

  it('starts a new attempt from the time the last one watched, not from when the revision was applied', () => {
    expect(look(4_200, undefined, 99_000)).toBe(4_200);
  });

  it('never goes back when the clock does', () => {
    expect(look(1_000, 5_000, 4_000)).toBe(1_000);
  });
});
