import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promQuery, TestExporter } from '../support/exporter.ts';
import { stackEnv, waitFor } from '../support/stack.ts';

const exporter = new TestExporter(`stack-${randomBytes(3).toString('hex')}`);
beforeAll(() => exporter.start());
afterAll(() => exporter.stop());

describe('the local Prometheus', () => {
  it('answers a query about itself', async () => {
    await waitFor(
      'Prometheus to scrape itself',
      async () => (await promQuery(stackEnv.PROMETHEUS_URL, 'up{job="prometheus"}')) === 1,
    );
  });

  it('scrapes a target a test adds and sees its counter rise', async () => {
    const series = `test_errors_total{exporter="${exporter.job}"}`;
    exporter.values.set('test_errors_total', 5);
    await waitFor('the first sample', async () => (await promQuery(stackEnv.PROMETHEUS_URL, series)) === 5, {
      timeoutMs: 30_000,
    });
    exporter.values.set('test_errors_total', 42);
    await waitFor('the counter to rise', async () => (await promQuery(stackEnv.PROMETHEUS_URL, series)) === 42, {
      timeoutMs: 30_000,
    });
    expect(await promQuery(stackEnv.PROMETHEUS_URL, `${series} > 10`)).toBe(42);
  });
});
