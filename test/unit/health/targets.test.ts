import { describe, expect, it } from 'vitest';
import { readinessResult } from '../../../src/domain/health/readiness.ts';
import { targetUrls } from '../../../src/domain/health/targets.ts';

describe('HTTP check targets', () => {
  it('probes a fixed URL once, whatever the pods', () => {
    expect(targetUrls({ url: 'https://shop.example/healthz' }, ['10.0.0.1', '10.0.0.2'])).toEqual(['https://shop.example/healthz']);
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
    { ready: 1, deadlineExceeded: false, outcome: 'Inconclusive', reason: '1/3 pods Ready; the 30s deadline has not passed yet' },
  ])('is $outcome with $ready of 3 pods Ready', ({ ready, deadlineExceeded, outcome, reason }) => {
    expect(readinessResult({ ...seen, ready, deadlineExceeded })).toEqual({ name: 'readiness', kind: 'Readiness', value: ready, weight: 3, outcome, reason });
  });
});
