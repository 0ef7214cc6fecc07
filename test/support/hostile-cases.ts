import type { KubeClients } from '../../src/kube/client.ts';
import { int64Max, type Mutation, fieldOf, applyMutation, sampleMutations, summarise } from './hostile-schema.ts';
import { waitFor } from './stack.ts';

/**
 * How a hostile Release may end:
 * - refused: the API server refuses it, naming the field;
 * - invalid: accepted, then refused by rollguard (InvalidSpec, or Progressing=False with a refusal
 *   reason), with no Deployment and no ControllerRevision of its own;
 * - failed: accepted and rolled out, then judged unhealthy (Failed, with the reason in a condition);
 * - ready: valid after all; rolled out and Ready.
 */
export type Expected = 'refused' | 'invalid' | 'failed' | 'ready';

export interface CaseEnv {
  clients: KubeClients;
  namespace: string;
}

export interface HostileCase {
  name: string;
  what: string;
  /** The field broken, as the API server writes it (spec.healthChecks.http[0].url). */
  field: string;
  release: ReleaseBody;
  /** Known for the hand list; generated cases may end in any of the outcomes. */
  expect?: Expected;
  /** What the refusal or the condition says, besides naming the field. */
  says?: RegExp;
  /** Objects that must exist first (someone else's Deployment, another Release). */
  setup?: (env: CaseEnv) => Promise<void>;
  /** What else a user would check afterwards (someone else's object left alone). */
  verify?: (env: CaseEnv) => Promise<void>;
}

export type ReleaseBody = {
  apiVersion: string;
  kind: string;
  metadata: { name: string } & Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the point is to write wrong things
  spec: any;
} & Record<string, unknown>;

/**
 * A valid Release that reaches Ready in seconds on the local stack: one pod, a readiness gate, an
 * HTTP check of `checkUrl` (a server the test runs) and a Prometheus check that passes.
 */
export function validRelease(name: string, app: string, checkUrl: string, image = `example/${app}:v1`): ReleaseBody {
  return {
    apiVersion: 'rollguard.dev/v1alpha1',
    kind: 'Release',
    metadata: { name, labels: { team: 'shop' }, annotations: { 'example.com/owner': 'shop' } },
    spec: {
      template: {
        replicas: 1,
        selector: { matchLabels: { app } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        minReadySeconds: 0,
        progressDeadlineSeconds: 120,
        template: {
          metadata: { labels: { app, tier: 'web' }, annotations: { 'example.com/note': 'hello' } },
          spec: { containers: [{ name: 'app', image, ports: [{ name: 'http', containerPort: 8080 }] }] },
        },
      },
      healthChecks: {
        readiness: { deadline: '60s', weight: 3 },
        http: [
          {
            name: 'healthz',
            url: checkUrl,
            interval: '1s',
            timeout: '500ms',
            retries: 0,
            expectStatus: { min: 200, max: 299 },
            bodyContains: 'ok',
            failureThreshold: 2,
            weight: 5,
          },
        ],
        prometheus: [
          {
            name: 'errors',
            query: 'vector(0)',
            min: 0,
            max: 0.05,
            noData: 'Inconclusive',
            interval: '1s',
            failureThreshold: 2,
            weight: 4,
          },
        ],
      },
      analysis: { window: '3s', failureWeight: 3 },
      rollback: { automatic: true },
      revisionHistoryLimit: 5,
      paused: false,
    },
  };
}

/** The generated cases: one mutation each of a valid Release of its own name and selector. */
export function generatedCases(checkUrl: string, { seed, count }: { seed: number; count: number }): HostileCase[] {
  const mutations = sampleMutations(validRelease('g', 'g', checkUrl), { seed, count });
  return mutations.map((mutation, i) => {
    const name = `g${i}`;
    let release = applyMutation(validRelease(name, `g${i}`, checkUrl), mutation);
    if (mutation.path.join('.') === 'metadata.name' && typeof mutation.value === 'string')
      release = { ...release, metadata: { ...release.metadata, name: mutation.value } };
    return { name: release.metadata.name, what: caseTitle(mutation), field: fieldOf(mutation.path), release };
  });
}

const caseTitle = (m: Mutation): string => `${fieldOf(m.path)}: ${m.kind}${m.remove ? '' : ` = ${summarise(m.value)}`}`;

const podSpec = (r: ReleaseBody) => r.spec.template.template.spec;
const edit = (name: string, app: string, checkUrl: string, change: (r: ReleaseBody) => void): ReleaseBody => {
  const release = validRelease(name, app, checkUrl);
  change(release);
  return release;
};

async function foreignDeployment(env: CaseEnv, name: string): Promise<void> {
  const labels = { app: name, team: 'other' };
  await env.clients.apps.createNamespacedDeployment({
    namespace: env.namespace,
    body: {
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'example/theirs:v1' }] } },
      },
    },
  });
}

async function foreignDeploymentUntouched(env: CaseEnv, name: string): Promise<void> {
  const deployment = await env.clients.apps.readNamespacedDeployment({ name, namespace: env.namespace });
  if ((deployment.metadata?.ownerReferences ?? []).length > 0)
    throw new Error(
      `${name}: someone else's Deployment was given an owner: ${JSON.stringify(deployment.metadata?.ownerReferences)}`,
    );
  const image = deployment.spec?.template.spec?.containers[0]?.image;
  if (image !== 'example/theirs:v1') throw new Error(`${name}: someone else's Deployment now runs ${image}`);
}

/** What users met, each with the outcome it must have. */
export function handCases(checkUrl: string): HostileCase[] {
  const long70 = `long-${'n'.repeat(65)}`;
  const long253 = `l${'o'.repeat(251)}g`;
  return [
    {
      name: 'dup-containers',
      what: 'two containers with the same name',
      field: 'containers',
      expect: 'invalid',
      says: /duplicate entries for key \[name="app"\]/,
      release: edit('dup-containers', 'dup-containers', checkUrl, (r) =>
        podSpec(r).containers.push({ name: 'app', image: 'example/other:v1' }),
      ),
    },
    {
      name: 'container-app-1',
      what: 'a container named App_1',
      field: 'containers[0].name',
      expect: 'invalid',
      says: /App_1/,
      release: edit('container-app-1', 'container-app-1', checkUrl, (r) => (podSpec(r).containers[0].name = 'App_1')),
    },
    {
      name: 'port-70000',
      what: 'containerPort 70000',
      field: 'containerPort',
      expect: 'invalid',
      says: /70000/,
      release: edit(
        'port-70000',
        'port-70000',
        checkUrl,
        (r) => (podSpec(r).containers[0].ports = [{ containerPort: 70000 }]),
      ),
    },
    {
      name: 'pod-label-bad-key',
      what: 'a pod label key "bad key!"',
      field: 'labels',
      expect: 'invalid',
      says: /bad key!/,
      release: edit(
        'pod-label-bad-key',
        'pod-label-bad-key',
        checkUrl,
        (r) => (r.spec.template.template.metadata.labels['bad key!'] = 'x'),
      ),
    },
    {
      name: 'selector-bad-key',
      what: 'a selector (and pod label) key "bad key!"',
      field: 'selector',
      expect: 'invalid',
      says: /bad key!/,
      release: edit('selector-bad-key', 'selector-bad-key', checkUrl, (r) => {
        r.spec.template.selector.matchLabels['bad key!'] = 'x';
        r.spec.template.template.metadata.labels['bad key!'] = 'x';
      }),
    },
    {
      name: 'annotation-900kb',
      what: 'a 900 KB pod annotation',
      field: 'annotations',
      expect: 'invalid',
      says: /Too long/,
      release: edit(
        'annotation-900kb',
        'annotation-900kb',
        checkUrl,
        (r) => (r.spec.template.template.metadata.annotations = { 'example.com/blob': 'b'.repeat(900 * 1024) }),
      ),
    },
    {
      name: long70,
      what: 'a Release name of 70 characters',
      field: 'metadata.name',
      expect: 'ready',
      release: validRelease(long70, 'long70', checkUrl),
    },
    {
      name: long253,
      what: 'a Release name of 253 characters',
      field: 'metadata.name',
      expect: 'ready',
      release: validRelease(long253, 'long253', checkUrl),
    },
    {
      name: 'foreign',
      what: "a Deployment of the same name, not rollguard's, with another selector",
      field: 'Deployment',
      expect: 'invalid',
      says: /already exists and is not this Release's/,
      release: validRelease('foreign', 'foreign-release', checkUrl),
      setup: (env) => foreignDeployment(env, 'foreign'),
      verify: (env) => foreignDeploymentUntouched(env, 'foreign'),
    },
    {
      name: 'foreign-adopt',
      what: 'the same, with spec.adopt',
      field: 'selector',
      expect: 'invalid',
      says: /selector/,
      release: edit('foreign-adopt', 'foreign-adopt-release', checkUrl, (r) => (r.spec.adopt = true)),
      setup: (env) => foreignDeployment(env, 'foreign-adopt'),
      verify: (env) => foreignDeploymentUntouched(env, 'foreign-adopt'),
    },
    {
      name: 'squat',
      what: 'a ControllerRevision of another owner named squat-1',
      field: 'ControllerRevision',
      expect: 'invalid',
      says: /ControllerRevision .*squat-1 already exists/,
      release: validRelease('squat', 'squat', checkUrl),
      setup: async (env) =>
        void (await env.clients.apps.createNamespacedControllerRevision({
          namespace: env.namespace,
          body: { metadata: { name: 'squat-1' }, revision: 1, data: { note: "not rollguard's" } },
        })),
    },
    {
      name: 'maxsurge-int64',
      what: 'maxSurge 9223372036854775807',
      field: 'spec.template.strategy.rollingUpdate.maxSurge',
      expect: 'refused',
      release: edit(
        'maxsurge-int64',
        'maxsurge-int64',
        checkUrl,
        (r) => (r.spec.template.strategy.rollingUpdate.maxSurge = int64Max()),
      ),
    },
    {
      name: 'imagee',
      what: 'a misspelled container field imagee',
      field: 'imagee',
      expect: 'invalid',
      says: /imagee/,
      release: edit('imagee', 'imagee', checkUrl, (r) => (podSpec(r).containers[0].imagee = 'example/typo:v2')),
    },
    {
      name: 'nodeselectr',
      what: 'a misspelled pod field nodeSelectr',
      field: 'nodeSelectr',
      expect: 'invalid',
      says: /nodeSelectr/,
      release: edit('nodeselectr', 'nodeselectr', checkUrl, (r) => (podSpec(r).nodeSelectr = { disk: 'ssd' })),
    },
    {
      name: 'service-shaped',
      what: 'a Service spec where the pod spec goes',
      field: 'spec.template.template.spec.containers',
      expect: 'refused',
      says: /Required value/,
      release: edit(
        'service-shaped',
        'service-shaped',
        checkUrl,
        (r) =>
          (r.spec.template.template.spec = {
            type: 'ClusterIP',
            selector: { app: 'service-shaped' },
            ports: [{ port: 80, targetPort: 8080 }],
          }),
      ),
    },
    {
      name: 'service-shaped-containers',
      what: 'Service fields beside the containers',
      field: 'ports',
      expect: 'invalid',
      says: /field not declared in schema/,
      release: edit('service-shaped-containers', 'service-shaped-containers', checkUrl, (r) =>
        Object.assign(podSpec(r), { type: 'ClusterIP', selector: { app: 'x' }, ports: [{ port: 80 }] }),
      ),
    },
    {
      name: 'url-credentials',
      what: 'a check URL with user:password@',
      field: 'spec.healthChecks.http[0].url',
      expect: 'refused',
      says: /must not contain credentials/,
      release: edit(
        'url-credentials',
        'url-credentials',
        checkUrl,
        (r) => (r.spec.healthChecks.http[0].url = 'http://user:password@web.shop.svc/healthz'),
      ),
    },
    {
      name: 'interval-1ms',
      what: 'a check interval of 1ms',
      field: 'spec.healthChecks.http[0].interval',
      expect: 'refused',
      says: /must be at least 1s/,
      release: edit('interval-1ms', 'interval-1ms', checkUrl, (r) =>
        Object.assign(r.spec.healthChecks.http[0], { interval: '1ms', timeout: '1ms' }),
      ),
    },
    {
      name: 'threshold-window',
      what: 'failureThreshold × interval longer than the window',
      field: 'spec.healthChecks.prometheus',
      expect: 'refused',
      says: /can never fail/,
      release: edit('threshold-window', 'threshold-window', checkUrl, (r) =>
        Object.assign(r.spec.healthChecks.prometheus[0], { interval: '2s', failureThreshold: 10 }),
      ),
    },
    {
      name: 'promql-open-paren',
      what: 'the PromQL query "sum("',
      field: 'errors',
      expect: 'failed',
      says: /bad_data|parse error/,
      release: edit(
        'promql-open-paren',
        'promql-open-paren',
        checkUrl,
        (r) => (r.spec.healthChecks.prometheus[0].query = 'sum('),
      ),
    },
    {
      name: 'metadata-address',
      what: 'a check URL to 169.254.169.254',
      field: 'healthz',
      expect: 'failed',
      says: /refused by rollguard's check egress policy/,
      release: edit(
        'metadata-address',
        'metadata-address',
        checkUrl,
        (r) => (r.spec.healthChecks.http[0].url = 'http://169.254.169.254/latest/meta-data/'),
      ),
    },
    {
      name: 'same-selector-first',
      what: 'the older of two Releases with one selector',
      field: 'selector',
      expect: 'ready',
      release: validRelease('same-selector-first', 'shared', checkUrl),
    },
    {
      name: 'same-selector-second',
      what: 'the newer of two Releases with one selector',
      field: 'selector',
      expect: 'invalid',
      says: /selects the pods of the older Release same-selector-first/,
      release: validRelease('same-selector-second', 'shared', checkUrl),
      setup: (env) =>
        waitFor(
          'the older Release with that selector to exist',
          async () =>
            env.clients.releases.get({ namespace: env.namespace, name: 'same-selector-first' }).then(
              () => true,
              () => false,
            ),
          { timeoutMs: 60_000 },
        ),
    },
  ];
}

/**
 * Values at the edges of what the schema allows, where the API server and rollguard could disagree:
 * durations past Go's int64 nanoseconds, a failure weight no failure reaches, Deployment rules
 * between fields. Their outcome is whatever the disjunction allows; the report lists each.
 */
export function boundaryCases(checkUrl: string): HostileCase[] {
  const cases: [string, string, string, (r: ReleaseBody) => void][] = [
    [
      'b-deadline-overflow',
      'a readiness deadline past int64 nanoseconds',
      'spec.healthChecks.readiness.deadline',
      (r) => (r.spec.healthChecks.readiness.deadline = '999999999999999h'),
    ],
    [
      'b-window-overflow',
      'an analysis window past int64 nanoseconds',
      'spec.analysis.window',
      (r) => (r.spec.analysis.window = '999999999999999h'),
    ],
    [
      'b-window-overflow-no-checks',
      'an analysis window past int64 nanoseconds, no checks',
      'spec.analysis.window',
      (r) => {
        r.spec.analysis.window = '999999999999999h';
        r.spec.healthChecks = { readiness: { deadline: '60s' } };
      },
    ],
    [
      'b-interval-overflow',
      'a check interval past int64 nanoseconds',
      'spec.healthChecks.http[0].interval',
      (r) => (r.spec.healthChecks.http[0].interval = '999999999999999h'),
    ],
    [
      'b-timeout-overflow',
      'a check timeout past int64 nanoseconds',
      'spec.healthChecks.http[0].timeout',
      (r) => (r.spec.healthChecks.http[0].timeout = '999999999999999h'),
    ],
    [
      'b-deadline-1ms',
      'a readiness deadline of 1ms',
      'spec.healthChecks.readiness.deadline',
      (r) => (r.spec.healthChecks.readiness.deadline = '1ms'),
    ],
    [
      'b-unreachable-weight',
      'a failureWeight above the sum of every weight',
      'spec.analysis.failureWeight',
      (r) => (r.spec.analysis.failureWeight = 1000),
    ],
    [
      'b-zero-weights',
      'every check at weight 0',
      'weight',
      (r) => {
        r.spec.healthChecks.readiness.weight = 0;
        r.spec.healthChecks.http[0].weight = 0;
        r.spec.healthChecks.prometheus[0].weight = 0;
      },
    ],
    ['b-zero-replicas', 'zero replicas', 'spec.template.replicas', (r) => (r.spec.template.replicas = 0)],
    [
      'b-closed-port',
      'a check of a port nothing listens on',
      'healthz',
      (r) => (r.spec.healthChecks.http[0].url = 'http://127.0.0.1:1/healthz'),
    ],
    [
      'b-surge-and-unavailable-zero',
      'maxSurge 0 and maxUnavailable 0',
      'maxUnavailable',
      (r) => (r.spec.template.strategy.rollingUpdate = { maxSurge: 0, maxUnavailable: 0 }),
    ],
    [
      'b-recreate-with-rolling',
      'Recreate with rollingUpdate parameters',
      'spec.template.strategy.rollingUpdate',
      (r) => (r.spec.template.strategy.type = 'Recreate'),
    ],
    [
      'b-deadline-under-minready',
      'progressDeadlineSeconds under minReadySeconds',
      'progressDeadlineSeconds',
      (r) => Object.assign(r.spec.template, { minReadySeconds: 600, progressDeadlineSeconds: 60 }),
    ],
    [
      'b-min-above-max',
      'a query bound min 1e308 above max -1e308',
      'spec.healthChecks.prometheus[0].min',
      (r) => Object.assign(r.spec.healthChecks.prometheus[0], { min: 1e308, max: -1e308 }),
    ],
    [
      'b-status-on-create',
      'a status written by the author on create',
      'status',
      (r) => (r.status = { phase: 'Ready', stableRevision: 7 }),
    ],
  ];
  return cases.map(([name, what, field, change]) => ({
    name,
    what,
    field,
    release: edit(name, name, checkUrl, change),
  }));
}
