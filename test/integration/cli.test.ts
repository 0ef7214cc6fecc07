import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRelease, type Release } from '../../src/domain/api/index.ts';
import { workflowUrl } from '../../src/cli/links.ts';
import { releaseWorkflowId } from '../../src/domain/release/ref.ts';
import { installCrd } from '../support/crd.ts';
import { createNamespace, deleteNamespace, kube, stackEnv, waitFor } from '../support/stack.ts';
import { temporalOfStack, terminateQuietly } from '../support/temporal.ts';
import { exampleRelease, oneLineError, rollguard, RollguardProcess } from './cli-process.ts';

const clients = kube();
const rollguardRun = new RollguardProcess();
let ns = '';
const target = (name: string) => ({ namespace: ns, name });

async function read(name: string): Promise<Release> {
  const parsed = parseRelease(await clients.releases.get(target(name)));
  if (!parsed.ok) throw parsed.error;
  return parsed.release;
}
const deploymentImage = async (name: string) =>
  (await clients.apps.readNamespacedDeployment({ name, namespace: ns })).spec?.template.spec?.containers[0]?.image;
const cli = (...args: string[]) => rollguard([...args, '-n', ns]);

beforeAll(async () => {
  await installCrd(clients.config);
  ns = await createNamespace(clients, 'cli');
  await rollguardRun.start(ns);
});

afterAll(async () => {
  const code = await rollguardRun.stop();
  const temporal = await temporalOfStack();
  const list = (await clients.releases.list(ns)) as { items: Release[] };
  for (const r of list.items) {
    await clients.releases.patch(target(r.metadata.name), 'merge', { metadata: { finalizers: null } });
    await terminateQuietly(
      temporal.client,
      releaseWorkflowId({ namespace: ns, name: r.metadata.name, uid: r.metadata.uid ?? '' }),
    );
  }
  await temporal.connection.close();
  await deleteNamespace(clients, ns);
  expect(code, rollguardRun.output.slice(-2000)).toBe(0);
});

describe('deploying with the CLI against `rollguard run`', () => {
  it('deploy -f the example Release --wait tells the rollout and exits 0 once v1 is Ready', async () => {
    const result = await cli('deploy', '-f', exampleRelease, '--wait');

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`release ${ns}/web created: generation 1 (app=example/web:v1)`);
    expect(result.stdout).toMatch(/Progressing\s+rolling out generation 1/);
    expect(result.stdout).toContain(`release ${ns}/web is Ready at revision 1`);
    expect((await read('web')).status).toMatchObject({ phase: 'Ready', currentRevision: 1, stableRevision: 1 });
    expect(await deploymentImage('web')).toBe('example/web:v1');
  });

  it('set-image --wait rolls out v2 as revision 2', async () => {
    const result = await cli('set-image', 'web', 'app=example/web:v2', '--wait');

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `release ${ns}/web configured: generation 2, running revision 1 (app=example/web:v2)`,
    );
    expect(result.stdout).toContain('is Ready at revision 2');
    expect(await deploymentImage('web')).toBe('example/web:v2');
  });

  it('status shows the phase, revisions, pods, each check, the conditions and the workflow in the Temporal UI', async () => {
    const web = await read('web');
    const link = workflowUrl(
      'default',
      releaseWorkflowId({ namespace: ns, name: 'web', uid: web.metadata.uid ?? '' }),
      { TEMPORAL_UI_URL: stackEnv.TEMPORAL_UI_URL },
    );

    const text = await cli('status', 'web');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Phase\s+Ready$/m);
    expect(text.stdout).toContain('current 2, stable 2');
    expect(text.stdout).toContain('] 3/3 updated, 3/3 ready');
    expect(text.stdout).toMatch(/error-rate\s+Prometheus\s+Pass/);
    expect(text.stdout).toMatch(/Ready\s+True\s+HealthChecksPassed/);
    expect(text.stdout).toContain(link);

    const json = JSON.parse((await cli('status', 'web', '-o', 'json')).stdout);
    expect(json).toMatchObject({
      phase: 'Ready',
      currentRevision: 2,
      stableRevision: 2,
      workflow: { url: link, answered: true },
    });

    const table = await cli('status');
    expect(table.stdout).toMatch(/^NAME\s+PHASE\s+CURRENT\s+STABLE\s+AGE\s+IMAGES$/m);
    expect(table.stdout).toMatch(/^web\s+Ready\s+2\s+2\s+\S+\s+example\/web:v2$/m);
  });

  it('a broken image is rolled back on its own: set-image --wait exits 1 and says so, and v2 runs again', async () => {
    const result = await cli('set-image', 'web', 'app=example/web:v3-broken', '--wait');

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/RollingBack\s+rollback rb-\w+: revision 3 → 2 \(Automatic\)/);
    expect(oneLineError(result)).toMatch(
      new RegExp(`^rollguard: release ${ns}/web was rolled back: rollback rb-\\w+ \\(Automatic\\)`),
    );
    expect((await read('web')).status).toMatchObject({
      phase: 'Failed',
      currentRevision: 2,
      lastRollback: { fromRevision: 3, toRevision: 2, trigger: 'Automatic' },
    });
    expect(await deploymentImage('web')).toBe('example/web:v2');
  });

  it('history lists each revision with its images and outcome, and the rollback with its id and trigger', async () => {
    const id = (await read('web')).status?.lastRollback?.id ?? '';
    const text = await cli('history', 'web');

    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^1\s+example\/web:v1\s+.* ago\s+Stable\s*$/m);
    expect(text.stdout).toMatch(/^2\s+example\/web:v2\s+.* ago\s+Stable\s+current, stable$/m);
    expect(text.stdout).toMatch(/^3\s+example\/web:v3-broken\s+.* ago\s+Failed\s*$/m);
    expect(text.stdout).toMatch(new RegExp(`${id}\\s+3 → 2\\s+Automatic`));
    const json = JSON.parse((await cli('history', 'web', '-o', 'json')).stdout);
    expect(json.revisions.map((r: { revision: number; outcome: string }) => [r.revision, r.outcome])).toEqual([
      [1, 'Stable'],
      [2, 'Stable'],
      [3, 'Failed'],
    ]);
  });

  it('rollback --to-revision 1 returns to v1 and prints the outcome', async () => {
    const result = await cli('rollback', 'web', '--to-revision', '1', '--reason', 'v2 slows checkout');

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`^rolled back ${ns}/web: revision 2 → 1 \\(rollback rb-\\w+\\); phase Ready$`, 'm'),
    );
    expect((await read('web')).status?.lastRollback).toMatchObject({
      fromRevision: 2,
      toRevision: 1,
      trigger: 'Update',
      reason: 'v2 slows checkout',
    });
    await waitFor('v1 to run again', async () => (await deploymentImage('web')) === 'example/web:v1');
  });

  it('a rollback to a revision that does not exist is refused by the workflow, in one line', async () => {
    const result = await cli('rollback', 'web', '--to-revision', '9');

    expect(result.code).toBe(1);
    expect(oneLineError(result)).toBe(
      `rollguard: rollback of ${ns}/web refused: revision 9 does not exist; kept revisions: 1, 2, 3`,
    );
    expect((await read('web')).status?.currentRevision).toBe(1);
  });

  it('pause holds a new image until resume', async () => {
    expect((await cli('pause', 'web')).stdout).toContain(`paused ${ns}/web`);
    const held = await cli('set-image', 'web', 'app=example/web:v4', '--wait');
    expect(held.code).toBe(1);
    expect(oneLineError(held)).toContain('is paused');
    expect(await deploymentImage('web')).toBe('example/web:v1');

    expect((await cli('resume', 'web')).code).toBe(0);
    await waitFor(
      'v4 to be rolled out',
      async () => (await read('web')).status?.phase === 'Ready' && (await deploymentImage('web')) === 'example/web:v4',
      { timeoutMs: 60_000 },
    );
  });

  it('rollguard run serves /metrics with the transitions it made, and /healthz', async () => {
    const health = await fetch(`${rollguardRun.metricsUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, worker: 'RUNNING', controller: 'active' });
    const metrics = await (await fetch(`${rollguardRun.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^process_cpu_seconds_total \d/m); // process metrics, under their standard names
    // Its worker ran every activity of these rollouts (the task queue is its own), so it counted them.
    expect(metrics).toMatch(
      new RegExp(
        `^rollguard_release_phase_transitions_total\\{namespace="${ns}",from="Progressing",to="Ready"\\} [1-9]`,
        'm',
      ),
    );
    expect(metrics).toMatch(
      new RegExp(`^rollguard_release_rollbacks_total\\{namespace="${ns}",trigger="Automatic"\\} 1$`, 'm'),
    );
  });
});
