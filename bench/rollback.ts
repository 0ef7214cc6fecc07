import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { makeInformer, type KubernetesObject, type V1Deployment } from '@kubernetes/client-node';
import { releaseResource } from '../src/domain/api/index.ts';
import type { KubeClients } from '../src/kube/client.ts';
import { patchContentType } from '../src/kube/patch.ts';
import { releasesPath } from '../src/kube/releases.ts';
import {
  duration,
  patiently,
  quantile,
  readFlags,
  removeNamespaces,
  say,
  seconds,
  startRollguard,
  activityQueueTimes,
  wholeNumber,
  benchCluster,
} from './support.ts';

/**
 * How long rollguard takes to roll back once a revision's failure is knowable. Each measured Release
 * is Ready at v1, then gets an image that never becomes Ready (kwok's "-broken" tag): its failure is
 * knowable when the readiness deadline has passed since the broken revision reached the Deployment.
 * It is served by the stable revision again when its Deployment is back on v1 and fully rolled out.
 * Overhead = (served again) - (revision applied) - (readiness deadline). Measured alone (one rollback
 * at a time, nothing else running), then (with --load) all at once with another broken image while
 * --load other Releases roll out a new image at the same moment.
 *
 * With --strategy canary every Release has a canary strategy (setWeight 50, then an analysis): the
 * broken revision reaches a canary Deployment beside the stable one, and all traffic is on stable
 * again as soon as the canary has no pods left. The stable pods never stopped serving, so the
 * rollback is one write instead of a rollout. --strategy gateway is the same canary behind an
 * HTTPRoute (each Release with its two Services and its route), and --strategy blue-green a
 * blue-green whose preview never becomes Ready; both end the same way, with the router's objects
 * on stable (checked when the canary has no pods left).
 *
 *   node bench/rollback.ts [--rollbacks 10] [--load 0] [--readiness-deadline 5s] [--strategy rolling|canary|gateway|blue-green] [--timeout 10m]
 *                          [--max-concurrent-activities N] [--max-concurrent-workflow-tasks N]
 *
 * A phase that does not finish by --timeout prints how far it got, and the benchmark fails.
 */
const flags = readFlags('rollback.ts', () => {
  const { values } = parseArgs({
    options: {
      rollbacks: { type: 'string', default: '10' },
      load: { type: 'string', default: '0' },
      'readiness-deadline': { type: 'string', default: '5s' },
      strategy: { type: 'string', default: 'rolling' },
      timeout: { type: 'string', default: '10m' },
      'max-concurrent-activities': { type: 'string' },
      'max-concurrent-workflow-tasks': { type: 'string' },
    },
  });
  const strategies = ['rolling', 'canary', 'gateway', 'blue-green'] as const;
  const strategy = strategies.find((s) => s === values.strategy);
  if (!strategy) throw new Error(`--strategy ${values.strategy}: one of ${strategies.join(', ')}`);
  return {
    strategy,
    rollbacks: wholeNumber('--rollbacks', values.rollbacks),
    load: wholeNumber('--load', values.load, 0),
    deadlineMs: duration('--readiness-deadline', values['readiness-deadline']),
    deadlineText: values['readiness-deadline'],
    timeoutMs: duration('--timeout', values.timeout),
    timeoutText: values.timeout,
    // rollguard run's own flags, passed on: its defaults when absent.
    rollguardArgs: (['max-concurrent-activities', 'max-concurrent-workflow-tasks'] as const).flatMap((flag) => {
      const value = values[flag];
      return value === undefined ? [] : [`--${flag}`, String(wholeNumber(`--${flag}`, value))];
    }),
  };
});

const id = Date.now().toString(36).slice(-5);
const namespace = `bench-${id}-rollback`;
const image = (version: string): string => `example/app:${version}`;
const measured = Array.from({ length: flags.rollbacks }, (_, i) => `bad-${String(i).padStart(4, '0')}`);
// Kubernetes alone, beside the measured Releases under load (rolling only): see rollBackPlain.
const plain = flags.strategy === 'rolling' && flags.load > 0 ? measured.map((name) => `plain-${name}`) : [];
const others = Array.from({ length: flags.load }, (_, i) => `load-${String(i).padStart(5, '0')}`);

function release(name: string, readinessDeadline: string) {
  return {
    apiVersion: releaseResource.apiVersion,
    kind: releaseResource.kind,
    metadata: { name },
    spec: {
      template: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'app', image: image('v1') }] },
        },
      },
      healthChecks: { readiness: { deadline: readinessDeadline } },
      analysis: { window: '1s' },
      rollback: { automatic: true },
      ...strategyOf(name),
    },
  };
}

const steps = [{ setWeight: 50 }, { analysis: { window: '1s' } }];
function strategyOf(name: string) {
  switch (flags.strategy) {
    case 'rolling':
      return {};
    case 'canary':
      return { strategy: { canary: { steps } } };
    case 'gateway':
      return {
        strategy: {
          canary: {
            steps,
            trafficRouting: {
              gatewayAPI: { httpRoute: name, stableService: `${name}-stable`, canaryService: `${name}-canary` },
            },
          },
        },
      };
    case 'blue-green':
      return { strategy: { blueGreen: { activeService: name, scaleDownDelay: '1s' } } };
  }
}

/** The Services (and HTTPRoute) a routed strategy names, as a user writes them: selecting every pod of the app. */
async function routerObjects(kube: KubeClients, name: string): Promise<void> {
  const service = (service: string) =>
    patiently(() =>
      kube.core.createNamespacedService({
        namespace,
        body: { metadata: { name: service }, spec: { selector: { app: name }, ports: [{ port: 80 }] } },
      }),
    );
  if (flags.strategy === 'blue-green') await service(name);
  if (flags.strategy !== 'gateway') return;
  await service(`${name}-stable`);
  await service(`${name}-canary`);
  const backendRefs = ['stable', 'canary'].map((side) => ({ name: `${name}-${side}`, port: 80 }));
  await patiently(() =>
    kube.custom.createNamespacedCustomObject({
      ...httpRoutes,
      namespace,
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name },
        spec: { rules: [{ backendRefs }] },
      },
    }),
  );
}
const httpRoutes = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' } as const;

/** Whether the router sends every request to the stable pods: the route's canary weight 0, or the active Service not on the preview. */
async function routerOnStable(kube: KubeClients, name: string): Promise<boolean> {
  if (flags.strategy === 'gateway') {
    const route = (await kube.custom.getNamespacedCustomObject({ ...httpRoutes, namespace, name })) as {
      spec: { rules: { backendRefs: { name: string; weight?: number }[] }[] };
    };
    return route.spec.rules[0]?.backendRefs.find((b) => b.name === `${name}-canary`)?.weight === 0;
  }
  if (flags.strategy === 'blue-green') {
    const service = await kube.core.readNamespacedService({ name, namespace });
    return service.spec?.selector?.['rollguard.dev/track'] === undefined;
  }
  return true;
}

const setImage = (kube: KubeClients, name: string, version: string) =>
  patiently(() =>
    kube.releases.patch({ namespace, name }, 'json', [
      { op: 'replace', path: '/spec/template/template/spec/containers/0/image', value: image(version) },
    ]),
  );

interface ReleaseLike {
  metadata: { name: string; generation?: number };
  status?: { phase?: string; observedGeneration?: number; currentRevision?: number; stableRevision?: number };
}

/** A canary Deployment with no pods left: all traffic is on the stable pods. */
const noPods = (d: V1Deployment): boolean =>
  d.spec?.replicas === 0 &&
  (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
  (d.status?.replicas ?? 0) === 0;

const fullyRolledOut = (d: V1Deployment, version: string): boolean =>
  d.spec?.template.spec?.containers[0]?.image === image(version) &&
  (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
  d.status?.updatedReplicas === 1 &&
  d.status.availableReplicas === 1 &&
  d.status.readyReplicas === 1 &&
  (d.status.replicas ?? 0) === 1;

/** Follows the namespace's Deployments and notes, per name, when a state was first seen. */
async function watchDeployments(kube: KubeClients) {
  const firstSeen = new Map<string, number>();
  const watchers: { name: string; key: string; test: (d: V1Deployment) => boolean }[] = [];
  const seen = (d: V1Deployment): void => {
    const name = d.metadata?.name ?? '';
    for (const w of watchers)
      if (w.name === name && !firstSeen.has(w.key) && w.test(d)) firstSeen.set(w.key, performance.now());
  };
  const informer = makeInformer<V1Deployment>(kube.config, `/apis/apps/v1/namespaces/${namespace}/deployments`, () =>
    kube.apps.listNamespacedDeployment({ namespace }),
  );
  informer.on('add', seen);
  informer.on('update', seen);
  await patiently(() => informer.start());
  return {
    /** Notes the first time `name`'s Deployment passes `test`, under `key`. */
    note(key: string, name: string, test: (d: V1Deployment) => boolean): void {
      watchers.push({ key, name, test });
      const now = informer.get(name, namespace);
      if (now) seen(now);
    },
    at: (key: string): number | undefined => firstSeen.get(key),
    stop: () => informer.stop(),
  };
}

/** Waits until `done` holds, reporting progress; fails at the timeout saying how far it got. */
async function until(what: string, done: () => { count: number; of: number }): Promise<void> {
  const started = performance.now();
  let lastReport = started;
  for (;;) {
    const { count, of } = done();
    if (count >= of) return;
    const now = performance.now();
    if (now - started > flags.timeoutMs)
      throw new Error(`${what}: ${count} of ${of} after ${seconds(now - started)}s (timeout ${flags.timeoutText})`);
    if (now - lastReport > 10_000) {
      say(`${what}: ${count} of ${of} after ${seconds(now - started)}s`);
      lastReport = now;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Overheads {
  /** Served by v1 again - broken revision applied - deadline, sorted. */
  served: number[];
  /** Rolling only: the Deployment's template back on v1 (rollguard's apply) - applied - deadline, sorted. */
  reverted: number[];
}

/** Breaks each Release (all at once with `concurrently`), and returns each one's rollback overhead. */
async function rollBack(
  kube: KubeClients,
  deployments: Awaited<ReturnType<typeof watchDeployments>>,
  scenario: string,
  names: string[],
  { broken, concurrently }: { broken: string; concurrently: boolean },
): Promise<Overheads> {
  const overheads: Overheads = { served: [], reverted: [] };
  const one = async (name: string): Promise<void> => {
    const key = `${scenario}/${name}`;
    // With a canary, the broken revision goes to the canary Deployment, and goes away with its pods.
    const canary = flags.strategy !== 'rolling';
    const target = canary ? `${name}-canary` : name;
    const applied = await breakOne(deployments, key, target, () => setImage(kube, name, broken), broken);
    if (!canary) deployments.note(`${key}/reverted`, target, (d) => imageOf(d) === image('v1'));
    deployments.note(`${key}/back`, target, (d) =>
      canary ? imageOf(d) === image(broken) && noPods(d) : fullyRolledOut(d, 'v1'),
    );
    const back = await servedAgain(deployments, scenario, key, name);
    if (!(await routerOnStable(kube, name))) throw new Error(`${scenario}: ${name}'s router is not on stable`);
    overheads.served.push(back - applied - flags.deadlineMs);
    const reverted = deployments.at(`${key}/reverted`);
    if (reverted !== undefined) overheads.reverted.push(reverted - applied - flags.deadlineMs);
  };
  if (concurrently) await Promise.all(names.map(one));
  else for (const name of names) await one(name);
  overheads.served.sort((a, b) => a - b);
  overheads.reverted.sort((a, b) => a - b);
  return overheads;
}

const imageOf = (d: V1Deployment): string | undefined => d.spec?.template.spec?.containers[0]?.image;

/** Breaks one Deployment with `write`, and returns when the broken image reached it. */
async function breakOne(
  deployments: Awaited<ReturnType<typeof watchDeployments>>,
  key: string,
  target: string,
  write: () => Promise<unknown>,
  broken: string,
): Promise<number> {
  deployments.note(`${key}/applied`, target, (d) => imageOf(d) === image(broken));
  await write();
  await until(`${key}'s broken revision applied`, () => ({
    count: deployments.at(`${key}/applied`) === undefined ? 0 : 1,
    of: 1,
  }));
  return deployments.at(`${key}/applied`)!;
}

/** Waits until `${key}/back` was seen, and returns when. */
async function servedAgain(
  deployments: Awaited<ReturnType<typeof watchDeployments>>,
  scenario: string,
  key: string,
  name: string,
): Promise<number> {
  await until(`${scenario}: ${name} served by v1 again`, () => ({
    count: deployments.at(`${key}/back`) === undefined ? 0 : 1,
    of: 1,
  }));
  return deployments.at(`${key}/back`)!;
}

/**
 * The same rollbacks with Kubernetes alone, under the same load: plain Deployments of the same
 * template get the broken image, and the benchmark sets v1 back the moment each one's deadline has
 * passed, as a controller with no delay of its own would. What is left is the Deployment controller's
 * and kwok's time to serve v1 again: the part of a rollback no controller above them can shorten.
 */
async function rollBackPlain(
  kube: KubeClients,
  deployments: Awaited<ReturnType<typeof watchDeployments>>,
  names: string[],
  broken: string,
): Promise<number[]> {
  const overheads = await Promise.all(
    names.map(async (name) => {
      const key = `plain/${name}`;
      const applied = await breakOne(deployments, key, name, () => setPlainImage(kube, name, broken), broken);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, applied + flags.deadlineMs - performance.now())));
      deployments.note(`${key}/back`, name, (d) => fullyRolledOut(d, 'v1'));
      await setPlainImage(kube, name, 'v1');
      return (await servedAgain(deployments, 'plain', key, name)) - applied - flags.deadlineMs;
    }),
  );
  return overheads.sort((a, b) => a - b);
}

const setPlainImage = (kube: KubeClients, name: string, version: string) =>
  patiently(() =>
    kube.apps.patchNamespacedDeployment(
      {
        namespace,
        name,
        body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image(version) }],
      },
      patchContentType.json,
    ),
  );

/** A plain Deployment of the same template as a measured Release's. */
const plainDeployment = (name: string): V1Deployment => ({
  metadata: { name },
  spec: { ...release(name, flags.deadlineText).spec.template },
});

async function main(): Promise<number> {
  const { kubeConfig, kube } = await benchCluster([namespace]);
  const rollguard = await startRollguard({ id, namespace, kube, extraArgs: flags.rollguardArgs });
  const deployments = await watchDeployments(kube);
  const releases = makeInformer<KubernetesObject>(kubeConfig, releasesPath(namespace), () =>
    kube.releases.list(namespace),
  );
  await patiently(() => releases.start());
  const allReady = (): { count: number; of: number } => ({
    count: releases
      .list(namespace)
      .map((r) => r as unknown as ReleaseLike)
      .filter((r) => r.status?.phase === 'Ready' && (r.status.observedGeneration ?? 0) >= (r.metadata.generation ?? 1))
      .length,
    of: measured.length + others.length,
  });
  const rows: string[] = [];
  try {
    say(`creating ${measured.length} Releases to break and ${others.length} others, at v1`);
    const limit = pLimit(32);
    await Promise.all([...measured, ...others].map((name) => limit(() => routerObjects(kube, name))));
    await Promise.all(
      plain.map((name) =>
        patiently(() => kube.apps.createNamespacedDeployment({ namespace, body: plainDeployment(name) })),
      ),
    );
    await Promise.all(
      [...measured.map((name) => release(name, flags.deadlineText)), ...others.map((name) => release(name, '10m'))].map(
        (body) => limit(() => patiently(() => kube.releases.create(namespace, body))),
      ),
    );
    await until('Releases Ready at v1', allReady);

    say(`alone: breaking ${measured.length} Releases one after another`);
    const alone = await rollBack(kube, deployments, 'alone', measured, { broken: 'v2-broken', concurrently: false });
    rows.push(row('alone, one at a time', alone.served));
    if (alone.reverted.length > 0) rows.push(row('— of which until rollguard applied v1', alone.reverted));

    if (others.length > 0) {
      say(`the same again, all at once, while ${others.length} other Releases roll out a new image`);
      const loadedAt = Date.now();
      const loading = Promise.all(others.map((name) => limit(() => setImage(kube, name, 'v2'))));
      const [loaded, bare] = await Promise.all([
        rollBack(kube, deployments, 'loaded', measured, { broken: 'v3-broken', concurrently: true }),
        rollBackPlain(kube, deployments, plain, 'v3-broken'),
      ]);
      await loading;
      rows.push(row(`all at once, while ${others.length} others roll out`, loaded.served));
      if (loaded.reverted.length > 0) rows.push(row('— of which until rollguard applied v1', loaded.reverted));
      if (bare.length > 0)
        rows.push(row('plain Deployments beside them, set back to v1 at their deadline (Kubernetes alone)', bare));
      // Where a rollback's time went: its waits queued for an activity slot, behind the others' waits.
      const queued = await activityQueueTimes(id, {
        types: ['awaitRollout', 'watchReadiness'],
        sinceMs: loadedAt,
        workflowId: (workflowId) => measured.some((name) => workflowId.includes(`/${name}/`)),
      });
      for (const [type, times] of queued)
        if (times.length > 0)
          say(
            `loaded: the measured Releases' ${type} waited for a worker slot p50 ${seconds(quantile(times, 0.5))} s, ` +
              `p95 ${seconds(quantile(times, 0.95))} s, max ${seconds(times.at(-1)!)} s (${times.length} activities)`,
          );
    }
  } finally {
    const usage = rollguard.usage();
    await releases.stop();
    await deployments.stop();
    say(`rollguard run: peak RSS ${usage.peakRssMiB.toFixed(0)} MiB, ${usage.cpuSeconds.toFixed(1)} CPU seconds`);
    await removeNamespaces(kube, [namespace]);
    await rollguard.stop();
  }
  console.log(
    `strategy ${flags.strategy}; readiness deadline ${flags.deadlineText}; overhead = ${flags.strategy === 'rolling' ? 'served by v1 again' : 'the new revision has no pods left'} - broken revision applied - deadline\n`,
  );
  console.log('| scenario | rollbacks | p50 (s) | p95 (s) | max (s) |\n|---|---:|---:|---:|---:|');
  console.log(rows.join('\n'));
  return 0;
}

const row = (scenario: string, sorted: number[]): string =>
  `| ${scenario} | ${sorted.length} | ${seconds(quantile(sorted, 0.5))} | ${seconds(quantile(sorted, 0.95))} | ${seconds(sorted.at(-1)!)} |`;

process.exitCode = await main().catch((err: unknown) => {
  say(`FAILED: ${(err as Error).message}`);
  return 1;
});
