import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEgressGuard, type EgressConfig, type EgressGuard } from '../../src/activities/checks/egress.ts';
import { createHttpGate } from '../../src/activities/checks/http.ts';
import { createPrometheusGate } from '../../src/activities/checks/prometheus.ts';
import { createDependencyActivities } from '../../src/activities/cluster/dependencies.ts';
import type { HealthGate, HttpProbe, PrometheusQuery } from '../../src/domain/health/types.ts';
import { appRelease } from '../support/release-specs.ts';
import { ReleaseHarness } from '../support/releases.ts';
import { stackEnv } from '../support/stack.ts';

/** A real HTTP server that writes down every request it receives. */
class LoggingServer {
  readonly requests: { method: string; url: string; host: string }[] = [];
  /** Authorization headers received, if any request carried one. */
  readonly authorizations: string[] = [];
  private server: Server | undefined;
  private readonly routes: Record<string, (res: ServerResponse) => void>;

  constructor(routes: Record<string, (res: ServerResponse) => void> = {}) {
    this.routes = routes;
  }

  async start(host = '127.0.0.1'): Promise<this> {
    this.server = createServer((req, res) => {
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '' });
      if (req.headers.authorization) this.authorizations.push(req.headers.authorization);
      const route = this.routes[(req.url ?? '').split('?')[0] ?? ''];
      if (route) route(res);
      else res.end('ok');
    });
    await new Promise<void>((resolve) => this.server?.listen(0, host, resolve));
    return this;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  url(path: string, host = '127.0.0.1'): string {
    return `http://${host}:${this.port}${path}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

// Given the local stack's control plane (the API server and Temporal listen on 127.0.0.1) and two
// servers on loopback: one the operator allows by name and port, one nobody allowed.
const forbidden = new LoggingServer();
const allowed = new LoggingServer({
  '/to-forbidden': (res) => res.writeHead(302, { location: forbidden.url('/latest/meta-data') }).end(),
});
const rebound = new LoggingServer();
beforeAll(async () => {
  await Promise.all([forbidden.start(), allowed.start(), rebound.start('127.0.0.2')]);
});
afterAll(async () => {
  await Promise.all([forbidden.stop(), allowed.stop(), rebound.stop()]);
});

const settings = (): EgressConfig => ({
  allow: `127.0.0.1:${allowed.port}`,
  controlPlane: [stackEnv.TEMPORAL_ADDRESS, 'https://127.0.0.1:6443'],
});
const probe = (urls: string[], overrides: Partial<HttpProbe> = {}): HttpProbe => ({
  name: 'healthz',
  urls,
  weight: 5,
  timeoutMs: 1_000,
  retries: 1,
  expectedStatus: { min: 200, max: 299 },
  ...overrides,
});

describe('HTTP checks under the egress policy', () => {
  let gate: HealthGate<HttpProbe>;
  beforeAll(() => {
    gate = createHttpGate({ egress: createEgressGuard(settings()), retryMinDelayMs: 5, retryMaxDelayMs: 20 });
  });

  it('probe an address the operator allows', async () => {
    const result = await gate.measure(probe([allowed.url('/healthz?case=allowed')]), {});
    expect(result).toMatchObject({ outcome: 'Pass' });
    expect(allowed.requests.some((r) => r.url === '/healthz?case=allowed')).toBe(true);
  });

  it('send nothing to loopback nobody allowed, and fail saying how to allow it', async () => {
    const result = await gate.measure(probe([forbidden.url('/healthz')], { failureThreshold: 3 }), {});
    expect(result).toMatchObject({ outcome: 'Fail', permanent: true });
    expect(result.reason).toContain("refused by rollguard's check egress policy: 127.0.0.1 is the control plane");
    expect(result.reason).toContain('ROLLGUARD_CHECK_ALLOW=');
    expect(forbidden.requests).toEqual([]);
  });

  it('send nothing to the cloud metadata address', async () => {
    const result = await gate.measure(probe(['http://169.254.169.254/latest/meta-data/iam/security-credentials/']), {});
    expect(result).toMatchObject({
      outcome: 'Fail',
      permanent: true,
      reason: expect.stringContaining('169.254.169.254 is link-local'),
    });
  });

  it('do not follow a redirect to an address the policy refuses', async () => {
    const result = await gate.measure(probe([allowed.url('/to-forbidden')]), {});
    expect(result).toMatchObject({ outcome: 'Fail', reason: expect.stringContaining('status 302') });
    expect(allowed.requests.filter((r) => r.url === '/to-forbidden')).toHaveLength(2); // the attempt and its retry
    expect(forbidden.requests).toEqual([]);
  });

  it('connect to the address the policy judged, whatever DNS answers next', async () => {
    // A name only this resolver knows: were the connection to look it up again, it would fail.
    let lookups = 0;
    const resolve = async (host: string) => {
      lookups++;
      if (host !== 'app.rebind.example') throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return [{ address: '127.0.0.2', family: 4 }];
    };
    const pinned = createHttpGate({ egress: createEgressGuard({ allow: '127.0.0.2/32' }, { resolve }) });
    const result = await pinned.measure(probe([rebound.url('/healthz', 'app.rebind.example')], { retries: 0 }), {});
    expect(result).toMatchObject({ outcome: 'Pass' });
    expect(lookups).toBe(1);
    expect(rebound.requests).toEqual([{ method: 'GET', url: '/healthz', host: `app.rebind.example:${rebound.port}` }]);
  });

  it('never send credentials written in a URL', async () => {
    const result = await gate.measure(
      probe([allowed.url('/healthz?case=credentials').replace('//', '//admin:hunter2@')]),
      {},
    );
    expect(result.outcome).toBe('Pass');
    expect(result.reason).not.toContain('hunter2');
    expect(allowed.requests.some((r) => r.url === '/healthz?case=credentials')).toBe(true);
    expect(allowed.authorizations).toEqual([]);
  });
});

describe('Prometheus addresses under the egress policy', () => {
  let egress: EgressGuard;
  let gate: HealthGate<PrometheusQuery>;
  beforeAll(() => {
    egress = createEgressGuard(settings());
    gate = createPrometheusGate({ egress, defaultPrometheus: stackEnv.PROMETHEUS_URL });
  });

  it('query the operator’s own Prometheus, which is trusted', async () => {
    const result = await gate.measure(
      { name: 'up', address: stackEnv.PROMETHEUS_URL, query: 'vector(1)', max: 2, weight: 4 },
      {},
    );
    expect(result).toMatchObject({ outcome: 'Pass', value: 1 });
  });

  it('send nothing to an address a Release names that the policy refuses', async () => {
    const result = await gate.measure(
      { name: 'up', address: forbidden.url('/prometheus'), query: 'up', max: 1, weight: 4 },
      {},
    );
    expect(result).toMatchObject({
      outcome: 'Fail',
      permanent: true,
      reason: expect.stringContaining('was not queried: refused by rollguard'),
    });
    expect(forbidden.requests).toEqual([]);
  });

  it('are checked for reachability under their path prefix, and only where allowed', async () => {
    const { unreachablePrometheus } = createDependencyActivities({
      egress,
      defaultPrometheus: stackEnv.PROMETHEUS_URL,
    });
    const problems = await unreachablePrometheus({
      addresses: [
        { field: 'spec.healthChecks.prometheus[0].address', address: allowed.url('/prometheus') },
        { field: 'spec.healthChecks.prometheus[1].address', address: forbidden.url('/prometheus') },
      ],
    });
    expect(allowed.requests.some((r) => r.url === '/prometheus/api/v1/status/buildinfo')).toBe(true);
    expect(problems).toEqual([
      expect.stringMatching(
        /^spec\.healthChecks\.prometheus\[1\]\.address: Prometheus at .* is not queried: refused by rollguard's check egress policy/,
      ),
    ]);
    expect(forbidden.requests).toEqual([]);
  });
});

describe('a Release whose check points at the cloud metadata address', () => {
  const h = new ReleaseHarness();
  beforeAll(() => h.start('egress'), 120_000);
  afterAll(() => h.stop());

  it('fails its check without a request, and the status says which policy refused it and how to allow it', async () => {
    const http = [
      {
        name: 'metadata',
        url: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
        interval: '1s',
        timeout: '500ms',
        failureThreshold: 2,
      },
    ];
    await h.apply(appRelease('nosy', { image: 'example/nosy:v1', window: '3s', http }));
    const failed = await h.waitForStatus('nosy', 'Failed', (r) => r.status?.lastVerdict !== undefined);
    const check = failed.status?.lastVerdict?.checks.find((c) => c.name === 'metadata');
    expect(check).toMatchObject({ kind: 'HTTP', outcome: 'Fail' });
    expect(check?.reason).toContain("refused by rollguard's check egress policy: 169.254.169.254 is link-local");
    expect(check?.reason).toContain('ROLLGUARD_CHECK_ALLOW=169.254.169.254/32');
  });
});
