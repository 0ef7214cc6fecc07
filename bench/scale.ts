import { Client, Connection } from '@temporalio/client';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { makeInformer, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { dataDir } from '../dev/stack/paths.ts';
import { stackEnv } from '../dev/stack/stack.ts';
import { releaseResource } from '../src/domain/api/index.ts';
import type { KubeClients } from '../src/kube/client.ts';
import { releasesPath } from '../src/kube/releases.ts';
import { linePlotPng } from './plot.ts';
import {
  duration,
  historyLengths,
  metricValue,
  patiently,
  quantile,
  readFlags,
  removeNamespaces,
  say,
  seconds,
  seriesCount,
  startRollguard,
  wholeNumber,
  type RollguardProcess,
  benchCluster,
  compiledEntry,
  releaseReadyAt,
  type BenchRelease,
} from './support.ts';

/**
 * N Releases held by one `rollguard run` (the controller and the worker in one process), restarted,
 * then an hour of small rollouts across them:
 *
 *   node bench/scale.ts [--releases 10000] [--deadline 2h] [--idle 60s] [--soak 1h] [--sample 1m]
 *     [--changes-per-minute 30] [--png FILE] [--max-cached-workflows N] [--heap-limit MIB]
 *     [--compiled]
 *
 * 1. create: N Releases (1 replica each, readiness gate only, a 1 s analysis window), 32 at a time;
 *    the time until all are Ready, and `rollguard run`'s memory at its peak;
 * 2. hold: all Ready for --idle: the memory it holds, and Temporal's visibility queries timed (the
 *    count of running workflows, the first page of their list);
 * 3. restart: SIGTERM and start again; the time until the controller has been through every Release
 *    once with nothing left in its queue, and that nothing rolled out again: every Deployment's
 *    generation, every Release's revisions and every workflow's history as before the restart;
 * 4. soak: for --soak, every 60 / --changes-per-minute seconds the image of the next Release changes
 *    (in turn, from a random one), and memory is sampled every --sample: a table, a CSV and a PNG
 *    (--png, or one in the stack's data directory) of RSS and the main thread's JS heap.
 *
 * --heap-limit runs `rollguard run` with node's --max-old-space-size: 512 is about the heap Node
 * takes in a pod limited to 1 GiB, the limit the shipped manifests set.
 *
 * --compiled runs `rollguard run` from the JavaScript `npm run build` compiled, in the image's
 * environment, as the image runs it (the Kubernetes client bundled); without it, from the sources.
 *
 * Each wait has the deadline; one that passes prints how far it got, and the benchmark fails.
 */
const { args, entry, n, deadlineMs, idleMs, soakMs, sampleMs, changeEveryMs } = readFlags('scale.ts', () => {
  const { values: args } = parseArgs({
    options: {
      releases: { type: 'string', default: '10000' },
      deadline: { type: 'string', default: '2h' },
      idle: { type: 'string', default: '60s' },
      soak: { type: 'string', default: '1h' },
      sample: { type: 'string', default: '1m' },
      'changes-per-minute': { type: 'string', default: '30' },
      png: { type: 'string' },
      'max-cached-workflows': { type: 'string' },
      'heap-limit': { type: 'string' },
      compiled: { type: 'boolean', default: false },
    },
  });
  if (args['heap-limit'] !== undefined) wholeNumber('--heap-limit', args['heap-limit']);
  const cached = args['max-cached-workflows'];
  if (cached !== undefined) wholeNumber('--max-cached-workflows', cached);
  const sampleMs = duration('--sample', args.sample);
  if (sampleMs < 1_000) throw new Error(`--sample must be at least 1s, not "${args.sample}"`);
  return {
    args,
    entry: compiledEntry(args.compiled),
    n: wholeNumber('--releases', args.releases),
    deadlineMs: duration('--deadline', args.deadline),
    idleMs: duration('--idle', args.idle),
    soakMs: duration('--soak', args.soak),
    sampleMs,
    changeEveryMs: 60_000 / wholeNumber('--changes-per-minute', args['changes-per-minute']),
  };
});

const id = Date.now().toString(36).slice(-5);
const namespace = `bench-${id}-scale`;
const name = (i: number): string => `app-${String(i).padStart(5, '0')}`;
const image = (version: number): string => `example/app:v${version}`;

function createRelease(kube: KubeClients, i: number): Promise<unknown> {
  const labels = { app: name(i) };
  return kube.releases.create(namespace, {
    apiVersion: releaseResource.apiVersion,
    kind: releaseResource.kind,
    metadata: { name: name(i) },
    spec: {
      template: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: image(1) }] } },
      },
      healthChecks: { readiness: { deadline: '10m' } },
      analysis: { window: '1s' },
    },
  });
}

const setImage = (kube: KubeClients, i: number, version: number): Promise<unknown> =>
  kube.releases.patch({ namespace, name: name(i) }, 'json', [
    { op: 'replace', path: '/spec/template/template/spec/containers/0/image', value: image(version) },
  ]);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

/**
 * Every Release as the watch last showed it, and the version each is expected at: `until` waits for
 * those to be Ready at it, noting when each got there.
 */
async function followReleases(kube: KubeClients, kubeConfig: KubeConfig) {
  const expected = new Map<string, { version: number; changedAt: number }>();
  const latencies: number[] = [];
  const check = (object: KubernetesObject): void => {
    const release = object as BenchRelease;
    const wanted = expected.get(release.metadata.name);
    if (wanted && releaseReadyAt(release, image(wanted.version))) {
      latencies.push(performance.now() - wanted.changedAt);
      expected.delete(release.metadata.name);
    }
  };
  const informer = makeInformer(kubeConfig, releasesPath(namespace), () => kube.releases.list(namespace));
  informer.on('add', check);
  informer.on('update', check);
  // A watch that ends on an error (a busy API server) starts again, as the controller's does.
  let stopped = false;
  informer.on('error', () =>
    setTimeout(() => {
      if (!stopped) void informer.start().catch(() => undefined);
    }, 1_000),
  );
  await patiently(() => informer.start());
  return {
    expect(i: number, version: number): void {
      expected.set(name(i), { version, changedAt: performance.now() });
    },
    pending: (): number => expected.size,
    /** The latencies so far, sorted, and forgotten. */
    takeLatencies(): number[] {
      return latencies.splice(0).sort((a, b) => a - b);
    },
    /** Waits until nothing expected is left, and `changing` (the changes still being made) has settled. */
    async until(what: string, total: number, deadline: number, changing: Promise<unknown>): Promise<void> {
      let changed = false;
      void changing.then(
        () => (changed = true),
        () => (changed = true),
      );
      let lastReport = performance.now();
      while (expected.size > 0 || !changed) {
        if (performance.now() > deadline)
          throw new Error(`${what}: ${latencies.length} of ${total} Ready when the deadline (${args.deadline}) passed`);
        if (performance.now() - lastReport > 30_000) {
          say(`${what}: ${latencies.length} of ${total} Ready`);
          lastReport = performance.now();
        }
        await sleep(200);
      }
    },
    async stop(): Promise<void> {
      stopped = true;
      await informer.stop();
    },
  };
}

/** What a restart must leave as it was: each Deployment's generation, each Release's revisions. */
async function rolledOutState(kube: KubeClients): Promise<Map<string, string>> {
  const state = new Map<string, string>();
  const deployments = await patiently(() => kube.apps.listNamespacedDeployment({ namespace }));
  for (const d of deployments.items)
    state.set(`deployment ${d.metadata!.name}`, `generation ${d.metadata!.generation}`);
  for (const r of (await patiently(() => kube.releases.list(namespace))).items as BenchRelease[])
    state.set(
      `release ${r.metadata.name}`,
      `revision ${r.status?.currentRevision}, stable ${r.status?.stableRevision}, ${r.status?.phase}`,
    );
  return state;
}

/** The first differences between two `rolledOutState`s, at most `max`. */
function differences(before: Map<string, string>, after: Map<string, string>, max = 5): string[] {
  const found: string[] = [];
  for (const [key, value] of before) {
    if (after.get(key) !== value) found.push(`${key}: ${value} → ${after.get(key) ?? 'gone'}`);
    if (found.length >= max) break;
  }
  return found;
}

/** How long Temporal's visibility takes to count the benchmark's running workflows and list a page of them. */
async function visibility(): Promise<string> {
  const connection = await Connection.connect({ address: stackEnv.TEMPORAL_ADDRESS });
  try {
    const client = new Client({ connection, namespace: stackEnv.TEMPORAL_NAMESPACE });
    const query = `TaskQueue = 'bench-${id}' AND ExecutionStatus = 'Running'`;
    let started = performance.now();
    const { count } = await client.workflow.count(query);
    const countMs = performance.now() - started;
    started = performance.now();
    let listed = 0;
    for await (const workflow of client.workflow.list({ query, pageSize: 100 }))
      if (workflow.workflowId && ++listed >= 100) break;
    const listMs = performance.now() - started;
    return `count of running workflows ${count} in ${countMs.toFixed(0)} ms; the first ${listed} listed in ${listMs.toFixed(0)} ms`;
  } finally {
    await connection.close();
  }
}

interface MemoryRow {
  minute: number;
  rssMiB: number;
  heapMiB: number;
  rollouts: number;
}

async function memoryRow(rollguard: RollguardProcess, startedAt: number, rollouts: number): Promise<MemoryRow> {
  const text = await rollguard.metrics();
  return {
    minute: (performance.now() - startedAt) / 60_000,
    rssMiB: rollguard.usage().rssMiB,
    heapMiB: metricValue(text, 'nodejs_heap_size_used_bytes') / 2 ** 20,
    rollouts,
  };
}

async function main(): Promise<number> {
  const { kubeConfig, kube } = await benchCluster([namespace]);
  const extraArgs = args['max-cached-workflows'] ? ['--max-cached-workflows', args['max-cached-workflows']] : [];
  const nodeOptions = args['heap-limit'] ? `--max-old-space-size=${args['heap-limit']}` : undefined;
  let rollguard = await startRollguard({ id, namespace, kube, extraArgs, nodeOptions, ...entry });
  // Each finding is said as it is made too: a run cut short (a soak of hours) keeps what it found.
  const report = {
    lines: [] as string[],
    push(...lines: string[]): void {
      for (const line of lines) say(line);
      this.lines.push(...lines);
    },
  };
  const releases = await followReleases(kube, kubeConfig);
  const deadline = performance.now() + deadlineMs;
  try {
    const empty = rollguard.usage();
    const emptyHeap = metricValue(await rollguard.metrics(), 'nodejs_heap_size_used_bytes');

    say(`creating ${n} Releases`);
    let started = performance.now();
    const limit = pLimit(32);
    const creating = Promise.all(
      Array.from({ length: n }, (_, i) =>
        limit(async () => {
          releases.expect(i, 1);
          await patiently(() => createRelease(kube, i));
        }),
      ),
    );
    await releases.until('create', n, deadline, creating);
    await creating;
    const created = releases.takeLatencies();
    const createdIn = performance.now() - started;
    const createPeak = rollguard.usage().peakRssMiB;
    report.push(
      `create: ${n} Releases Ready in ${seconds(createdIn)} s (${(n / (createdIn / 1000)).toFixed(1)} per s); ` +
        `each from its create to Ready p50 ${seconds(quantile(created, 0.5))} s, p95 ${seconds(quantile(created, 0.95))} s, ` +
        `max ${seconds(created.at(-1)!)} s; rollguard run at its peak ${createPeak.toFixed(0)} MiB ` +
        `(${empty.rssMiB.toFixed(0)} MiB before any Release)`,
    );

    say(`holding ${n} Ready Releases for ${args.idle}`);
    await sleep(idleMs);
    const held = rollguard.usage();
    const heldHeap = metricValue(await rollguard.metrics(), 'nodejs_heap_size_used_bytes');
    report.push(
      `hold: rollguard run holds ${held.rssMiB.toFixed(0)} MiB; its main thread's JS heap (the watches' caches, ` +
        `the controller, the activities; garbage not yet collected included) ${mib(heldHeap)} MiB, ` +
        `${mib(emptyHeap)} MiB before any Release`,
      `hold: Temporal visibility: ${await visibility()}`,
    );

    say('restarting rollguard run');
    const before = await rolledOutState(kube);
    const historiesBefore = await historyLengths(id);
    await rollguard.stop({ restarting: true });
    started = performance.now();
    rollguard = await startRollguard({ id, namespace, kube, extraArgs, nodeOptions, ...entry });
    const up = performance.now() - started;
    // Through every Release once: each reconciled, the queue empty, each Release's phase exported.
    for (;;) {
      const text = await rollguard.metrics();
      const reconciled = metricValue(text, 'rollguard_controller_reconciles_total', 'result="success"');
      const queued = metricValue(text, 'rollguard_controller_queue_depth');
      const phases = seriesCount(text, 'rollguard_release_phase');
      if (reconciled >= n && queued === 0 && phases >= n) break;
      if (performance.now() > deadline)
        throw new Error(`restart: ${reconciled} of ${n} reconciled (${queued} queued) when the deadline passed`);
      await sleep(200);
    }
    const throughAll = performance.now() - started;
    // Anything the restart set off has had time to show: a rollout takes seconds here.
    await sleep(10_000);
    const changed = differences(before, await rolledOutState(kube));
    const historiesAfter = await historyLengths(id);
    const grown = historiesAfter.reduce((a, b) => a + b, 0) - historiesBefore.reduce((a, b) => a + b, 0);
    report.push(
      `restart: rollguard run serving again in ${seconds(up)} s; through all ${n} Releases in ${seconds(throughAll)} s; ` +
        `rolled out again: ${changed.length === 0 ? 'none' : changed.join('; ')}; the histories grew by ${grown} events ` +
        `(${historiesAfter.length} workflows running); RSS ${rollguard.usage().rssMiB.toFixed(0)} MiB after`,
    );
    if (changed.length > 0) throw new Error(`the restart rolled Releases out again: ${changed.join('; ')}`);

    say(`soak: one image change every ${(changeEveryMs / 1000).toFixed(1)} s for ${args.soak}`);
    const rows: MemoryRow[] = [];
    const csv = join(dataDir, `bench-${id}-soak.csv`);
    const png = args.png ?? join(dataDir, `bench-${id}-soak.png`);
    /** The samples so far as a CSV and a PNG, after each sample: a soak cut short leaves its plot. */
    const plot = async (changes: number): Promise<void> => {
      await writeFile(
        csv,
        [
          'minute,rss_mib,heap_mib,rollouts_done',
          ...rows.map((r) => `${r.minute.toFixed(2)},${r.rssMiB.toFixed(1)},${r.heapMiB.toFixed(1)},${r.rollouts}`),
        ].join('\n') + '\n',
      );
      await writeFile(
        png,
        linePlotPng({
          title: `rollguard run holding ${n} Releases: ${changes} rollouts in ${rows.at(-1)!.minute.toFixed(0)} min`,
          xLabel: 'minutes',
          yLabel: 'MiB',
          series: [
            { name: 'RSS', points: rows.map((r) => [r.minute, r.rssMiB]), color: [200, 40, 40] },
            { name: 'main thread JS heap', points: rows.map((r) => [r.minute, r.heapMiB]), color: [40, 90, 200] },
          ],
        }),
      );
    };
    const versions = new Array<number>(n).fill(1);
    let next = Math.floor(Math.random() * n);
    let changes = 0;
    started = performance.now();
    rows.push(await memoryRow(rollguard, started, 0));
    let nextSample = started + sampleMs;
    const changing: Promise<unknown>[] = [];
    for (let nextChange = started; performance.now() - started < soakMs;) {
      const now = performance.now();
      if (now >= nextChange) {
        const i = next;
        next = (next + 1) % n;
        versions[i]! += 1;
        releases.expect(i, versions[i]!);
        changing.push(patiently(() => setImage(kube, i, versions[i]!)));
        changes++;
        nextChange += changeEveryMs;
      }
      if (now >= nextSample) {
        rows.push(await memoryRow(rollguard, started, changes - releases.pending()));
        say(
          `soak: ${rows.at(-1)!.rssMiB.toFixed(0)} MiB after ${rows.at(-1)!.minute.toFixed(0)} min, ${changes} changes`,
        );
        await plot(changes);
        nextSample += sampleMs;
      }
      await sleep(Math.max(0, Math.min(nextChange, nextSample) - performance.now()));
    }
    await releases.until('soak', changes, deadline, Promise.all(changing));
    rows.push(await memoryRow(rollguard, started, changes));
    await plot(changes);
    const soaked = releases.takeLatencies();
    const rss = rows.map((row) => row.rssMiB);
    // The trend, by least squares over the second half (the first includes the cache filling up).
    const half = rows.slice(Math.floor(rows.length / 2));
    const slope = trend(half.map((row) => [row.minute, row.rssMiB]));
    report.push(
      `soak: ${changes} rollouts in ${args.soak}, all Ready (p50 ${seconds(quantile(soaked, 0.5))} s, ` +
        `p95 ${seconds(quantile(soaked, 0.95))} s, max ${seconds(soaked.at(-1)!)} s); RSS first ${rss[0]!.toFixed(0)} MiB, ` +
        `last ${rss.at(-1)!.toFixed(0)} MiB, max ${Math.max(...rss).toFixed(0)} MiB; over the second half ` +
        `${(slope * 60).toFixed(1)} MiB per hour`,
    );
    report.push(`soak: memory every ${args.sample} in ${csv}, plotted in ${png}`);
    console.log(`N = ${n}, 1 replica each, one rollguard run\n`);
    console.log('| minute | RSS (MiB) | main JS heap (MiB) | rollouts done |\n|---:|---:|---:|---:|');
    for (const r of rows)
      console.log(`| ${r.minute.toFixed(1)} | ${r.rssMiB.toFixed(0)} | ${r.heapMiB.toFixed(0)} | ${r.rollouts} |`);
    console.log(`\n${report.lines.map((line) => `- ${line}`).join('\n')}`);
    return 0;
  } catch (err) {
    console.log(report.lines.map((line) => `- ${line}`).join('\n'));
    throw err;
  } finally {
    await releases.stop();
    await removeNamespaces(kube, [namespace], 600_000);
    await rollguard.stop();
  }
}

/** The slope of the least-squares line through the points (MiB per minute here); 0 for fewer than two. */
function trend(points: [number, number][]): number {
  if (points.length < 2) return 0;
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  const mx = mean(points.map(([x]) => x));
  const my = mean(points.map(([, y]) => y));
  const sxx = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0) / sxx;
}

process.exitCode = await main().catch((err: unknown) => {
  say(`FAILED: ${(err as Error).message}`);
  return 1;
});
