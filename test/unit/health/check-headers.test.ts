import { ApiException } from '@kubernetes/client-node';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthActivities } from '../../../src/activities/checks/analysis.ts';
import type { ReadSecret } from '../../../src/activities/checks/secret-headers.ts';
import { createDependencyActivities } from '../../../src/activities/cluster/dependencies.ts';
import type { HeaderSource } from '../../../src/domain/health/check-headers.ts';
import type { HttpProbe, PrometheusQuery } from '../../../src/domain/health/types.ts';

const token = 'tok-3f9a1c77e2';
const tokenRef: HeaderSource = {
  name: 'Authorization',
  secretKeyRef: { namespace: 'shop', name: 'api-token', key: 'token' },
};

/** A server that answers 200 only to the right bearer token, and writes down the headers it received. */
let server: Server;
const received: IncomingHttpHeaders[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    received.push(req.headers);
    if (req.url?.startsWith('/prometheus')) {
      // An authenticating proxy that quotes the credential it refuses: rollguard must not repeat it.
      res.setHeader('content-type', 'application/json');
      return void res.end(
        JSON.stringify({ status: 'error', errorType: 'bad_data', error: `refused ${req.headers.authorization}` }),
      );
    }
    res.statusCode = req.headers.authorization === `Bearer ${token}` ? 200 : 401;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const url = (path: string): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;

/** Secrets as the API server would answer for them, counting reads. */
function secrets(data: Record<string, Record<string, string> | number>) {
  const reads: string[] = [];
  const readSecret: ReadSecret = async (namespace, name) => {
    reads.push(`${namespace}/${name}`);
    const found = data[name];
    if (found === undefined)
      throw new ApiException(404, 'not found', { reason: 'NotFound', message: `secrets "${name}" not found` }, {});
    if (typeof found === 'number')
      throw new ApiException(found, 'refused', { reason: 'Forbidden', message: 'forbidden' }, {});
    return found;
  };
  return { reads, readSecret };
}

const check = (headers: HeaderSource[]): HttpProbe => ({
  name: 'healthz',
  urls: [url('/healthz')],
  retries: 0,
  timeoutMs: 1_000,
  weight: 5,
  headers,
});
const analyse = (readSecret: ReadSecret, http: HttpProbe[], windowMs = 0) =>
  createHealthActivities({ readSecret, heartbeatEveryMs: 1_000 }).runAnalysis({ windowMs, intervalMs: 1_000, http });

describe('check headers from a Secret', () => {
  it('send the Secret’s value, trimmed of its trailing newline, with the plain headers', async () => {
    const { readSecret } = secrets({ 'api-token': { token: `Bearer ${token}\n` } });
    const { checks } = await analyse(readSecret, [check([tokenRef, { name: 'X-Scope-OrgID', value: 'shop' }])]);
    expect(checks[0]).toMatchObject({ outcome: 'Pass' });
    expect(received.at(-1)).toMatchObject({
      authorization: `Bearer ${token}`,
      'x-scope-orgid': 'shop',
      'user-agent': 'rollguard-health-probe',
    });
  });

  it('read each Secret once per analysis run, and again on the next run', async () => {
    const { readSecret, reads } = secrets({ 'api-token': { token: `Bearer ${token}` } });
    const http = [check([tokenRef]), { ...check([tokenRef]), name: 'other' }];
    // Time that moves only when the analysis sleeps: three rounds of both checks.
    let now = 0;
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const { checks, rounds } = await createHealthActivities({ readSecret, clock }).runAnalysis({
      windowMs: 2_000,
      intervalMs: 1_000,
      http,
    });
    expect(rounds).toBe(3);
    expect(checks.every((c) => c.outcome === 'Pass')).toBe(true);
    expect(reads).toEqual(['shop/api-token']);
    await analyse(readSecret, http);
    expect(reads).toEqual(['shop/api-token', 'shop/api-token']);
  });

  it('fail the check when the server refuses the Secret’s value, without repeating it', async () => {
    const { readSecret } = secrets({ 'api-token': { token: 'Bearer wrong-value-81' } });
    const { checks } = await analyse(readSecret, [check([tokenRef])]);
    expect(checks[0]).toMatchObject({ outcome: 'Fail', reason: expect.stringContaining('status 401') });
    expect(JSON.stringify(checks)).not.toContain('wrong-value-81');
  });

  it.each<{ what: string; data: Record<string, Record<string, string> | number>; says: string }>([
    {
      what: 'a Secret that does not exist',
      data: {},
      says: 'header Authorization: Secret "api-token" in namespace shop does not exist: create it, or correct secretKeyRef.name',
    },
    {
      what: 'a key the Secret does not have',
      data: { 'api-token': { bearer: 'x', user: 'y' } },
      says: 'Secret "api-token" in namespace shop has no key "token" (its keys are "bearer", "user"): correct secretKeyRef.key, or add the key to the Secret',
    },
    {
      what: 'a Secret rollguard may not read',
      data: { 'api-token': 403 },
      says: 'rollguard may not read Secret "api-token" in namespace shop: grant its ServiceAccount get on this Secret',
    },
    {
      what: 'an empty value',
      data: { 'api-token': { token: ' \n' } },
      says: 'key "token" of Secret "api-token" in namespace shop cannot be sent as a header value: it is empty',
    },
    {
      what: 'a value of two lines',
      data: { 'api-token': { token: 'Bearer a\nX-Admin: yes' } },
      says: 'cannot be sent as a header value: it holds a line break',
    },
  ])('fail the check, sending nothing, on $what', async ({ data, says }) => {
    const before = received.length;
    const { checks } = await analyse(secrets(data).readSecret, [check([tokenRef])]);
    expect(checks[0]).toMatchObject({ outcome: 'Fail', reason: expect.stringContaining(says) });
    expect(received.length).toBe(before);
    expect(JSON.stringify(checks)).not.toContain('X-Admin');
  });

  it('leave the check Inconclusive when the API server does not answer', async () => {
    const { checks } = await analyse(secrets({ 'api-token': 503 }).readSecret, [check([tokenRef])]);
    expect(checks[0]).toMatchObject({
      outcome: 'Inconclusive',
      reason: expect.stringContaining('could not be read: 503'),
    });
  });

  it('go with Prometheus queries, and a server that quotes them back does not get them into the reason', async () => {
    const { readSecret } = secrets({ 'api-token': { token: `Bearer ${token}` } });
    const prometheus: PrometheusQuery = {
      name: 'errors',
      address: url('/prometheus'),
      query: 'up',
      max: 1,
      weight: 4,
      headers: [tokenRef],
    };
    const { checks } = await createHealthActivities({ readSecret }).runAnalysis({
      windowMs: 0,
      intervalMs: 1_000,
      prometheus: [prometheus],
    });
    expect(received.at(-1)).toMatchObject({
      authorization: `Bearer ${token}`,
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(checks[0]?.reason).toBe(
      "Prometheus rejected the query (bad_data): refused [redacted]; fix the check's query",
    );
  });
});

describe('admission of check Secrets', () => {
  const refs = [
    {
      field: 'spec.healthChecks.http[0].headers[0].valueFrom.secretKeyRef',
      ref: { namespace: 'shop', name: 'api-tokn', key: 'token' },
    },
  ];

  it('names the field and the Secret that is not there, after waiting for it a little', async () => {
    const { readSecret, reads } = secrets({});
    const { unreadableCheckSecrets } = createDependencyActivities({ readSecret, secretGraceMs: 1_500 });
    await expect(unreadableCheckSecrets({ secrets: refs })).resolves.toEqual([
      'spec.healthChecks.http[0].headers[0].valueFrom.secretKeyRef: Secret "api-tokn" in namespace shop does not exist: create it, or correct secretKeyRef.name',
    ]);
    expect(reads.length).toBeGreaterThan(1);
  });

  it('accepts a Secret that appears while it waits, as one written by sealed-secrets moments after the Release', async () => {
    const data: Record<string, Record<string, string>> = {};
    setTimeout(() => (data['api-tokn'] = { token: 'x' }), 300);
    const { unreadableCheckSecrets } = createDependencyActivities({
      readSecret: secrets(data).readSecret,
      secretGraceMs: 5_000,
    });
    await expect(unreadableCheckSecrets({ secrets: refs })).resolves.toEqual([]);
  });

  it('is retried, not refused, when the API server does not answer', async () => {
    const { unreadableCheckSecrets } = createDependencyActivities({
      readSecret: secrets({ 'api-tokn': 500 }).readSecret,
      secretGraceMs: 0,
    });
    await expect(unreadableCheckSecrets({ secrets: refs })).rejects.toThrow(/could not be read: 500/);
  });

  it('sends the headers when it asks whether a Prometheus answers', async () => {
    const { readSecret } = secrets({ 'api-token': { token: `Bearer ${token}` } });
    const { unreachablePrometheus } = createDependencyActivities({ readSecret });
    await unreachablePrometheus({
      addresses: [
        { field: 'spec.healthChecks.prometheus[0].address', address: url('/prometheus'), headers: [tokenRef] },
      ],
    });
    expect(received.at(-1)).toMatchObject({ authorization: `Bearer ${token}` });
  });
});
