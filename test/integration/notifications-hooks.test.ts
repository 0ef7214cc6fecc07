import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseInput } from '../../src/domain/api/index.ts';
import type { ReleaseNotification } from '../../src/domain/release/notifications.ts';
import { appRelease, type AppOptions } from '../support/release-specs.ts';
import { ReleaseHarness, testCheckEgress } from '../support/releases.ts';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createHookActivities, type HookRunInput } from '../../src/activities/hooks/run.ts';
import { kubeSecretReader } from '../../src/activities/checks/secret-headers.ts';
import { createEgressGuard } from '../../src/activities/checks/egress.ts';
import { hookJobName, hookRunKey } from '../../src/domain/release/hooks.ts';
import { LoopbackReceiver } from '../support/receiver.ts';
import { createNamespace, deleteNamespace, waitFor } from '../support/stack.ts';

const h = new ReleaseHarness();
/** Hooks and notification endpoints: one that fails, one that never answers, one that notes the Deployment's revision. */
const receiver = new LoopbackReceiver(async (request) => {
  if (request.path === '/hang') return 'hold';
  if (request.path === '/hook/fail') return 500;
  if (request.path === '/hook/undo')
    request.deploymentRevision = await h
      .deployment('shop')
      .then((d) => d.metadata?.annotations?.['rollguard.dev/revision'])
      .catch(() => undefined);
  return 200;
});
const { received } = receiver;
let base = '';

// The operator's own sink (rollguard run --notifications), its Secret in a namespace of its own.
let opsNamespace = '';

beforeAll(async () => {
  await receiver.start();
  base = receiver.base;
  opsNamespace = await createNamespace(h.clients, 'notify-ops');
  await h.clients.core.createNamespacedSecret({
    namespace: opsNamespace,
    body: { metadata: { name: 'ops-notify' }, stringData: { url: `${base}/notify/operator` } },
  });
  await h.start('notify-hooks', {
    operatorSinks: [
      {
        name: 'platform',
        type: 'Slack',
        urlFrom: { secretKeyRef: { name: 'ops-notify', key: 'url' } },
        events: ['RollbackStarted'],
        timeout: '5s',
        retries: 2,
        secretNamespace: opsNamespace,
        operator: true,
      },
    ],
  });
}, 120_000);
afterAll(async () => {
  await h.stop();
  await deleteNamespace(h.clients, opsNamespace);
  receiver.stop();
});

type Spec = ReleaseInput['spec'];
const release = (name: string, o: AppOptions, more: Partial<Spec>) => {
  const r = appRelease(name, o);
  return { ...r, spec: { ...r.spec, ...more } };
};

const paths = (prefix: string): string[] => receiver.paths(prefix);

async function events(name: string, reason: string): Promise<string[]> {
  const list = await h.clients.events.listNamespacedEvent({ namespace: h.namespace });
  return list.items.filter((e) => e.regarding?.name === name && e.reason === reason).map((e) => e.note ?? '');
}

describe('lifecycle hooks', () => {
  it('run in order around a rollout, and a failing preRollout hook leaves the Deployment untouched', async () => {
    const hooks: Spec['hooks'] = {
      preRollout: [
        { name: 'announce', http: { url: `${base}/hook/pre` } },
        {
          name: 'migrate',
          job: { template: { template: { spec: { containers: [{ name: 'migrate', image: 'example/migrate:1' }] } } } },
        },
      ],
      postRollout: [{ name: 'smoke', http: { url: `${base}/hook/post` } }],
    };
    await h.apply(release('web', { image: 'example/web:v1' }, { hooks }));
    // postRollout runs once the Release is Ready; its outcome follows in status.hooks.
    const ready = await h.waitForStatus(
      'web',
      'Ready',
      (r) => r.status?.currentRevision === 1 && r.status.hooks?.some((x) => x.stage === 'postRollout') === true,
    );
    expect(paths('/hook/')).toEqual(['/hook/pre', '/hook/post']);
    expect(ready.status?.hooks?.map((x) => [x.stage, x.name, x.outcome])).toEqual([
      ['preRollout', 'announce', 'Succeeded'],
      ['preRollout', 'migrate', 'Succeeded'],
      ['postRollout', 'smoke', 'Succeeded'],
    ]);
    const pre = received.find((r) => r.path === '/hook/pre');
    expect(pre?.headers['idempotency-key']).toMatch(/preRollout\/announce/);
    expect(JSON.parse(pre?.body ?? '{}')).toMatchObject({ stage: 'preRollout', hook: 'announce', generation: 1 });
    const jobs = await h.clients.batch.listNamespacedJob({
      namespace: h.namespace,
      labelSelector: 'rollguard.dev/hook=preRollout.migrate',
    });
    expect(jobs.items).toHaveLength(1);
    expect(jobs.items[0]?.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')).toBe(true);

    const before = await h.deployment('web');
    await h.apply(
      release(
        'web',
        { image: 'example/web:v2' },
        { hooks: { preRollout: [{ name: 'gate', http: { url: `${base}/hook/fail` } }] } },
      ),
    );
    const failed = await h.waitForStatus('web', 'Failed', (r) => r.status?.observedGeneration === 2);
    expect(failed.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'PreRolloutHookFailed',
    });
    expect(failed.status?.conditions?.find((c) => c.type === 'Progressing')?.message).toContain('answered 500');
    const after = await h.deployment('web');
    expect(after.metadata?.generation).toBe(before.metadata?.generation);
    expect(after.metadata?.annotations?.['rollguard.dev/revision']).toBe('1');
    expect(after.spec?.template.spec?.containers[0]?.image).toBe('example/web:v1');
    expect((await h.snapshot('web')).revisions.map((r) => r.revision)).toEqual([1]);
    expect(await events('web', 'HookFailed')).toEqual([expect.stringContaining('preRollout hook gate failed')]);
    // Not declared idempotent: called once, never retried.
    expect(paths('/hook/fail')).toHaveLength(1);
  });
});

describe('a Job hook whose attempt died midway (rollguard killed)', () => {
  it('is found by the next attempt and awaited to completion, never started twice', async () => {
    const stored = await h.clients.releases.create(h.namespace, {
      ...appRelease('batch', { image: 'example/batch:v1' }),
      metadata: { name: 'batch', namespace: h.namespace },
    });
    const ref = { namespace: h.namespace, name: 'batch', uid: (stored as { metadata: { uid: string } }).metadata.uid };
    const hooks = createHookActivities({
      kube: h.clients,
      readSecret: kubeSecretReader(h.clients),
      egress: createEgressGuard(testCheckEgress),
      jobPollMs: 100,
    });
    const hook = {
      name: 'migrate',
      job: { timeout: '1m', template: { template: { spec: { containers: [{ name: 'm', image: 'example/m:1' }] } } } },
    };
    const input: HookRunInput = {
      ref,
      stage: 'preRollout',
      hook,
      key: hookRunKey(ref, 'preRollout', 'migrate', { generation: 1 }),
      context: { generation: 1 },
    };
    const listJobs = async () =>
      (
        await h.clients.batch.listNamespacedJob({
          namespace: h.namespace,
          labelSelector: 'rollguard.dev/release=batch',
        })
      ).items;

    // The first attempt creates the Job, then its worker goes away (the attempt is cancelled).
    const first = new MockActivityEnvironment();
    const dying = first.run(hooks.runJobHook, input);
    await waitFor('the first attempt to create the Job', async () => (await listJobs()).length === 1, {
      timeoutMs: 10_000,
    });
    first.cancel();
    await dying.catch(() => undefined);
    const created = (await listJobs())[0]?.metadata?.uid;

    // The retry finds that Job by its name and waits for it.
    const result = (await new MockActivityEnvironment().run(hooks.runJobHook, input)) as { job: string };
    expect(result.job).toBe(hookJobName(ref, 'preRollout', 'migrate', input.key));
    const jobs = await listJobs();
    expect(jobs.map((j) => j.metadata?.uid)).toEqual([created]);
    expect(jobs[0]?.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')).toBe(true);

    // A Job of that name that is not this run's is someone else's: refused, not awaited.
    const other = { ...input, key: hookRunKey(ref, 'preRollout', 'migrate', { generation: 2 }) };
    await h.clients.batch.createNamespacedJob({
      namespace: h.namespace,
      body: {
        metadata: { name: hookJobName(ref, 'preRollout', 'migrate', other.key) },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'x', image: 'example/x:1' }] } } },
      },
    });
    await expect(new MockActivityEnvironment().run(hooks.runJobHook, other)).rejects.toThrow(
      /is not this run of hook migrate/,
    );
  });
});

describe('notifications', () => {
  it('a dead receiver is dead-lettered while the rollback completes on time; the others get each event once', async () => {
    const secret = 'notify-urls';
    await h.clients.core.createNamespacedSecret({
      namespace: h.namespace,
      body: {
        metadata: { name: secret },
        stringData: { webhook: `${base}/notify/webhook`, ce: `${base}/notify/ce`, dead: `${base}/hang` },
      },
    });
    const urlFrom = (key: string) => ({ secretKeyRef: { name: secret, key } });
    const more: Partial<Spec> = {
      notifications: {
        sinks: [
          { name: 'team', type: 'Webhook', urlFrom: urlFrom('webhook') },
          { name: 'bus', type: 'CloudEvents', urlFrom: urlFrom('ce') },
          { name: 'dead', type: 'Webhook', urlFrom: urlFrom('dead'), timeout: '1s', retries: 1 },
        ],
      },
      hooks: { onRollback: [{ name: 'undo', http: { url: `${base}/hook/undo` } }] },
    };
    await h.apply(release('shop', { image: 'example/shop:v1', deadline: '4s' }, more));
    await h.waitForStatus('shop', 'Ready', (r) => r.status?.currentRevision === 1);

    const started = Date.now();
    await h.apply(release('shop', { image: 'example/shop:v2-broken', deadline: '4s' }, more));
    await h.rolledBackOnItsOwn('shop', { from: 2, to: 1 });
    // The same bound as without notifications (release-rollout.test.ts): the dead sink costs nothing.
    expect(Date.now() - started).toBeLessThan(4_000 + 10_000);

    const webhook = (): ReleaseNotification[] =>
      received.filter((r) => r.path === '/notify/webhook').map((r) => JSON.parse(r.body) as ReleaseNotification);
    const expected = [
      'RolloutStarted',
      'RolloutSucceeded',
      'RolloutStarted',
      'RollbackStarted',
      'RollbackFinished',
      'ReleaseFailed',
    ];
    await waitFor('every notification at the webhook', async () => webhook().length >= expected.length, {
      timeoutMs: 20_000,
    });
    const got = webhook().sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
    expect(got.map((n) => n.type).sort()).toEqual([...expected].sort());
    expect(new Set(got.map((n) => n.id)).size).toBe(got.length); // once each
    expect(got.find((n) => n.type === 'RollbackStarted')).toMatchObject({
      release: { namespace: h.namespace, name: 'shop' },
      rollback: { fromRevision: 2, toRevision: 1, trigger: 'Automatic' },
    });
    for (const r of received.filter((x) => x.path === '/notify/webhook'))
      expect(r.headers['idempotency-key']).toBe((JSON.parse(r.body) as ReleaseNotification).id);

    // The same events, with the same ids, as CloudEvents.
    await waitFor('every CloudEvent', async () => paths('/notify/ce').length >= expected.length, { timeoutMs: 20_000 });
    const cloudEvents = received
      .filter((r) => r.path === '/notify/ce')
      .map((r) => JSON.parse(r.body) as { id: string; type: string; specversion: string });
    expect(cloudEvents.map((e) => e.id).sort()).toEqual(got.map((n) => n.id).sort());
    expect(cloudEvents.every((e) => e.specversion === '1.0' && e.type.startsWith('dev.rollguard.release.'))).toBe(true);

    // The operator's sink took only what it asked for: the rollback, as a Slack message.
    await waitFor('the operator sink', async () => paths('/notify/operator').length >= 1, { timeoutMs: 20_000 });
    const slack = received.filter((r) => r.path === '/notify/operator');
    expect(slack.map((r) => r.headers['x-rollguard-event-id'])).toEqual([
      got.find((n) => n.type === 'RollbackStarted')?.id,
    ]);
    expect((JSON.parse(slack[0]?.body ?? '{}') as { text: string }).text).toMatch(
      new RegExp(`^:rewind: Release ${h.namespace}/shop: rollback started`),
    );

    // onRollback ran once the Deployment was back on revision 1, before the rollback was reported finished.
    const undo = received.findIndex((r) => r.path === '/hook/undo');
    expect(received[undo]?.deploymentRevision).toBe('1');
    const finished = got.find((n) => n.type === 'RollbackFinished')?.id;
    expect(received.findIndex((r) => r.path === '/notify/webhook' && r.body.includes(`"${finished}"`))).toBeGreaterThan(
      undo,
    );

    // The dead sink: every notification ends in a dead-letter Event that names it and never its URL.
    let letters: string[] = [];
    await waitFor(
      'a dead-letter Event per notification',
      async () => (letters = await events('shop', 'NotificationUndelivered')).length >= expected.length,
      { timeoutMs: 30_000, hint: () => JSON.stringify(letters) },
    );
    expect(letters.every((m) => m.includes('sink dead') && !m.includes('/hang'))).toBe(true);
    expect(letters.join('\n')).toContain(`id ${finished}`);
    // And the delivery workflow's history records it.
    const outcome = (await h.client.workflow.getHandle(`notify/${finished}`).result()) as {
      delivered: string[];
      deadLettered: { sink: string; attempts: number }[];
    };
    expect(outcome.delivered.sort()).toEqual(['bus', 'team']);
    expect(outcome.deadLettered).toMatchObject([{ sink: 'dead', attempts: 2 }]);
  });
});
