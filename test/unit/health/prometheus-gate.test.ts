import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusGate } from '../../../src/activities/checks/prometheus.ts';
import type { PrometheusQuery } from '../../../src/domain/health/types.ts';
import { ProbeTargets, refusingUrl } from './probe-targets.ts';

// The gate against a real Prometheus is in test/integration/health-prometheus.test.ts; these are the
// cases where there is no Prometheus to answer.
const targets = new ProbeTargets();
beforeAll(() => targets.start());
afterAll(() => targets.stop());

const gate = createPrometheusGate();
const check = (address: string): PrometheusQuery => ({
  name: 'error-rate',
  address,
  query: 'up',
  max: 1,
  weight: 4,
  timeoutMs: 500,
});

describe('the Prometheus gate without a Prometheus', () => {
  it('is inconclusive, naming the address, when nothing listens there', async () => {
    const address = new URL(await refusingUrl()).origin;
    const result = await gate.measure(check(address), {});
    expect(result).toMatchObject({ kind: 'Prometheus', outcome: 'Inconclusive', weight: 4 });
    expect(result.reason).toBe(
      `Prometheus at ${address} is unreachable: connection refused (nothing listens on that port)`,
    );
  });

  it('is inconclusive when the address answers but is not Prometheus', async () => {
    const result = await gate.measure(check(targets.url('error').replace(/\/error$/, '')), {});
    expect(result.outcome).toBe('Inconclusive');
    expect(result.reason).toMatch(/^HTTP 404 from http:\/\/127\.0\.0\.1:\d+ is not a Prometheus query answer$/);
  });

  it('fails a round whose answer is larger than the limit, reading no more of it', async () => {
    const small = createPrometheusGate({ answerLimitBytes: 1024 * 1024 });
    const result = await small.measure({ ...check(targets.url('big-prometheus')), timeoutMs: 5_000 }, {});
    expect(result).toMatchObject({
      outcome: 'Fail',
      reason: expect.stringMatching(/^the answer from http:\/\/127\.0\.0\.1:\d+\/big-prometheus is larger than 1 MiB/),
    });
  });

  it('is inconclusive when Prometheus does not answer within the timeout', async () => {
    const result = await gate.measure({ ...check(targets.url('slow/5000')), timeoutMs: 100 }, {});
    expect(result).toMatchObject({
      outcome: 'Inconclusive',
      reason: expect.stringContaining('no response within 100 ms'),
    });
  });
});
