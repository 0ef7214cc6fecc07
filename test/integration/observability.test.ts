import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusTargetsDir } from '../../dev/stack/prometheus.ts';
import { releaseWorkflowId } from '../../src/domain/release/ref.ts';
import { installCrd } from '../support/crd.ts';
import { dashboardQueries, metricNames } from '../support/dashboard.ts';
import { promQuery } from '../support/exporter.ts';
import { createNamespace, deleteNamespace, kube, stackEnv, waitFor } from '../support/stack.ts';
import { temporalOfStack, terminateQuietly } from '../support/temporal.ts';
import { RollguardProcess, stackShell } from './cli-process.ts';

// Given Prometheus scrapes `rollguard run` (the stack's Prometheus, a file_sd target), a rollout and an
// automatic rollback show in rollguard's series, the Temporal worker's series come from the same
// endpoint, and the log names the Release, revision, workflow and rollback of each line.
const clients = kube();
const job = `rollguard-${randomBytes(3).toString('hex')}`;
const targetFile = join(prometheusTargetsDir, `${job}.json`);
const runs: RollguardProcess[] = [];
let ns = '';
let checkServer: Server;
let checkUrl = '';

/** Points the stack's Prometheus at a `rollguard run`'s /metrics, as a user's scrape config would. */
async function scrape(run: RollguardProcess): Promise<void> {
  const target = new URL(run.metricsUrl).host;
  await writeFile(targetFile, JSON.stringify([{ targets: [target], labels: { exporter: job } }]));
}

async function startRun(extra: string[] = []): Promise<RollguardProcess> {
  const run = new RollguardProcess();
  runs.push(run);
  await run.start(ns, extra, { env: { ...stackShell(), ROLLGUARD_CHECK_ALLOW: '127.0.0.1/32' } });
  return run;
}

/** The value of a PromQL query over this test's scrape target (`{{sel}}` is its selector). */
const query = (promql: string): Promise<number | undefined> =>
  promQuery(stackEnv.PROMETHEUS_URL, promql.replaceAll('{{sel}}', `exporter="${job}"`));

const eventually = (what: string, promql: string, holds: (value: number | undefined) => boolean) =>
  waitFor(what, async () => holds(await query(promql)), { timeoutMs: 30_000, intervalMs: 500 });

interface Status {
  phase?: string;
  currentRevision?: number;
  lastRollback?: { id: string };
}
const statusOf = async (name: string): Promise<Status> =>
  ((await clients.releases.get({ namespace: ns, name })) as { status?: Status }).status ?? {};

const release = (image: string) => ({
  apiVersion: 'rollguard.dev/v1alpha1',
  kind: 'Release',
  metadata: { name: 'shop' },
  spec: {
    template: {
      replicas: 2,
      selector: { matchLabels: { app: 'shop' } },
      template: {
        metadata: { labels: { app: 'shop' } },
        spec: { containers: [{ name: 'app', image }] },
      },
    },
    healthChecks: {
      readiness: { deadline: '5s' },
      http: [{ name: 'healthz', url: checkUrl, interval: '1s', timeout: '1s', failureThreshold: 2 }],
    },
    analysis: { window: '3s' },
    rollback: { automatic: true },
  },
});

beforeAll(async () => {
  checkServer = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => checkServer.listen(0, '127.0.0.1', resolve));
  checkUrl = `http://127.0.0.1:${(checkServer.address() as AddressInfo).port}/healthz`;
  await installCrd(clients.config);
  ns = await createNamespace(clients, 'observability');
});

afterAll(async () => {
  await rm(targetFile, { force: true });
  for (const run of runs) await run.stop();
  const temporal = await temporalOfStack();
  const list = (await clients.releases.list(ns)) as { items: { metadata: { name: string; uid: string } }[] };
  for (const r of list.items) {
    await clients.releases
      .patch({ namespace: ns, name: r.metadata.name }, 'merge', { metadata: { finalizers: null } })
      .catch(() => undefined);
    await terminateQuietly(temporal.client, releaseWorkflowId({ namespace: ns, ...r.metadata }));
  }
  await temporal.connection.close();
  await deleteNamespace(clients, ns);
  await new Promise<void>((resolve) => checkServer.close(() => resolve()));
});

describe('metrics and logs of rollguard run', () => {
  let run: RollguardProcess;

  it('a rollout and an automatic rollback show in the series Prometheus scrapes, and in the log', async () => {
    run = await startRun();
    await scrape(run);
    await eventually('Prometheus to scrape rollguard', 'up{{{sel}}}', (v) => v === 1);

    await clients.releases.create(ns, release('example/shop:v1'));
    await waitFor('v1 to be Ready', async () => (await statusOf('shop')).phase === 'Ready', { timeoutMs: 60_000 });
    await clients.releases.patch({ namespace: ns, name: 'shop' }, 'merge', release('example/shop:v2-broken'));
    await waitFor(
      'the broken v2 to be rolled back to v1',
      async () => {
        const s = await statusOf('shop');
        return s.phase === 'Failed' && s.lastRollback !== undefined && s.currentRevision === 1;
      },
      { timeoutMs: 60_000 },
    );

    const mine = `{{sel}},namespace="${ns}"`;
    // One series per Release, the phase its status shows.
    await eventually(
      'the phase series',
      `rollguard_release_phase{${mine},release="shop",phase="Failed"}`,
      (v) => v === 1,
    );
    expect(await query(`count(rollguard_release_phase{${mine}})`)).toBe(1);
    await eventually(
      'the rollback, by trigger',
      `rollguard_release_rollbacks_total{${mine},trigger="Automatic"}`,
      (v) => v === 1,
    );
    expect(await query(`rollguard_release_phase_transitions_total{${mine},from="Progressing",to="Ready"}`)).toBe(1);
    // The rollouts: v1 became Ready, v2 was rolled back; each verdict by outcome.
    expect(await query(`rollguard_rollout_duration_seconds_count{{{sel}},outcome="Ready"}`)).toBe(1);
    expect(await query(`rollguard_rollout_duration_seconds_count{{{sel}},outcome="RolledBack"}`)).toBe(1);
    const v1Seconds = (await query(`rollguard_rollout_duration_seconds_sum{{{sel}},outcome="Ready"}`)) ?? 0;
    expect(v1Seconds).toBeGreaterThan(2); // at least the 3 s analysis window, give or take the clocks
    expect(v1Seconds).toBeLessThan(60);
    expect(await query(`rollguard_verdict_failing_weight_ratio_count{{{sel}},verdict="Healthy"}`)).toBe(1);
    expect(await query(`rollguard_verdict_failing_weight_ratio_count{{{sel}},verdict="Unhealthy"}`)).toBe(1);
    // The HTTP check was measured, timed, and passed.
    expect(await query(`rollguard_health_checks_total{{{sel}},kind="HTTP",outcome="Pass"}`)).toBeGreaterThan(0);
    expect(await query(`rollguard_health_probe_duration_seconds_count{{{sel}},kind="HTTP"}`)).toBeGreaterThan(0);
    // The controller's watch and queue, the Temporal worker's own metrics, the process's.
    expect(await query(`rollguard_watch_up{{{sel}},resource="releases"}`)).toBe(1);
    expect(await query(`rollguard_controller_queue_depth{{{sel}}}`)).toBeGreaterThanOrEqual(0);
    expect(await query(`rollguard_controller_reconciles_total{{{sel}},result="success"}`)).toBeGreaterThan(0);
    expect(await query(`temporal_worker_task_slots_available{{{sel}},worker_type="WorkflowWorker"}`)).toBeGreaterThan(
      0,
    );
    expect(await query(`rollguard_worker_activity_slots{{{sel}},state="limit"}`)).toBe(100);
    expect(await query(`rollguard_worker_waits{{{sel}}}`)).toBeGreaterThanOrEqual(0);
    expect(await query(`process_cpu_seconds_total{{{sel}}}`)).toBeGreaterThan(0);

    // Every Temporal series the dashboard reads is one this worker serves.
    const served = await (await fetch(`${run.metricsUrl}/metrics`)).text();
    const temporalNames = dashboardQueries()
      .flatMap(({ expr }) => metricNames(expr))
      .filter((name) => name.startsWith('temporal_'));
    expect(temporalNames.length).toBeGreaterThan(5);
    expect(temporalNames.filter((name) => !new RegExp(`^${name}[{ ]`, 'm').test(served))).toEqual([]);

    // The log: JSON lines naming the Release, its revision, workflow and rollback.
    const lines = run.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const rollingBack = lines.find((l) => l.msg === 'release phase changed' && l.to === 'RollingBack');
    const { lastRollback } = await statusOf('shop');
    const workflowId = expect.stringMatching(new RegExp(`^release/${ns}/shop/`)) as unknown;
    expect(lines.find((l) => l.msg === 'spec sent')).toMatchObject({
      component: 'controller',
      release: `${ns}/shop`,
      workflowId,
    });
    expect(rollingBack).toMatchObject({
      level: 'info',
      release: `${ns}/shop`,
      revision: 2,
      rollbackId: lastRollback?.id,
      workflowId,
    });
  });

  it('a restarted controller exports the phase of each Release from its cache at once', async () => {
    await run.stop();
    const controller = await startRun(['--controller-only']);
    await scrape(controller);
    const instance = new URL(controller.metricsUrl).host;
    await eventually(
      'the new process to export the phase',
      `rollguard_release_phase{{{sel}},instance="${instance}",namespace="${ns}",release="shop",phase="Failed"}`,
      (v) => v === 1,
    );
    // Nothing is measured twice: the restarted controller saw no rollout end.
    expect((await query(`rollguard_rollout_duration_seconds_count{{{sel}},instance="${instance}"}`)) ?? 0).toBe(0);
    // And it stops on SIGTERM, at once and cleanly.
    expect(await controller.stop(5_000)).toBe(0);
  });
});
