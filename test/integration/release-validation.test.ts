import { ApiException, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRelease, releaseResource } from '../../src/domain/api/index.ts';
import { installCrd, sampleRelease } from '../support/crd.ts';
import { createNamespace, deleteNamespace, kube } from '../support/stack.ts';

const clients = kube();
let namespace: string;

beforeAll(async () => {
  await installCrd(clients.config);
  namespace = await createNamespace(clients, 'release-validation');
});
afterAll(async () => deleteNamespace(clients, namespace));

const create = (body: object) => clients.releases.create(namespace, body);
const read = (name: string) => clients.releases.get({ namespace, name });
const patchStatus = (name: string, status: object) =>
  clients.releases.patchStatus({ namespace, name }, 'merge', { status });

/** The API server's message for a request it refused; fails the test when it accepted the request. */
async function refusal(request: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await request;
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    return { code: err.code, message: String(body?.message ?? err.message) };
  }
  throw new Error('the API server accepted it');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the point is to write wrong things
type Edit = (spec: any) => void;

function releaseWith(name: string, edit: Edit): object {
  const release = structuredClone(sampleRelease(name));
  edit(release.spec);
  return release;
}

const invalidSpecs: { what: string; field: string; edit: Edit; says: RegExp }[] = [
  { what: 'no template', field: 'spec.template', edit: (s) => delete s.template, says: /Required value/ },
  {
    what: 'replicas written as text',
    field: 'spec.template.replicas',
    edit: (s) => (s.template.replicas = 'three'),
    says: /must be of type integer/,
  },
  {
    what: 'negative replicas',
    field: 'spec.template.replicas',
    edit: (s) => (s.template.replicas = -1),
    says: /greater than or equal to 0/,
  },
  {
    what: 'a pod template without containers',
    field: 'spec.template.template.spec.containers',
    edit: (s) => delete s.template.template.spec.containers,
    says: /Required value/,
  },
  {
    what: 'a selector the pod template does not match',
    field: 'spec.template.selector.matchLabels',
    edit: (s) => (s.template.selector.matchLabels = { app: 'other' }),
    says: /must match the labels/,
  },
  {
    what: 'a maxSurge that is neither a number nor a percentage',
    field: 'spec.template.strategy.rollingUpdate.maxSurge',
    edit: (s) => (s.template.strategy = { rollingUpdate: { maxSurge: 'lots' } }),
    says: /percentage/,
  },
  {
    what: 'an http check with both url and port',
    field: 'spec.healthChecks.http[0]',
    edit: (s) => (s.healthChecks.http[0].url = 'http://web/healthz'),
    says: /exactly one of url or port/,
  },
  {
    what: 'an http check with neither url nor port',
    field: 'spec.healthChecks.http[0]',
    edit: (s) => (s.healthChecks.http[0] = { name: 'healthz' }),
    says: /exactly one of url or port/,
  },
  {
    what: 'a malformed url',
    field: 'spec.healthChecks.http[0].url',
    edit: (s) => (s.healthChecks.http[0] = { name: 'healthz', url: 'web:8080/healthz' }),
    says: /should match/,
  },
  {
    what: 'port 0',
    field: 'spec.healthChecks.http[0].port',
    edit: (s) => (s.healthChecks.http[0].port = 0),
    says: /port number from 1 to 65535/,
  },
  {
    what: 'an http weight above 100',
    field: 'spec.healthChecks.http[0].weight',
    edit: (s) => (s.healthChecks.http[0].weight = 101),
    says: /less than or equal to 100/,
  },
  {
    what: 'a negative weight',
    field: 'spec.healthChecks.readiness.weight',
    edit: (s) => (s.healthChecks.readiness = { weight: -1 }),
    says: /greater than or equal to 0/,
  },
  {
    what: 'a zero interval',
    field: 'spec.healthChecks.http[0].interval',
    edit: (s) => (s.healthChecks.http[0].interval = '0s'),
    says: /should match/,
  },
  {
    what: 'a 1ms interval',
    field: 'spec.healthChecks.http[0].interval',
    edit: (s) => Object.assign(s.healthChecks.http[0], { interval: '1ms', timeout: '1ms' }),
    says: /must be at least 1s/,
  },
  {
    what: 'a 50ms timeout',
    field: 'spec.healthChecks.http[0].timeout',
    edit: (s) => (s.healthChecks.http[0].timeout = '50ms'),
    says: /must be at least 100ms/,
  },
  {
    what: 'a 500ms query interval',
    field: 'spec.healthChecks.prometheus[0].interval',
    edit: (s) => (s.healthChecks.prometheus[0].interval = '500ms'),
    says: /must be at least 1s/,
  },
  {
    what: 'a url with credentials',
    field: 'spec.healthChecks.http[0].url',
    edit: (s) => (s.healthChecks.http[0] = { name: 'healthz', url: 'http://admin:hunter2@web.shop.svc/healthz' }),
    says: /must not contain credentials \(user:password@ before the host\)/,
  },
  {
    what: 'a Prometheus address with credentials',
    field: 'spec.healthChecks.prometheus[0].address',
    edit: (s) => (s.healthChecks.prometheus[0].address = 'https://reader:s3cret@prom.example'),
    says: /must not contain credentials/,
  },
  {
    what: 'a check whose failureThreshold × interval exceeds the analysis window',
    field: 'spec.healthChecks.prometheus',
    edit: (s) => (s.analysis = { window: '1m' }), // the query's defaults: 4 failing rounds, 30s apart
    says: /failureThreshold × interval exceeds analysis.window \(1m\), so prometheus check "error-rate" can never fail; shorten its interval, lower its failureThreshold, or lengthen analysis.window/,
  },
  {
    what: 'a token written in a check header',
    field: 'spec.healthChecks.http[0].headers[0].value',
    edit: (s) => (s.healthChecks.http[0].headers = [{ name: 'Authorization', value: 'Bearer s3cret' }]),
    says: /take its value from a Secret with valueFrom.secretKeyRef instead of value/,
  },
  {
    what: 'a Prometheus header with both value and valueFrom',
    field: 'spec.healthChecks.prometheus[0].headers[0]',
    edit: (s) =>
      (s.healthChecks.prometheus[0].headers = [
        { name: 'X-Scope-OrgID', value: 'shop', valueFrom: { secretKeyRef: { name: 'tenant', key: 'id' } } },
      ]),
    says: /exactly one of value or valueFrom must be set/,
  },
  {
    what: 'a check header value with a line break',
    field: 'spec.healthChecks.http[0].headers[0].value',
    edit: (s) => (s.healthChecks.http[0].headers = [{ name: 'X-Tenant', value: 'shop\r\nX-Admin: 1' }]),
    says: /should match/,
  },
  {
    what: 'a Host header on a check',
    field: 'spec.healthChecks.http[0].headers[0].name',
    edit: (s) => (s.healthChecks.http[0].headers = [{ name: 'host', value: 'admin.internal' }]),
    says: /set by the connection/,
  },
  {
    what: 'one check header twice, in two cases',
    field: 'spec.healthChecks.http[0].headers',
    edit: (s) =>
      (s.healthChecks.http[0].headers = [
        { name: 'X-Tenant', value: 'a' },
        { name: 'x-tenant', value: 'b' },
      ]),
    says: /header names must be unique \(whatever their case\)/,
  },
  {
    what: 'a timeout longer than the interval',
    field: 'spec.healthChecks.http[0].timeout',
    edit: (s) => (s.healthChecks.http[0].timeout = '1m'),
    says: /timeout must not be longer than interval/,
  },
  {
    what: 'two http checks with one name',
    field: 'spec.healthChecks.http[1]',
    edit: (s) => s.healthChecks.http.push({ name: 'healthz', url: 'http://web/' }),
    says: /Duplicate value/,
  },
  {
    what: 'a prometheus check with neither min nor max',
    field: 'spec.healthChecks.prometheus[0]',
    edit: (s) => delete s.healthChecks.prometheus[0].max,
    says: /at least one of min or max/,
  },
  {
    what: 'min above max',
    field: 'spec.healthChecks.prometheus[0].min',
    edit: (s) => Object.assign(s.healthChecks.prometheus[0], { min: 2, max: 1 }),
    says: /min must not be greater than max/,
  },
  {
    what: 'a failure threshold of 0',
    field: 'spec.healthChecks.prometheus[0].failureThreshold',
    edit: (s) => (s.healthChecks.prometheus[0].failureThreshold = 0),
    says: /greater than or equal to 1/,
  },
  {
    what: 'an unknown noData outcome',
    field: 'spec.healthChecks.prometheus[0].noData',
    edit: (s) => (s.healthChecks.prometheus[0].noData = 'Ignore'),
    says: /Unsupported value/,
  },
  {
    what: 'an analysis window in words',
    field: 'spec.analysis.window',
    edit: (s) => (s.analysis = { window: '5 minutes' }),
    says: /should match/,
  },
  {
    what: 'an analysis window of a billion years',
    field: 'spec.analysis.window',
    edit: (s) => (s.analysis = { window: '999999999999999h' }),
    says: /should match/,
  },
  {
    what: 'a failure weight of 0',
    field: 'spec.analysis.failureWeight',
    edit: (s) => (s.analysis = { failureWeight: 0 }),
    says: /greater than or equal to 1/,
  },
  {
    what: 'automatic rollback written as text',
    field: 'spec.rollback.automatic',
    edit: (s) => (s.rollback = { automatic: 'yes' }),
    says: /must be of type boolean/,
  },
  {
    what: 'a revision history limit of 0',
    field: 'spec.revisionHistoryLimit',
    edit: (s) => (s.revisionHistoryLimit = 0),
    says: /greater than or equal to 1/,
  },
];

const at = '2026-11-25T10:00:00Z';
const invalidStatuses: { what: string; field: string; status: object; says: RegExp }[] = [
  { what: 'an unknown phase', field: 'status.phase', status: { phase: 'Deploying' }, says: /Unsupported value/ },
  {
    what: 'a condition with an unknown status',
    field: 'status.conditions[0].status',
    status: {
      conditions: [{ type: 'Ready', status: 'Maybe', reason: 'Checking', message: '', lastTransitionTime: at }],
    },
    says: /Unsupported value/,
  },
  {
    what: 'a rollback without its revisions',
    field: 'status.lastRollback.fromRevision',
    status: { lastRollback: { id: 'rb-1', reason: 'asked for', trigger: 'Signal', time: at } },
    says: /Required value/,
  },
];

describe('the API server validates Releases against the generated CRD', () => {
  it.each(invalidSpecs.map((c, i) => ({ ...c, name: `invalid-${i}` })))(
    'refuses $what, naming $field',
    async ({ name, edit, field, says }) => {
      const { code, message } = await refusal(create(releaseWith(name, edit)));
      expect(code).toBe(422);
      expect(message).toContain(`${field}:`);
      expect(message).toMatch(says);
      // The same Release is refused by parseRelease too, so the controller never meets one it cannot read.
      expect(parseRelease(releaseWith(name, edit)).ok).toBe(false);
    },
  );

  it('accepts check headers from a Secret and as text, and stores them as parseRelease reads them', async () => {
    const release = releaseWith('headers', (s) => {
      s.healthChecks.http[0].headers = [
        { name: 'Authorization', valueFrom: { secretKeyRef: { name: 'api-token', key: 'token' } } },
      ];
      s.healthChecks.prometheus[0].headers = [{ name: 'X-Scope-OrgID', value: 'shop' }];
    });
    await create(release);
    const parsed = parseRelease(release);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(((await read('headers')) as { spec?: unknown }).spec).toEqual(parsed.release.spec);
  });

  it('accepts a valid Release and fills in the same defaults as parseRelease', async () => {
    await create(sampleRelease('defaults'));
    const stored = (await read('defaults')) as { spec?: unknown };
    const parsed = parseRelease(sampleRelease('defaults'));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(stored.spec).toEqual(parsed.release.spec);
    expect(parseRelease(stored).ok).toBe(true);
  });

  it('accepts a status written through /status and shows it in the printer columns', async () => {
    await create(sampleRelease('columns'));
    await patchStatus('columns', {
      phase: 'Ready',
      currentRevision: 2,
      stableRevision: 1,
      conditions: [
        { type: 'Ready', status: 'True', reason: 'HealthChecksPassed', message: 'ok', lastTransitionTime: at },
      ],
    });
    // The Release as kubectl get asks for it: a Table of the CRD's printer columns.
    const { group, version, plural } = releaseResource;
    const table = await clients.custom.getNamespacedCustomObject(
      { group, version, namespace, plural, name: 'columns' },
      setHeaderOptions('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io'),
    );
    const columns = table.columnDefinitions.map((c: { name: string }) => c.name);
    expect(columns).toEqual(['Name', 'Phase', 'Current', 'Stable', 'Step', 'Weight', 'Age']);
    expect(table.rows[0].cells.slice(1, 4)).toEqual(['Ready', 2, 1]);
  });

  it('refuses a change of selector, which the Deployment could not follow', async () => {
    await create(sampleRelease('moving'));
    const labels = { app: 'moved' };
    const change = { spec: { template: { selector: { matchLabels: labels }, template: { metadata: { labels } } } } };
    const { code, message } = await refusal(clients.releases.patch({ namespace, name: 'moving' }, 'merge', change));
    expect(code).toBe(422);
    expect(message).toContain('spec.template.selector:');
    expect(message).toMatch(/selector cannot change/);
  });

  it.each(invalidStatuses.map((c, i) => ({ ...c, name: `status-${i}` })))(
    'refuses $what written through /status, naming $field',
    async ({ name, field, status, says }) => {
      await create(sampleRelease(name));
      const { code, message } = await refusal(patchStatus(name, status));
      expect(code).toBe(422);
      expect(message).toContain(`${field}:`);
      expect(message).toMatch(says);
    },
  );
});
