import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolPath } from '../../dev/stack/tools.ts';
import type { InspectionNotification } from '../../src/domain/inspection/notifications.ts';
import type { InspectionReport, InspectionSummary } from '../../src/domain/inspection/types.ts';
import { registry } from '../../src/telemetry/metrics.ts';
import { appRelease } from '../support/release-specs.ts';
import { ReleaseHarness } from '../support/releases.ts';
import { runToEnd } from '../support/processes.ts';
import { LoopbackReceiver } from '../support/receiver.ts';
import { createNamespace, deleteNamespace, stackEnv, waitFor } from '../support/stack.ts';
import { rollguard } from './cli-process.ts';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const h = new ReleaseHarness();
const reportMap = 'rollguard-inspection';
let reportDir = '';
let healthz: Server;
let healthy = true;
let healthzUrl = '';
/** The scheduled run's HTML report, which the browser opens. */
let scheduledHtml = '';
const scheduleName = `it-${Date.now().toString(36)}`;
/** The operator's sink and web's own, on loopback; the operator's Secret in a namespace of its own. */
const receiver = new LoopbackReceiver();
let opsNamespace = '';
const failingSchedule = `${scheduleName}-failing`;

/** `rollguard inspect ...` against this file's namespace and worker. */
const inspect = (...args: string[]) => rollguard(['inspect', ...args, '--task-queue', h.taskQueue]);
const inspectNoQueue = (...args: string[]) => rollguard(['inspect', ...args]);

beforeAll(async () => {
  reportDir = await mkdtemp(join(tmpdir(), 'rollguard-inspections-'));
  await receiver.start();
  opsNamespace = await createNamespace(h.clients, 'insp-ops');
  await h.clients.core.createNamespacedSecret({
    namespace: opsNamespace,
    body: { metadata: { name: 'ops-notify' }, stringData: { url: `${receiver.base}/notify/operator` } },
  });
  await h.start('insp', {
    inspectionReports: (namespace) => ({ directory: reportDir, configMap: { namespace, name: reportMap } }),
    operatorSinks: [
      {
        name: 'platform',
        type: 'Webhook',
        urlFrom: { secretKeyRef: { name: 'ops-notify', key: 'url' } },
        events: ['InspectionFinding', 'InspectionFailedRepeatedly'],
        timeout: '5s',
        retries: 2,
        secretNamespace: opsNamespace,
        operator: true,
      },
    ],
  });
  await h.clients.core.createNamespacedSecret({
    namespace: h.namespace,
    body: { metadata: { name: 'web-notify' }, stringData: { url: `${receiver.base}/notify/web-team` } },
  });
  // The api Release's health check: a server on loopback that answers 200 until told otherwise.
  healthz = createServer((_, res) => {
    res.writeHead(healthy ? 200 : 503).end(healthy ? 'ok' : 'database unreachable');
  });
  await new Promise<void>((resolve) => healthz.listen(0, '127.0.0.1', resolve));
  healthzUrl = `http://127.0.0.1:${(healthz.address() as AddressInfo).port}/healthz`;
}, 180_000);

afterAll(async () => {
  await inspectNoQueue('delete', scheduleName).catch(() => undefined);
  await inspectNoQueue('delete', failingSchedule).catch(() => undefined);
  healthz?.close();
  await h.stop();
  await deleteNamespace(h.clients, opsNamespace);
  receiver.stop();
  if (reportDir) await rm(reportDir, { recursive: true, force: true });
});

async function latestReport(after: (r: InspectionReport) => boolean): Promise<InspectionReport> {
  let report: InspectionReport | undefined;
  await waitFor(
    'an inspection report in the ConfigMap',
    async () => {
      const map = await h.clients.core
        .readNamespacedConfigMap({ namespace: h.namespace, name: reportMap })
        .catch(() => undefined);
      const json = map?.data?.['report.json'];
      report = json ? (JSON.parse(json) as InspectionReport) : undefined;
      return report !== undefined && after(report);
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  return report as InspectionReport;
}

/** What the operator's sink, or web's own, received: the InspectionFinding notifications, as JSON. */
const findingsAt = (path: string): InspectionNotification[] =>
  receiver.bodies<InspectionNotification>(path).filter((n) => n.type === 'InspectionFinding');

describe('inspections', () => {
  it('a scheduled inspection finds a Deployment edited by hand and a failing check, writes its report and notifies', async () => {
    // Given three Ready Releases: web (whose team takes its inspection findings), api (whose check passes) and calm (labelled tier=quiet)
    const webV1 = appRelease('web', { image: 'example/web:v1', replicas: 2 });
    await Promise.all([
      h.apply({
        ...webV1,
        spec: {
          ...webV1.spec,
          notifications: {
            sinks: [
              {
                name: 'team',
                type: 'Webhook',
                urlFrom: { secretKeyRef: { name: 'web-notify', key: 'url' } },
                events: ['InspectionFinding'],
              },
            ],
          },
        },
      }),
      h.apply(
        appRelease('api', {
          image: 'example/api:v1',
          replicas: 1,
          http: [{ name: 'healthz', url: healthzUrl, interval: '1s', timeout: '500ms', weight: 5 }],
          failureWeight: 3,
        }),
      ),
      h.apply({
        ...appRelease('calm', { image: 'example/calm:v1', replicas: 1 }),
        metadata: { name: 'calm', labels: { tier: 'quiet' } },
      }),
    ]);
    await Promise.all(['web', 'api', 'calm'].map((name) => h.waitForStatus(name, 'Ready')));

    // When someone patches web's image by hand, as `kubectl patch` does, and api's dependency breaks
    const kubectl = await toolPath('kubernetes', 'kubectl');
    const patched = await runToEnd(kubectl, [
      '--kubeconfig',
      stackEnv.KUBECONFIG,
      '-n',
      h.namespace,
      'patch',
      'deployment',
      'web',
      '-p',
      JSON.stringify({
        spec: { template: { spec: { containers: [{ name: 'app', image: 'example/web:v2-broken' }] } } },
      }),
    ]);
    expect(patched.code, patched.stderr).toBe(0);
    healthy = false;

    // And an inspection Schedule of the namespace runs (every minute, and triggered now)
    const created = await inspect('schedule', scheduleName, '--cron', '* * * * *', '-n', h.namespace, '--retries', '1');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`created inspection Schedule ${scheduleName}`);
    // (listed and triggered at once: each is a process of its own)
    const [listed, triggered] = await Promise.all([
      inspectNoQueue('list', '-o', 'json'),
      inspectNoQueue('trigger', scheduleName),
    ]);
    expect(JSON.parse(listed.stdout).items).toContainEqual(
      expect.objectContaining({
        name: scheduleName,
        cron: '* * * * *',
        scope: { namespace: h.namespace },
        paused: false,
      }),
    );

    expect(triggered.code, triggered.stderr).toBe(0);

    // Then the report in the ConfigMap has the failing Releases first, each finding with its evidence
    const report = await latestReport((r) => r.schedule === scheduleName);
    expect(report.id).toMatch(new RegExp(`^inspection/${scheduleName}`));
    expect(report.targets.map((t) => [t.name, t.status])).toEqual([
      ['api', 'Failing'],
      ['web', 'Failing'],
      ['calm', 'Healthy'],
    ]);
    expect(report.counts).toMatchObject({ Failing: 2, Healthy: 1, Error: 0 });
    const web = report.targets.find((t) => t.name === 'web');
    expect(web?.findings).toContainEqual(
      expect.objectContaining({
        kind: 'ManualEdit',
        severity: 'Failing',
        evidence: expect.objectContaining({
          value: 'example/web:v2-broken',
          expected: 'example/web:v1',
          by: 'kubectl-patch',
        }),
      }),
    );
    const api = report.targets.find((t) => t.name === 'api');
    expect(api?.findings).toContainEqual(
      expect.objectContaining({
        kind: 'CheckFailing',
        subject: 'check HTTP healthz',
        message: expect.stringContaining('status 503'),
        evidence: expect.objectContaining({ value: '1 failing target', expected: 'HTTP 200-299' }),
      }),
    );
    // And the same report as files in the directory, HTML beside JSON
    const html = await readFile(join(reportDir, 'latest.html'), 'utf8');
    expect(html).toContain('ManualEdit');
    expect(JSON.parse(await readFile(join(reportDir, 'latest.json'), 'utf8'))).toEqual(report);
    scheduledHtml = (await readdir(reportDir)).find((f) => f.startsWith('inspection-') && f.endsWith('.html')) ?? '';
    // And the run is counted in the metrics, with its findings by kind
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/rollguard_inspection_runs_total\{outcome="findings"\} [1-9]/);
    expect(metrics).toMatch(/rollguard_inspection_findings_total\{kind="ManualEdit",severity="Failing"\} [1-9]/);
    expect(metrics).toMatch(/rollguard_inspection_duration_seconds_count [1-9]/);

    // And the operator's sink is told about web and api, web's own sink about web, each finding with its evidence
    const ofThisRun = (path: string) => findingsAt(path).filter((n) => n.inspection.id === report.id);
    await waitFor(
      'the InspectionFinding notifications of the run',
      async () => ofThisRun('/notify/operator').length >= 2 && ofThisRun('/notify/web-team').length >= 1,
      { timeoutMs: 30_000, hint: () => JSON.stringify(receiver.paths('/notify/')) },
    );
    const operator = ofThisRun('/notify/operator');
    expect(operator.map((n) => n.release?.name).sort()).toEqual(['api', 'web']);
    const aboutWeb = ofThisRun('/notify/web-team');
    expect(aboutWeb).toHaveLength(1);
    expect(aboutWeb[0]).toEqual(operator.find((n) => n.release?.name === 'web'));
    expect(aboutWeb[0]).toMatchObject({
      type: 'InspectionFinding',
      release: { namespace: h.namespace, name: 'web', uid: expect.any(String) },
      status: 'Failing',
      inspection: {
        id: report.id,
        schedule: scheduleName,
        report: { configMap: { namespace: h.namespace, name: reportMap }, json: expect.stringContaining(reportDir) },
      },
    });
    expect(aboutWeb[0]?.findings).toContainEqual(
      expect.objectContaining({
        kind: 'ManualEdit',
        evidence: expect.objectContaining({ value: 'example/web:v2-broken', expected: 'example/web:v1' }),
      }),
    );
    expect(operator.find((n) => n.release?.name === 'api')?.findings).toContainEqual(
      expect.objectContaining({ kind: 'CheckFailing', subject: 'check HTTP healthz' }),
    );
    // Its id is the run's and the Release's, sent as the Idempotency-Key; calm, Healthy, is not notified
    expect(aboutWeb[0]?.id).toBe(`${aboutWeb[0]?.release?.uid}.${aboutWeb[0]?.id.split('.')[1]}.InspectionFinding`);
    for (const r of receiver.requests('/notify/'))
      expect(r.headers['idempotency-key']).toBe((JSON.parse(r.body) as { id: string }).id);
    expect(findingsAt('/notify/operator').some((n) => n.release?.name === 'calm')).toBe(false);
    // And no id arrives twice at one sink: a run notifies each Release once
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    for (const path of ['/notify/operator', '/notify/web-team']) {
      const ids = findingsAt(path).map((n) => n.id);
      expect(new Set(ids).size, path).toBe(ids.length);
    }
  });

  it('`inspect run` waits for the report and exits 1 when it finds something, 0 when it finds nothing', async () => {
    // Two runs at once, each of its own scope
    const [found, quiet] = await Promise.all([
      inspect('run', '-n', h.namespace, '-o', 'json', '--batch-size', '2'),
      inspect('run', '-n', h.namespace, '-l', 'tier=quiet'),
    ]);
    expect(found.code, found.stderr).toBe(1);
    const summary = JSON.parse(found.stdout) as InspectionSummary;
    // Its history grows with batches, not with Releases: 3 Releases, 2 at a time, are 2 activities
    const history = await h.client.workflow.getHandle(summary.id).fetchHistory();
    const batches = (history.events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'inspectReleases',
    );
    expect(batches).toHaveLength(2);
    expect(summary.clean).toBe(false);
    expect(summary.notHealthy.map((t) => [t.name, t.status])).toEqual([
      ['api', 'Failing'],
      ['web', 'Failing'],
    ]);

    expect(quiet.code, quiet.stdout + quiet.stderr).toBe(0);
    expect(quiet.stdout).toContain('nothing found: 1 Releases inspected');
  });

  it('the HTML report shows the failing Releases first, their findings readable, without console errors; the Schedule is in the Temporal UI', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('request', (r) => void (r.url().startsWith('file:') || problems.push(`request to ${r.url()}`)));
      await page.goto(pathToFileURL(join(reportDir, scheduledHtml)).href);

      // The first rows are the failing Releases; the healthy one comes last
      const rows = page.locator('tr.target');
      expect(await rows.locator('td.name').allTextContents()).toEqual(['api', 'web', 'calm']);
      expect(await rows.first().getAttribute('data-status')).toBe('Failing');
      // Web's finding says what changed, from what, by whom
      const web = rows.nth(1);
      await expect.poll(() => web.getByText('ManualEdit').isVisible()).toBe(true);
      expect(await web.innerText()).toMatch(/example\/web:v2-broken[\s\S]*example\/web:v1[\s\S]*kubectl-patch/);
      expect(await page.locator('.summary').innerText()).toMatch(/2\s*Failing/);
      await mkdir(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'inspection-report.png'), fullPage: true });

      // Filtering without a server: "calm" leaves one row
      await page.fill('#filter', 'calm');
      await expect.poll(() => rows.locator('td.name').filter({ visible: true }).allTextContents()).toEqual(['calm']);
      // Sorting by name puts api, calm, web in order
      await page.fill('#filter', '');
      await page.locator('th', { hasText: 'Release' }).click();
      expect(await rows.locator('td.name').allTextContents()).toEqual(['api', 'calm', 'web']);
      expect(problems).toEqual([]);

      // And the Schedule that ran it is in the Temporal Web UI, at the link `inspect schedule` prints
      const ui = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await ui.goto(`${stackEnv.TEMPORAL_UI_URL}/namespaces/default/schedules/rollguard-inspection-${scheduleName}`);
      await expect
        .poll(() => ui.getByText(`rollguard-inspection-${scheduleName}`).first().isVisible(), { timeout: 30_000 })
        .toBe(true);
      await expect.poll(() => ui.getByText('inspectionWorkflow').first().isVisible(), { timeout: 30_000 }).toBe(true);
      await ui.screenshot({ path: join(artifacts, 'inspection-schedule-temporal-ui.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it('a Schedule whose runs fail 3 times in a row tells the operator once', async () => {
    // Given a Schedule whose selector the API server refuses: each run fails
    const created = await inspect('schedule', failingSchedule, '--cron', '0 0 1 1 *', '-n', h.namespace, '-l', '!!');
    expect(created.code, created.stderr).toBe(0);
    const schedule = h.client.schedule.getHandle(`rollguard-inspection-${failingSchedule}`);
    const failed = async (): Promise<number> => {
      const runs = (await schedule.describe()).info.recentActions;
      const statuses = await Promise.all(
        runs.map((a) => h.client.workflow.getHandle(a.action.workflow.workflowId).describe()),
      );
      return statuses.filter((d) => d.status.name === 'FAILED').length;
    };
    // When it is triggered 4 times, each run after the last one failed
    for (let run = 1; run <= 4; run++) {
      const triggered = await inspectNoQueue('trigger', failingSchedule);
      expect(triggered.code, triggered.stderr).toBe(0);
      await waitFor(`run ${run} to fail`, async () => (await failed()) >= run, { timeoutMs: 60_000, intervalMs: 500 });
    }
    // Then the operator's sink got InspectionFailedRepeatedly once, at the third, with the reason
    const told = () =>
      receiver
        .bodies<InspectionNotification>('/notify/operator')
        .filter((n) => n.type === 'InspectionFailedRepeatedly' && n.inspection.schedule === failingSchedule);
    await waitFor('the operator to be told', async () => told().length >= 1, { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(told()).toHaveLength(1);
    expect(told()[0]).toMatchObject({
      inspection: { failuresInARow: 3 },
      message: expect.stringMatching(
        new RegExp(
          `^inspection Schedule ${failingSchedule} failed 3 times in a row; the last run: .*cannot list the Releases`,
        ),
      ),
    });
  });

  it('a Schedule is changed by scheduling it again, then paused, unpaused and deleted by name', async () => {
    const schedule = h.client.schedule.getHandle(`rollguard-inspection-${scheduleName}`);
    const changed = await inspect('schedule', scheduleName, '--cron', '*/5 * * * *', '-l', 'tier=quiet', '-o', 'json');
    expect(changed.code, changed.stderr).toBe(0);
    expect(JSON.parse(changed.stdout)).toMatchObject({ result: 'updated', cron: '*/5 * * * *' });
    expect((await schedule.describe()).action.args?.[0]).toMatchObject({
      cron: '*/5 * * * *',
      scope: { selector: 'tier=quiet' },
    });

    expect((await inspectNoQueue('pause', scheduleName)).code).toBe(0);
    expect((await schedule.describe()).state.paused).toBe(true);
    expect((await inspectNoQueue('unpause', scheduleName)).code).toBe(0);
    expect((await schedule.describe()).state.paused).toBe(false);
    expect((await inspectNoQueue('delete', scheduleName)).code).toBe(0);
    const gone = await inspectNoQueue('pause', scheduleName);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain(`no inspection Schedule "${scheduleName}"`);
  });
});
