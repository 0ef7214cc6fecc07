import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseWorkflowId } from '../../src/domain/release/ref.ts';
import { appRelease } from '../support/release-specs.ts';
import { installCrd } from '../support/crd.ts';
import { ReleaseHarness } from '../support/releases.ts';
import { waitFor } from '../support/stack.ts';

// Given a service whose health endpoint answers only a bearer token, and that token in a Secret of
// the Release's namespace.
const token = `tok-${randomBytes(12).toString('hex')}`;
const wrongToken = `tok-${randomBytes(12).toString('hex')}`;
const h = new ReleaseHarness();
let server: Server;
const authorizations: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    authorizations.push(req.headers.authorization ?? '');
    res.statusCode = req.headers.authorization === `Bearer ${token}` ? 200 : 401;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await h.start('credentials');
}, 120_000);
afterAll(async () => {
  await h.stop();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const url = (): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;

/** An HTTP check sending the Authorization header from `secret`'s key "token". */
const guardedCheck = (secret: string) => [
  {
    name: 'healthz',
    url: url(),
    interval: '1s',
    timeout: '500ms',
    retries: 0,
    failureThreshold: 2,
    headers: [{ name: 'Authorization', valueFrom: { secretKeyRef: { name: secret, key: 'token' } } }],
  },
];

/** Creates or replaces a Secret of the test's namespace, as `kubectl apply` would. */
async function putSecret(name: string, data: Record<string, string>): Promise<void> {
  const body = { metadata: { name, namespace: h.namespace }, stringData: data };
  await h.clients.core
    .replaceNamespacedSecret({ name, namespace: h.namespace, body })
    .catch(() => h.clients.core.createNamespacedSecret({ namespace: h.namespace, body }));
}

/** Every string and byte payload of a workflow's history, decoded, as one text to search. */
async function historyText(name: string): Promise<string> {
  const release = await h.read(name);
  const history = await h.client.workflow.getHandle(releaseWorkflowId(h.ref(release))).fetchHistory();
  const texts: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') texts.push(value);
    else if (value instanceof Uint8Array) texts.push(Buffer.from(value).toString('utf8'));
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(history);
  return texts.join('\n');
}

/**
 * Applies a Release whose checks send headers. The local stack is shared, and a test run of a branch
 * without check headers installs its own CRD, whose schema the API server would prune them with: so
 * this installs ours first, and applies again until the stored spec kept the headers.
 */
async function applyWithHeaders(release: ReturnType<typeof appRelease>): Promise<void> {
  await waitFor(
    'the Release stored with its check headers',
    async () => {
      await installCrd(h.clients.config);
      const stored = await h.apply(release);
      return stored.spec.healthChecks.http.every((c) => c.headers?.length);
    },
    { timeoutMs: 30_000 },
  );
}

const eventsOf = async (name: string) =>
  (await h.clients.events.listNamespacedEvent({ namespace: h.namespace })).items.filter(
    (e) => e.regarding?.name === name,
  );

describe('an HTTP check with a bearer token from a Secret', () => {
  it('sends the token, and the Release becomes Ready', async () => {
    await putSecret('api-token', { token: `Bearer ${token}\n` }); // as `kubectl create secret --from-file` leaves it
    await applyWithHeaders(
      appRelease('web', { image: 'example/web:v1', window: '3s', http: guardedCheck('api-token') }),
    );
    const ready = await h.waitForStatus('web', 'Ready', (r) => r.status?.currentRevision === 1, 90_000);
    expect(ready.status?.lastVerdict?.checks.find((c) => c.name === 'healthz')).toMatchObject({
      kind: 'HTTP',
      outcome: 'Pass',
    });
    expect(authorizations).toContain(`Bearer ${token}`);
  });

  it('fails when the Secret holds a token the service refuses, and the Release is rolled back', async () => {
    await putSecret('api-token', { token: `Bearer ${wrongToken}` });
    await applyWithHeaders(
      appRelease('web', { image: 'example/web:v2', window: '6s', http: guardedCheck('api-token') }),
    );
    const failed = await h.rolledBackOnItsOwn('web', { from: 2, to: 1 });
    const check = failed.status?.lastVerdict?.checks.find((c) => c.name === 'healthz');
    expect(check).toMatchObject({ outcome: 'Fail', reason: expect.stringContaining('status 401') });
    expect(authorizations).toContain(`Bearer ${wrongToken}`);
  });

  it('naming a Secret that does not exist is refused as InvalidSpec naming it, and nothing is rolled out', async () => {
    await applyWithHeaders(
      appRelease('typo', { image: 'example/typo:v1', window: '3s', http: guardedCheck('api-tokn') }),
    );
    const failed = await h.waitForStatus(
      'typo',
      'Failed',
      (r) => r.status?.conditions?.some((c) => c.type === 'InvalidSpec') ?? false,
      60_000,
    );
    const says = `spec.healthChecks.http[0].headers[0].valueFrom.secretKeyRef: Secret "api-tokn" in namespace ${h.namespace} does not exist: create it, or correct secretKeyRef.name`;
    expect(failed.status?.conditions?.find((c) => c.type === 'InvalidSpec')).toMatchObject({
      status: 'True',
      reason: 'SpecInvalid',
      message: says,
    });
    expect(
      (await eventsOf('typo')).some(
        (e) => e.type === 'Warning' && e.reason === 'SpecInvalid' && e.note?.includes(says),
      ),
    ).toBe(true);
    await expect(h.deployment('typo')).rejects.toMatchObject({ code: 404 });
  });

  it('never puts a token in the workflow history, the status or an Event', async () => {
    for (const name of ['web', 'typo']) {
      const history = await historyText(name);
      expect(history).toContain('api-tok'); // the history is searched, and holds the references
      const seen = [history, JSON.stringify((await h.read(name)).status), JSON.stringify(await eventsOf(name))].join(
        '\n',
      );
      expect(seen).not.toContain(token);
      expect(seen).not.toContain(wrongToken);
    }
  });
});
