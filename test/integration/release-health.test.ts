import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventReason } from '../../src/domain/release/events.ts';
import { promQuery, TestExporter } from '../support/exporter.ts';
import { stackEnv, waitFor } from '../support/stack.ts';
import { ReleaseHarness } from '../support/releases.ts';
import { appRelease } from '../support/release-specs.ts';

const h = new ReleaseHarness();
const exporter = new TestExporter(`health-${randomBytes(3).toString('hex')}`);
beforeAll(async () => {
  await exporter.start();
  await h.start('health');
}, 120_000);
afterAll(async () => {
  await h.stop();
  await exporter.stop();
});

describe('a Prometheus health gate', () => {
  it('fails on a rising error rate and the Release is rolled back to the stable revision', async () => {
    let errors = 0;
    let perScrape = 0;
    exporter.values.set('app_errors_total', () => (errors += perScrape));
    const prometheus = [
      {
        name: 'error-rate',
        query: `sum(rate(app_errors_total{exporter="${exporter.job}"}[10s]))`,
        max: 0.5,
        interval: '1s',
        failureThreshold: 2,
        noData: 'Fail' as const,
      },
    ];
    // Given Prometheus already has the series (a rate needs two scrapes)...
    await waitFor(
      'the error rate to be queryable',
      async () => (await promQuery(stackEnv.PROMETHEUS_URL, prometheus[0]!.query)) !== undefined,
      { timeoutMs: 60_000 },
    );
    await h.apply(appRelease('api', { image: 'example/api:v1', window: '4s', prometheus }));
    const v1 = await h.waitForStatus('api', 'Ready', (r) => r.status?.currentRevision === 1, 90_000);
    expect(v1.status?.lastVerdict?.checks.find((c) => c.name === 'error-rate')).toMatchObject({
      kind: 'Prometheus',
      outcome: 'Pass',
      weight: 4,
    });

    perScrape = 10; // v2 starts failing requests: ten errors a second
    await h.apply(appRelease('api', { image: 'example/api:v2', window: '20s', prometheus }));
    const failed = await h.rolledBackOnItsOwn('api', { from: 2, to: 1 });
    const verdict = failed.status?.lastVerdict;
    expect(verdict).toMatchObject({ revision: 2, healthy: false, threshold: 3 });
    expect(verdict?.checks.find((c) => c.name === 'error-rate')).toMatchObject({ outcome: 'Fail', weight: 4 });
    expect(verdict?.failingWeight).toBeGreaterThanOrEqual(4);
    perScrape = 0;
  });
});

describe('an HTTP health gate', () => {
  let server: Server;
  let healthy = true;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.statusCode = healthy ? 200 : 503;
      res.end(healthy ? 'ok' : 'overloaded');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('that keeps failing rolls the Release back, and the verdict names the check and why', async () => {
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/healthz`;
    const http = [{ name: 'healthz', url, interval: '1s', timeout: '400ms', retries: 1, failureThreshold: 2 }];
    await h.apply(appRelease('web', { image: 'example/web:v1', window: '2s', http }));
    await h.waitForStatus('web', 'Ready', (r) => r.status?.currentRevision === 1);

    healthy = false;
    await h.apply(appRelease('web', { image: 'example/web:v2', window: '10s', http }));
    const failed = await h.waitForStatus('web', 'Failed', (r) => r.status?.lastRollback !== undefined);
    expect(failed.status?.currentRevision).toBe(1);
    const check = failed.status?.lastVerdict?.checks.find((c) => c.name === 'healthz');
    expect(check).toMatchObject({ kind: 'HTTP', outcome: 'Fail', weight: 5 });
    expect(check?.reason).toContain('503');
    expect(await h.readyImages('web')).toEqual(Array(3).fill('example/web:v1'));
  });
});

describe('a Prometheus the API server cannot check', () => {
  it('that does not answer is named in a condition and an Event, and its checks are Inconclusive, not a rollback', async () => {
    const prometheus = [
      { name: 'latency', address: 'http://127.0.0.1:1', query: 'up', max: 1, interval: '1s', failureThreshold: 1 },
    ];
    await h.apply(appRelease('blind', { image: 'example/blind:v1', window: '2s', prometheus }));
    const failed = await h.waitForStatus('blind', 'Failed');
    const reachable = failed.status?.conditions?.find((c) => c.type === 'ChecksReachable');
    expect(reachable).toMatchObject({ status: 'False', reason: 'PrometheusUnreachable' });
    expect(reachable?.message).toContain(
      'spec.healthChecks.prometheus[0].address: Prometheus at http://127.0.0.1:1 does not answer',
    );
    expect(failed.status?.lastVerdict?.checks.find((c) => c.name === 'latency')?.outcome).toBe('Inconclusive');
    expect(failed.status?.lastRollback).toBeUndefined();
    expect(failed.status?.currentRevision).toBe(1);
    const events = await h.clients.events.listNamespacedEvent({ namespace: h.namespace });
    expect(
      events.items.some(
        (e) => e.regarding?.name === 'blind' && e.reason === EventReason.PrometheusUnreachable && e.type === 'Warning',
      ),
    ).toBe(true);
  });
});

describe('a spec the API server accepts but rollguard cannot roll out', () => {
  it('gets an InvalidSpec condition naming the field, and the Deployment is left alone', async () => {
    const http = [{ name: 'healthz', port: 'metrics', path: '/healthz', interval: '2s' }]; // no container declares "metrics"
    await h.apply(appRelease('odd', { image: 'example/odd:v1', http }));
    await expect
      .poll(async () => (await h.read('odd')).status?.conditions?.find((c) => c.type === 'InvalidSpec'), {
        timeout: 30_000,
      })
      .toMatchObject({
        status: 'True',
        reason: 'SpecInvalid',
        message: expect.stringContaining(
          'spec.healthChecks.http[0].port: no container of the pod template declares a port named "metrics"',
        ),
      });
    await expect(h.deployment('odd')).rejects.toMatchObject({ code: 404 });
  });
});
