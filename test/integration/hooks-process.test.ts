import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRelease, type Release } from '../../src/domain/api/index.ts';
import { installCrd } from '../support/crd.ts';
import { type Answer, LoopbackReceiver } from '../support/receiver.ts';
import { appRelease } from '../support/release-specs.ts';
import { createNamespace, kube, waitFor } from '../support/stack.ts';
import { RollguardProcess, stackShell, removeReleases } from './cli-process.ts';

/**
 * docs/hooks.md: killed in the middle of an HTTP hook, rollguard never calls a hook twice unless it
 * is declared idempotent, and then with the same Idempotency-Key. Real `rollguard run` processes,
 * SIGKILLed while the loopback receiver holds the hook's request.
 */
const clients = kube();
let ns = '';
let run = new RollguardProcess();
const names = ['once', 'twice'];
/** Each hook's first call is held open (rollguard is killed meanwhile); any later call is answered 200. */
const receiver: LoopbackReceiver = new LoopbackReceiver((request): Answer =>
  receiver.paths(request.path).length === 1 ? 'hold' : 200,
);

const start = () => run.start(ns, [], { env: { ...stackShell(), ROLLGUARD_CHECK_ALLOW: '127.0.0.1/32' } });

async function read(name: string): Promise<Release> {
  const parsed = parseRelease(await clients.releases.get({ namespace: ns, name }));
  if (!parsed.ok) throw parsed.error;
  return parsed.release;
}

async function until(name: string, what: string, check: (r: Release) => boolean): Promise<Release> {
  let last: Release | undefined;
  await waitFor(
    `${name}: ${what}`,
    async () => {
      last = await read(name);
      return check(last);
    },
    { timeoutMs: 90_000, hint: () => JSON.stringify(last?.status ?? {}) },
  );
  return last!;
}

/** A Release whose preRollout is one HTTP hook on the receiver, idempotent or not. */
function hooked(name: string, idempotent: boolean) {
  const r = appRelease(name, { image: `example/${name}:v1`, replicas: 1 });
  return {
    ...r,
    metadata: { name, namespace: ns },
    spec: {
      ...r.spec,
      hooks: {
        preRollout: [{ name: 'announce', http: { url: `${receiver.base}/hook/${name}`, timeout: '5s', idempotent } }],
      },
    },
  };
}

beforeAll(async () => {
  await installCrd(clients.config);
  await receiver.start();
  ns = await createNamespace(clients, 'hook-kill');
  await start();
}, 180_000);

afterAll(async () => {
  await run.stop();
  await removeReleases(clients, ns, names);
  receiver.stop();
});

describe('rollguard run killed in the middle of an HTTP hook', () => {
  it('calls a hook not declared idempotent once and records it failed; an idempotent one again, with the same Idempotency-Key', async () => {
    // Given two Releases whose preRollout hook's call is in flight: one not idempotent, one idempotent
    await clients.releases.create(ns, hooked('once', false));
    await clients.releases.create(ns, hooked('twice', true));
    await waitFor(
      'both hooks called',
      async () => receiver.paths('/hook/once').length === 1 && receiver.paths('/hook/twice').length === 1,
      { timeoutMs: 60_000 },
    );

    // When rollguard is killed while the receiver holds both calls, and started again
    await run.kill();
    run = new RollguardProcess();
    await start();

    // Then the idempotent hook is called again, with the same key, and the rollout goes on
    const twice = await until('twice', 'Ready at revision 1', (r) => r.status?.phase === 'Ready');
    const [first, second] = receiver.requests('/hook/twice');
    expect(second?.headers['idempotency-key']).toBeDefined();
    expect(second?.headers['idempotency-key']).toBe(first?.headers['idempotency-key']);
    expect(twice.status?.hooks).toEqual([
      expect.objectContaining({ stage: 'preRollout', name: 'announce', outcome: 'Succeeded' }),
    ]);

    // And the one not idempotent is recorded as failed for not finishing, never called again, the Deployment untouched
    const once = await until('once', 'Failed by its preRollout hook', (r) => r.status?.phase === 'Failed');
    expect(once.status?.hooks).toEqual([
      expect.objectContaining({
        stage: 'preRollout',
        name: 'announce',
        outcome: 'Failed',
        message: 'hook announce: the call did not finish in time (not retried: the hook is not declared idempotent)',
      }),
    ]);
    expect(once.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'PreRolloutHookFailed',
    });
    const events = await clients.events.listNamespacedEvent({ namespace: ns });
    expect(
      events.items.filter((e) => e.regarding?.name === 'once' && e.reason === 'HookFailed').map((e) => e.note ?? ''),
    ).toEqual([
      expect.stringContaining('preRollout hook announce failed: hook announce: the call did not finish in time'),
    ]);
    const deployment = await clients.apps
      .readNamespacedDeployment({ namespace: ns, name: 'once' })
      .catch(() => undefined);
    expect(deployment).toBeUndefined();
    // (a little longer: a retry would have come by now)
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(receiver.paths('/hook/once')).toHaveLength(1);
    expect(receiver.paths('/hook/twice')).toHaveLength(2);
  });
});
