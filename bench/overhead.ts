import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { makeInformer, type KubeConfig, type KubernetesObject, type V1Deployment } from '@kubernetes/client-node';
import { releaseResource } from '../src/domain/api/index.ts';
import type { KubeClients } from '../src/kube/client.ts';
import { releasesPath } from '../src/kube/releases.ts';
import {
  apiRequests,
  compiledEntry,
  cpuBetween,
  duration,
  historyLengths,
  patiently,
  quantile,
  readFlags,
  removeNamespaces,
  requestsBetween,
  say,
  seconds,
  stackCpu,
  startRollguard,
  wholeNumber,
  benchCluster,
  releaseReadyAt,
  type BenchRelease,
} from './support.ts';

/**
 * rollguard's overhead over Kubernetes itself: N Releases (readiness gate only, a 1 s analysis window)
 * and, in the same run on the same cluster, N plain Deployments with the same template. Each side is
 * created, then every image is updated at once; the time until all are done is compared, and each
 * object's time from the change to done (a Release Ready and stable at the new revision; a Deployment
 * fully rolled out and available). The plain side runs first, then rollguard's, so neither slows the other.
 *
 *   node bench/overhead.ts [--releases 100] [--replicas 1] [--deadline 10m] [--idle 60s] [--workers 1] [--kill-worker]
 *     [--split] [--compiled] [--max-cached-workflows N] [--max-concurrent-workflow-tasks N] [--max-concurrent-activities N]
 *     [--allocator-trim DURATION]
 *
 * --workers runs that many `rollguard run` processes on the task queue (the first with the controller,
 * the others with --worker-only); --kill-worker SIGKILLs the last of them once a quarter of the
 * Releases are updated, and the others finish its work. --split runs the controller in a process of
 * its own (`--controller-only`) beside --workers worker processes (`--worker-only`), and reports the
 * memory of each. --compiled runs every process from the JavaScript `npm run build` compiled, in the
 * environment the image sets (its Dockerfile's ENV), as the image runs it, instead of the TypeScript
 * sources (whose type stripping costs about 20 MiB a process).
 *
 * Then what a Release costs: history events per Release after the two rollouts, and how much the
 * histories grow, and rollguard's CPU and memory, while the Releases sit Ready for --idle.
 *
 * Runs `rollguard run` as a child process (serving only the benchmark's namespace, on a task queue of its
 * own) and samples its RSS and CPU time. Any side that does not finish by the deadline prints how far it
 * got, and the benchmark fails.
 */
/** `rollguard run`'s worker tuning flags (whole numbers), passed on as given. */
const tuningFlags = ['max-cached-workflows', 'max-concurrent-workflow-tasks', 'max-concurrent-activities'] as const;

const { args, n, replicas, deadlineMs, idleMs, workers, entry } = readFlags('overhead.ts', () => {
  const { values: args } = parseArgs({
    options: {
      releases: { type: 'string', default: '100' },
      replicas: { type: 'string', default: '1' },
      deadline: { type: 'string', default: '10m' },
      idle: { type: 'string', default: '60s' },
      workers: { type: 'string', default: '1' },
      'kill-worker': { type: 'boolean', default: false },
      split: { type: 'boolean', default: false },
      compiled: { type: 'boolean', default: false },
      'max-cached-workflows': { type: 'string' },
      'max-concurrent-workflow-tasks': { type: 'string' },
      'max-concurrent-activities': { type: 'string' },
      'allocator-trim': { type: 'string' },
    },
  });
  const workers = wholeNumber('--workers', args.workers);
  for (const flag of tuningFlags) if (args[flag] !== undefined) wholeNumber(`--${flag}`, args[flag]);
  if (args['allocator-trim'] !== undefined) duration('--allocator-trim', args['allocator-trim']);
  if (args['kill-worker'] && workers < 2) throw new Error('--kill-worker needs --workers 2 or more');
  return {
    entry: compiledEntry(args.compiled),
    args,
    idleMs: duration('--idle', args.idle),
    n: wholeNumber('--releases', args.releases),
    replicas: wholeNumber('--replicas', args.replicas),
    deadlineMs: duration('--deadline', args.deadline),
    workers,
  };
});

const id = Date.now().toString(36).slice(-5);
const namespaces = { plain: `bench-${id}-plain`, rollguard: `bench-${id}-rollguard` };
const name = (i: number): string => `app-${String(i).padStart(5, '0')}`;
const image = (version: string): string => `example/app:${version}`;

const deploymentSpec = (i: number, version: string) => ({
  replicas,
  selector: { matchLabels: { app: name(i) } },
  template: {
    metadata: { labels: { app: name(i) } },
    spec: { containers: [{ name: 'app', image: image(version) }] },
  },
});

interface Side {
  /** What a list-watch of the side's objects follows: the benchmark watches, so it adds no polling load. */
  path: string;
  list(): Promise<{ items: KubernetesObject[] }>;
  /** Whether an object is done at `version`. */
  isDone(object: KubernetesObject, version: string): boolean;
  create(i: number): Promise<unknown>;
  update(i: number, version: string): Promise<unknown>;
}

function plainSide(kube: KubeClients): Side {
  const namespace = namespaces.plain;
  const rolledOut = (d: V1Deployment, version: string): boolean =>
    d.spec?.template.spec?.containers[0]?.image === image(version) &&
    (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
    d.status?.updatedReplicas === replicas &&
    d.status?.availableReplicas === replicas &&
    (d.status?.replicas ?? 0) === replicas;
  return {
    path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
    list: () => kube.apps.listNamespacedDeployment({ namespace }),
    isDone: (d, version) => rolledOut(d, version),
    create: (i) =>
      kube.apps.createNamespacedDeployment({
        namespace,
        body: { metadata: { name: name(i) }, spec: deploymentSpec(i, 'v1') },
      }),
    update: (i, version) =>
      kube.apps.patchNamespacedDeployment({
        namespace,
        name: name(i),
        body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image(version) }],
      }),
  };
}

function rollguardSide(kube: KubeClients): Side {
  const namespace = namespaces.rollguard;
  return {
    path: releasesPath(namespace),
    list: () => kube.releases.list(namespace),
    isDone: (r, version) => releaseReadyAt(r as BenchRelease, image(version)),
    create: (i) =>
      kube.releases.create(namespace, {
        apiVersion: releaseResource.apiVersion,
        kind: releaseResource.kind,
        metadata: { name: name(i) },
        spec: {
          template: deploymentSpec(i, 'v1'),
          healthChecks: { readiness: { deadline: '10m' } },
          analysis: { window: '1s' },
        },
      }),
    update: (i, version) =>
      kube.releases.patch({ namespace, name: name(i) }, 'json', [
        { op: 'replace', path: '/spec/template/template/spec/containers/0/image', value: image(version) },
      ]),
  };
}

/** What a phase follows besides its objects. */
interface Watching {
  /** rollguard run's CPU seconds so far, every process's. */
  rollguardCpu: () => number;
  /** Told how many objects are done, while the phase waits. */
  progress?: (done: number) => void;
}

interface Phase {
  totalMs: number;
  /** Each object's time from its change to done, sorted. */
  latenciesMs: number[];
  /** CPU time each process used during the phase (the stack's, and rollguard run's on its side). */
  cpu: string;
  /** The requests the API server answered most during the phase. */
  requests: string;
}

/** Changes every object (create or update) and waits until all are done, noting when each got there. */
async function measure(
  kubeConfig: KubeConfig,
  side: Side,
  what: string,
  version: string,
  change: (i: number) => Promise<unknown>,
  { rollguardCpu, progress }: Watching,
): Promise<Phase> {
  const changedAt = new Array<number>(n);
  const doneAt = new Map<string, number>();
  const seen = (object: KubernetesObject): void => {
    const objectName = object.metadata?.name;
    if (objectName && !doneAt.has(objectName) && side.isDone(object, version))
      doneAt.set(objectName, performance.now());
  };
  const informer = makeInformer(kubeConfig, side.path, () => side.list());
  informer.on('add', seen);
  informer.on('update', seen);
  await patiently(() => informer.start());
  const cpuBefore = await stackCpu();
  const requestsBefore = await apiRequests(kubeConfig);
  const rollguardBefore = rollguardCpu();
  const started = performance.now();
  const limit = pLimit(32);
  const changing = Promise.all(
    Array.from({ length: n }, (_, i) =>
      limit(async () => {
        changedAt[i] = performance.now();
        await patiently(() => change(i));
      }),
    ),
  );
  let lastReport = started;
  while (doneAt.size < n) {
    const now = performance.now();
    if (now - started > deadlineMs) {
      await changing.catch(() => undefined);
      await informer.stop();
      throw new Error(
        `${what}: ${doneAt.size} of ${n} done after ${Math.round((now - started) / 1000)}s (deadline ${args.deadline})`,
      );
    }
    progress?.(doneAt.size);
    if (now - lastReport > 10_000) {
      say(`${what}: ${doneAt.size} of ${n} done after ${Math.round((now - started) / 1000)}s`);
      lastReport = now;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const cpu = cpuBetween(cpuBefore, await stackCpu(), [['rollguard', rollguardCpu() - rollguardBefore]]);
  const requests = requestsBetween(requestsBefore, await apiRequests(kubeConfig), 20);
  await informer.stop();
  await changing;
  const latenciesMs = Array.from({ length: n }, (_, i) => doneAt.get(name(i))! - changedAt[i]!).sort((a, b) => a - b);
  return { totalMs: Math.max(...doneAt.values()) - started, latenciesMs, cpu, requests };
}

async function main(): Promise<number> {
  const { kubeConfig, kube } = await benchCluster(Object.values(namespaces));
  // The worker's tuning, passed on to every process that runs a worker.
  const extraArgs = [...tuningFlags, 'allocator-trim' as const].flatMap((flag) =>
    args[flag] !== undefined ? [`--${flag}`, args[flag]] : [],
  );
  // The first process runs the controller (and, unless --split, a worker); the others only a worker.
  const split = args.split;
  const rollguard = await startRollguard({
    id,
    namespace: namespaces.rollguard,
    kube,
    extraArgs: split ? ['--controller-only'] : extraArgs,
    ...entry,
  });
  const others = await Promise.all(
    Array.from({ length: split ? workers : workers - 1 }, (_, i) =>
      startRollguard({ id, namespace: namespaces.rollguard, kube, worker: i + 2, extraArgs, ...entry }),
    ),
  );
  if (split) say(`the controller and ${workers} worker process(es) on task queue bench-${id}`);
  else if (others.length > 0) say(`${workers} rollguard run processes on task queue bench-${id}`);
  const idle = rollguard.usage();
  const othersIdle = others.map((worker) => worker.usage());
  const rollguardCpu = (): number => [rollguard, ...others].reduce((sum, p) => sum + p.usage().cpuSeconds, 0);
  let killed = false;
  const killOneWorker = (done: number): void => {
    if (killed || done < n / 4) return;
    killed = true;
    say(`${done} of ${n} updated: SIGKILL to worker ${others.length + 1}`);
    void others.at(-1)!.kill();
  };
  const results: Record<string, { create: Phase; update: Phase }> = {};
  const cost: string[] = [];
  try {
    for (const [label, side] of [
      ['plain Deployments', plainSide(kube)],
      ['rollguard Releases', rollguardSide(kube)],
    ] as const) {
      say(`${label}: creating ${n}`);
      const create = await measure(kubeConfig, side, `${label} created`, 'v1', (i) => side.create(i), {
        rollguardCpu,
      });
      say(`${label}: updating every image`);
      const update = await measure(kubeConfig, side, `${label} updated`, 'v2', (i) => side.update(i, 'v2'), {
        rollguardCpu,
        ...(args['kill-worker'] && label === 'rollguard Releases' ? { progress: killOneWorker } : {}),
      });
      results[label] = { create, update };
    }
    // What each Release costs: its history after two rollouts, and whether it grows while nothing happens.
    // A Release is Ready a moment before its workflow's last task (pruning old revisions) completes:
    // the idle time starts once no history moved for 2 s (or after a minute of waiting for that).
    let events = await historyLengths(id);
    for (let settled = false, tries = 0; !settled && tries < 30; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const now = await historyLengths(id);
      settled = now.join() === events.join();
      events = now;
    }
    const atRest = rollguardCpu();
    say(`holding ${n} Ready Releases for ${args.idle}`);
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    const later = await historyLengths(id);
    const held = [rollguard, ...others].map((p) => `${p.usage().rssMiB.toFixed(0)} MiB`).join(' + ');
    const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
    cost.push(
      `history events per Release after create and update: p50 ${quantile(events, 0.5)}, max ${events.at(-1) ?? 0} (${events.length} workflows)`,
      `while idle for ${args.idle}: the histories grew by ${sum(later) - sum(events)} events in all; rollguard used ` +
        `${(rollguardCpu() - atRest).toFixed(1)} CPU s and held ${held}${split || others.length > 0 ? ' (the first process, then the workers)' : ''}`,
    );
  } finally {
    const busy = rollguard.usage();
    say(
      `${split ? 'the controller (rollguard run --controller-only)' : 'rollguard run'}: RSS ${idle.rssMiB.toFixed(0)} MiB before any Release, ${busy.peakRssMiB.toFixed(0)} MiB at its peak ` +
        `(JS heap ${busy.peak.heapMiB.toFixed(0)} MiB, external ${busy.peak.externalMiB.toFixed(0)} MiB); ${busy.cpuSeconds.toFixed(1)} CPU seconds in all`,
    );
    for (const [i, worker] of others.entries()) {
      const used = worker.usage();
      say(
        `worker ${i + 2}${split ? ' (rollguard run --worker-only)' : ''}: RSS ${othersIdle[i]!.rssMiB.toFixed(0)} MiB before any Release, ` +
          `${used.peakRssMiB.toFixed(0)} MiB at its peak (JS heap ${used.peak.heapMiB.toFixed(0)} MiB); ${used.cpuSeconds.toFixed(1)} CPU s`,
      );
    }
    await removeNamespaces(kube, Object.values(namespaces));
    await Promise.all(others.map((worker) => worker.stop()));
    await rollguard.stop();
  }
  const rows = Object.entries(results).flatMap(([label, phases]) =>
    (['create', 'update'] as const).map((phase) => {
      const { totalMs, latenciesMs } = phases[phase];
      return `| ${label} | ${phase} | ${seconds(totalMs)} | ${seconds(quantile(latenciesMs, 0.5))} | ${seconds(quantile(latenciesMs, 0.95))} | ${seconds(latenciesMs.at(-1)!)} |`;
    }),
  );
  const ratio = (phase: 'create' | 'update'): string =>
    (results['rollguard Releases']![phase].totalMs / results['plain Deployments']![phase].totalMs).toFixed(2);
  console.log(`N = ${n}, ${replicas} replica(s) each\n`);
  console.log('| side | phase | all done (s) | p50 (s) | p95 (s) | max (s) |\n|---|---|---|---|---|---|');
  console.log(rows.join('\n'));
  console.log(`\nratio rollguard / plain: create ${ratio('create')}, bulk update ${ratio('update')}`);
  console.log('\nCPU time per process during each phase:');
  for (const [label, phases] of Object.entries(results))
    for (const phase of ['create', 'update'] as const) console.log(`- ${label}, ${phase}: ${phases[phase].cpu}`);
  console.log('\nThe requests the API server answered most during each phase (both sides, all clients):');
  for (const [label, phases] of Object.entries(results))
    for (const phase of ['create', 'update'] as const) console.log(`- ${label}, ${phase}: ${phases[phase].requests}`);
  console.log(cost.join('\n'));
  return 0;
}

process.exitCode = await main().catch((err: unknown) => {
  say(`FAILED: ${(err as Error).message}`);
  return 1;
});
