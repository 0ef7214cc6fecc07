import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthActivities } from '../../src/activities/checks/analysis.ts';
import { createPrometheusGate } from '../../src/activities/checks/prometheus.ts';
import type { CheckResult, PrometheusQuery } from '../../src/domain/health/types.ts';
import { decideVerdict } from '../../src/domain/health/verdict.ts';
import { promQuery, TestExporter } from '../support/exporter.ts';
import { stackEnv, waitFor } from '../support/stack.ts';

// Given a real Prometheus scraping a metrics endpoint this test controls (every second),
// with one error counter that holds steady and one that keeps rising.
const exporter = new TestExporter(`health-${randomBytes(3).toString('hex')}`);
const series = (pod: string): string => `app_errors_total{exporter="${exporter.job}",pod="${pod}"}`;
const errorRate = (pod: string): string => `rate(${series(pod)}[5s])`;
beforeAll(async () => {
  exporter.values.set('app_errors_total{pod="steady"}', 7);
  // 20 errors a second, as a broken revision would produce them.
  const started = Date.now();
  exporter.values.set('app_errors_total{pod="rising"}', () => Math.floor(((Date.now() - started) / 1000) * 20));
  await exporter.start();
  await waitFor(
    'two scrapes of both counters',
    async () => ((await promQuery(stackEnv.PROMETHEUS_URL, `count_over_time(${series('steady')}[1m])`)) ?? 0) >= 2,
    { timeoutMs: 60_000 },
  );
});
afterAll(async () => {
  await exporter.stop();
});

const gate = createPrometheusGate();
const check = (overrides: Partial<PrometheusQuery>): PrometheusQuery => ({
  name: 'error-rate',
  address: stackEnv.PROMETHEUS_URL,
  query: errorRate('steady'),
  max: 1,
  weight: 4,
  ...overrides,
});

/** Measures until the outcome is the expected one (new samples arrive every second) or times out. */
async function measureUntil(spec: PrometheusQuery, outcome: CheckResult['outcome']): Promise<CheckResult> {
  let last: CheckResult | undefined;
  await waitFor(
    `the ${spec.name} check to be ${outcome}`,
    async () => (last = await gate.measure(spec, {})).outcome === outcome,
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  return last as CheckResult;
}

describe('the Prometheus health gate against the local Prometheus', () => {
  it('passes while the error counter holds steady', async () => {
    const result = await measureUntil(check({}), 'Pass');
    expect(result).toMatchObject({ kind: 'Prometheus', value: 0, reason: 'value 0 within [-∞, 1]' });
  });

  it('fails when the error counter rises faster than the maximum rate', async () => {
    const result = await measureUntil(check({ query: errorRate('rising') }), 'Fail');
    expect(result.value).toBeGreaterThan(1);
    expect(result.reason).toMatch(/^value [\d.]+ for \{.*pod="rising".*\} is above the maximum 1$/);
  });

  it('maps no data to the configured noData outcome', async () => {
    const absent = errorRate('never-deployed');
    expect((await gate.measure(check({ query: absent }), {})).outcome).toBe('Inconclusive');
    expect(await gate.measure(check({ query: absent, noData: 'Fail' }), {})).toMatchObject({
      outcome: 'Fail',
      reason: 'the query returned no data (noData: Fail)',
    });
    expect((await gate.measure(check({ query: absent, noData: 'Pass' }), {})).outcome).toBe('Pass');
  });

  it('fails a query Prometheus rejects, saying so', async () => {
    const result = await gate.measure(check({ query: 'rate(app_errors_total[5s' }), {});
    expect(result).toMatchObject({
      outcome: 'Fail',
      reason: expect.stringMatching(/^Prometheus rejected the query \(bad_data\): .*fix the check's query$/),
    });
  });

  it('fails a range-vector query, which cannot be compared with a bound', async () => {
    const result = await gate.measure(check({ query: `${series('steady')}[1m]` }), {});
    expect(result).toMatchObject({ outcome: 'Fail', reason: expect.stringContaining('returns a matrix') });
  });

  it('compares a scalar result with min and max', async () => {
    expect(await gate.measure(check({ query: 'scalar(vector(3))', min: 2, max: 4 }), {})).toMatchObject({
      outcome: 'Pass',
      value: 3,
    });
    expect(await gate.measure(check({ query: 'scalar(vector(3))', min: 5 }), {})).toMatchObject({
      outcome: 'Fail',
      reason: 'value 3 is below the minimum 5',
    });
  });

  it('fails a query with a syntax error at once, whatever its failure threshold, so the verdict is unhealthy', async () => {
    const { runAnalysis } = createHealthActivities();
    const broken = check({ name: 'broken-query', query: 'sum(', failureThreshold: 4, intervalMs: 1_000 });
    const result = await runAnalysis({
      windowMs: 10_000,
      intervalMs: 1_000,
      stopAtFailingWeight: 3,
      prometheus: [broken],
    });
    expect(result.checks).toEqual([
      expect.objectContaining({
        name: 'broken-query',
        outcome: 'Fail',
        reason: expect.stringMatching(/^Prometheus rejected the query \(bad_data\): .*fix the check's query$/),
      }),
    ]);
    expect(result).toMatchObject({ rounds: 1, stoppedEarly: true });
    expect(decideVerdict(result.checks, 3)).toMatchObject({ status: 'Unhealthy', healthy: false });
  });

  it('over an analysis window, the rising counter makes the verdict unhealthy and the steady one passes', async () => {
    const { runAnalysis } = createHealthActivities();
    const result = await runAnalysis({
      windowMs: 2_000,
      intervalMs: 1_000,
      prometheus: [
        check({ name: 'steady-errors', weight: 4 }),
        check({ name: 'rising-errors', query: errorRate('rising'), weight: 4, failureThreshold: 2 }),
      ],
    });
    expect(result.checks.map((c) => [c.name, c.outcome])).toEqual([
      ['steady-errors', 'Pass'],
      ['rising-errors', 'Fail'],
    ]);
    const verdict = decideVerdict(result.checks, 4);
    expect(verdict).toMatchObject({ status: 'Unhealthy', failingWeight: 4, healthy: false });
  });
});
