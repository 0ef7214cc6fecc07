import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { parseRelease, type Release } from '../../src/domain/api/index.ts';
import { releaseWorkflowId } from '../../src/domain/release/ref.ts';
import { installCrd } from '../support/crd.ts';
import { createNamespace, kube, waitFor } from '../support/stack.ts';
import { temporalOfStack } from '../support/temporal.ts';
import { appRelease } from '../support/release-specs.ts';
import { rollguard, RollguardProcess, removeReleases } from './cli-process.ts';

/** The canary example of deploy/examples, driven with the CLI against `rollguard run`, which is killed on the way. */
const example = fileURLToPath(new URL('../../deploy/examples/canary-release.yaml', import.meta.url));
const clients = kube();
let run = new RollguardProcess();
let ns = '';
const cli = (...args: string[]) => rollguard([...args, '-n', ns]);

async function read(name: string): Promise<Release> {
  const parsed = parseRelease(await clients.releases.get({ namespace: ns, name }));
  if (!parsed.ok) throw parsed.error;
  return parsed.release;
}
async function pods(name: string): Promise<[number, number]> {
  const replicas = async (n: string) =>
    (await clients.apps.readNamespacedDeployment({ name: n, namespace: ns }).catch(() => undefined))?.spec?.replicas ??
    0;
  return [await replicas(name), await replicas(`${name}-canary`)];
}
async function until(
  what: string,
  check: (r: Release) => boolean,
  timeoutMs = 60_000,
  name = 'shop',
): Promise<Release> {
  let last: Release | undefined;
  await waitFor(
    what,
    async () => {
      last = await read(name);
      return check(last);
    },
    { timeoutMs, hint: () => JSON.stringify(last?.status ?? {}) },
  );
  return last!;
}

beforeAll(async () => {
  await installCrd(clients.config);
  ns = await createNamespace(clients, 'canary-cli');
  await run.start(ns);
}, 180_000);

afterAll(async () => {
  await run.stop();
  await removeReleases(clients, ns, ['shop', 'feed']);
});

describe('the canary example, with the CLI', () => {
  it('resumes its timed pause with the time it had left after rollguard run is killed', async () => {
    const deployed = await cli('deploy', '-f', example, '--wait');
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(await cli('set-image', 'shop', 'app=example/shop:v2')).toMatchObject({ code: 0 });

    const paused = await until('step 2/6, the timed pause', (r) => r.status?.strategy?.step === '2/6');
    expect(await pods('shop')).toEqual([8, 2]);
    // Killed once the pause is in history (its timer started): the status is written inside the
    // workflow task that starts it, and a task lost with the process is run again, from a new "now".
    const temporal = await temporalOfStack();
    const handle = temporal.client.workflow.getHandle(
      releaseWorkflowId({ namespace: ns, name: 'shop', uid: paused.metadata.uid ?? '' }),
    );
    await waitFor('the pause’s timer in the workflow’s history', async () =>
      (await handle.fetchHistory()).events!.some(
        (e) => Number(e.timerStartedEventAttributes?.startToFireTimeout?.seconds ?? 0) >= 10,
      ),
    );
    await temporal.connection.close();
    const endTime = (await read('shop')).status?.strategy?.pause?.endTime;
    expect(endTime).toBeDefined();

    await run.kill();
    run = new RollguardProcess();
    await run.start(ns);
    const after = await read('shop');
    expect(after.status?.strategy).toMatchObject({ step: '2/6', pause: { endTime } });
    // The pause ends when it was going to, not 15 s after the restart.
    const next = await until('step 3/6', (r) => (r.status?.strategy?.currentStepIndex ?? 0) >= 2);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(endTime!) - 1_000);
    expect(next.status?.strategy?.revision).toBe(2);
  });

  it('resumes a step’s analysis with the window it had after rollguard run is killed', async () => {
    const steps = [{ setWeight: 50 }, { analysis: { window: '20s' } }, { setWeight: 100 }];
    await clients.releases.create(
      ns,
      appRelease('feed', { image: 'example/feed:v1', replicas: 4, strategy: { canary: { steps } } }),
    );
    await until('feed at revision 1', (r) => r.status?.stableRevision === 1, 60_000, 'feed');
    expect(await cli('set-image', 'feed', 'app=example/feed:v2')).toMatchObject({ code: 0 });
    const analysing = await until('step 2/3, the analysis', (r) => r.status?.strategy?.step === '2/3', 60_000, 'feed');
    // Killed once the analysis is in history (its activity scheduled), as the pause above.
    const temporal = await temporalOfStack();
    const handle = temporal.client.workflow.getHandle(
      releaseWorkflowId({ namespace: ns, name: 'feed', uid: analysing.metadata.uid ?? '' }),
    );
    await waitFor('the analysis in the workflow’s history', async () =>
      (await handle.fetchHistory()).events!.some(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'watchReadiness',
      ),
    );
    await temporal.connection.close();
    const window = (await read('feed')).status?.strategy?.analysis;
    expect(window?.endTime).toBeDefined();

    await run.kill();
    run = new RollguardProcess();
    await run.start(ns);
    const after = await read('feed');
    expect(after.status?.strategy).toMatchObject({ revision: 2, step: '2/3', analysis: window });
    // The same window ends when it was going to; then the canary goes on to promotion.
    const ready = await until('feed promoted', (r) => r.status?.stableRevision === 2, 90_000, 'feed');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(window!.endTime) - 1_000);
    expect(ready.status?.strategy).toMatchObject({ revision: 2, state: 'Promoted' });
    await expect.poll(() => pods('feed'), { timeout: 30_000 }).toEqual([4, 0]);
  });

  it('waits for `rollguard promote`, shows where it stands, and refuses what has nothing to act on', async () => {
    await until('step 5/6, the pause until promoted', (r) => r.status?.strategy?.step === '5/6', 90_000);
    await expect.poll(() => pods('shop'), { timeout: 30_000 }).toEqual([5, 5]);
    const status = await cli('status', 'shop');
    expect(status.stdout).toContain('canary of revision 2, step 5/6: setWeight 50, paused until promoted');
    expect(status.stdout).toContain('stable 5 pods (50 %), canary 5 pods (50 %)');

    const retry = await cli('retry', 'shop');
    expect(retry.code).not.toBe(0);
    expect(retry.stderr).toContain('nothing to retry: the canary of revision 2 is in progress at step 5/6');
    const abort = await cli('abort', 'shop');
    expect(abort.code).not.toBe(0);
    expect(abort.stderr).toContain('--reason');

    const promoted = await cli('promote', 'shop');
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toContain(`promote: ${ns}/shop revision 2 now at step 6/6`);
    const ready = await until('revision 2 stable', (r) => r.status?.phase === 'Ready' && r.status.stableRevision === 2);
    expect(ready.status?.strategy).toMatchObject({ state: 'Promoted' });
    await expect.poll(() => pods('shop'), { timeout: 30_000 }).toEqual([10, 0]);

    const again = await cli('promote', 'shop');
    expect(again.stderr).toContain('nothing to promote: the canary of revision 2 was promoted');
  });

  it('takes promote and promote-full as annotations, once per value, and says when one has nothing to act on', async () => {
    const annotate = (annotations: Record<string, string>) =>
      clients.releases.patch({ namespace: ns, name: 'shop' }, 'merge', { metadata: { annotations } });
    // Revision 2 is promoted: a promote annotation now has nothing to act on, and says so in an Event.
    await annotate({ 'rollguard.dev/promote': 'one' });
    await until(
      'the refused request recorded',
      (r) => r.status?.observedStrategyRequests?.promote === 'annotation:promote:one',
    );
    await waitFor('the Warning Event', async () => {
      const events = await clients.events.listNamespacedEvent({ namespace: ns });
      return events.items.some(
        (e) => e.reason === 'StrategyRequestRefused' && (e.note ?? '').includes('nothing to promote'),
      );
    });

    expect(await cli('set-image', 'shop', 'app=example/shop:v3')).toMatchObject({ code: 0 });
    await until(
      'revision 3 at step 2/6',
      (r) => r.status?.strategy?.revision === 3 && r.status.strategy.step === '2/6',
    );
    // The same value again is the same request: it is not acted on. A new one on promote-full is.
    await annotate({ 'rollguard.dev/promote': 'one', 'rollguard.dev/promote-full': 'ship it' });
    const ready = await until(
      'revision 3 promoted',
      (r) => r.status?.phase === 'Ready' && r.status.stableRevision === 3,
    );
    expect(ready.status?.strategy).toMatchObject({ revision: 3, state: 'Promoted' });
    expect(ready.status?.observedStrategyRequests).toEqual({
      promote: 'annotation:promote:one',
      promoteFull: 'annotation:promoteFull:ship it',
    });
    await expect.poll(() => pods('shop'), { timeout: 30_000 }).toEqual([10, 0]);
  });
});
