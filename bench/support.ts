import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { dataDir } from '../dev/stack/paths.ts';
import { logFile } from '../dev/stack/process.ts';
import { installReleaseCrd } from '../dev/demo/crd-install.ts';
import { stackEnv, stackUp } from '../dev/stack/stack.ts';
import { parseDuration } from '../src/domain/api/index.ts';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { kubeClients, loadKubeConfig, type KubeClients } from '../src/kube/client.ts';
import { buildWorkflowBundle, compiledTree, prebuiltWorkflowBundle } from '../src/server/workflow-bundle.ts';
import { createLogger } from '../src/telemetry/log.ts';

export const quiet = createLogger({}, { level: 'error' });

// What the benchmarks share: flags, waiting out a busy API server, quantiles, and `rollguard run` as
// a child process whose memory and CPU time are sampled.

export const say = (line: string): void => console.error(`[bench] ${line}`);

/** A flag's value as a whole number of at least `min`, or an error naming the flag. */
export function wholeNumber(flag: string, text: string, min = 1): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${flag} must be a whole number of at least ${min}, not "${text}"`);
  return value;
}

/** A flag's value as a duration (`10m`, `5s`) in ms, or an error naming the flag. */
export function duration(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    throw new Error(`${flag}: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads the flags with `read`; a bad one is one line naming it and exit code 2, not a stack trace. */
export function readFlags<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    console.error(`[bench] ${(err as Error).message}; see the usage at the top of bench/${file}`);
    process.exit(2);
  }
}

/** The API server may answer 429 or 5xx for a moment (a busy or restarting server): try again, for a while. */
export async function patiently<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const code = (err as { code?: number }).code;
      const transient = code === undefined || code === 429 || code >= 500;
      if (!transient || attempt >= 20) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)));
    }
  }
}

export const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
export const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/** A Release as the benchmarks read it: its first container's image, and what its status says of it. */
export interface BenchRelease extends KubernetesObject {
  metadata: { name: string; generation?: number };
  spec: { template: { template: { spec: { containers: { image: string }[] } } } };
  status?: { phase?: string; observedGeneration?: number; currentRevision?: number; stableRevision?: number };
}

/** Ready and stable at `image`, the generation that asked for it observed. */
export const releaseReadyAt = (r: BenchRelease, image: string): boolean =>
  r.spec.template.template.spec.containers[0]?.image === image &&
  r.status?.phase === 'Ready' &&
  (r.status.observedGeneration ?? 0) >= (r.metadata.generation ?? 1) &&
  r.status.stableRevision !== undefined &&
  r.status.stableRevision === r.status.currentRevision;

/**
 * The local stack up (started if need be), the Release CRD installed, and the benchmark's namespaces
 * created and named on stderr (the smoke tests check that each is gone at the end).
 */
export async function benchCluster(namespaces: string[]): Promise<{ kubeConfig: KubeConfig; kube: KubeClients }> {
  await stackUp(say);
  const kubeConfig = loadKubeConfig({ file: stackEnv.KUBECONFIG });
  const kube = kubeClients(kubeConfig);
  await installReleaseCrd(kubeConfig);
  for (const name of namespaces) await kube.core.createNamespace({ body: { metadata: { name } } });
  say(`namespaces ${namespaces.join(', ')}`);
  return { kubeConfig, kube };
}

/**
 * Deletes a benchmark's namespaces while its rollguard still runs, so that the controller lets each
 * Release go (their finalizer): a namespace deleted after rollguard stopped would stay Terminating for
 * good. What is still there after `timeoutMs` loses its finalizers, so that nothing is left behind.
 */
export async function removeNamespaces(kube: KubeClients, names: string[], timeoutMs = 180_000): Promise<void> {
  await Promise.all(names.map((name) => kube.core.deleteNamespace({ name }).catch(() => undefined)));
  const deadline = Date.now() + timeoutMs;
  const remaining = async (): Promise<string[]> =>
    (
      await Promise.all(
        names.map((name) =>
          kube.core.readNamespace({ name }).then(
            () => [name],
            () => [],
          ),
        ),
      )
    ).flat();
  const started = Date.now();
  let left = await remaining();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const now = await remaining();
    for (const name of left.filter((name) => !now.includes(name)))
      say(`namespace ${name} gone after ${((Date.now() - started) / 1000).toFixed(0)}s`);
    left = now;
  }
  for (const namespace of left) {
    say(`namespace ${namespace} still there after ${timeoutMs / 1000}s; removing its Releases' finalizers`);
    const { items } = await kube.releases.list(namespace);
    for (const release of items)
      await kube.releases
        .patch({ namespace, name: release.metadata!.name! }, 'merge', { metadata: { finalizers: null } })
        .catch(() => undefined);
  }
}

/** Calls `each` (32 at a time) for every workflow running on a benchmark's task queue. */
async function eachRunningWorkflow<T>(taskQueue: string, each: (workflow: WorkflowHandle) => Promise<T>): Promise<T[]> {
  const connection = await Connection.connect({ address: stackEnv.TEMPORAL_ADDRESS });
  try {
    const client = new Client({ connection, namespace: stackEnv.TEMPORAL_NAMESPACE });
    const limit = pLimit(32);
    const calls: Promise<T>[] = [];
    for await (const wf of client.workflow.list({
      query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
    }))
      calls.push(limit(() => each(client.workflow.getHandle(wf.workflowId, wf.runId))));
    return await Promise.all(calls);
  } finally {
    await connection.close();
  }
}

/**
 * How long each activity of these types, scheduled at or after `sinceMs` (epoch ms) by a workflow
 * running on a benchmark's task queue whose id matches `workflowId`, waited for a worker to start it
 * (scheduled to started, ms), by type: the time a rollout's wait spent queued for an activity slot.
 */
export async function activityQueueTimes(
  id: string,
  { types, sinceMs, workflowId }: { types: string[]; sinceMs: number; workflowId: (id: string) => boolean },
): Promise<Map<string, number[]>> {
  const byType = new Map<string, number[]>(types.map((type) => [type, []]));
  await eachRunningWorkflow(`bench-${id}`, async (workflow) => {
    if (!workflowId(workflow.workflowId)) return;
    const scheduled = new Map<string, { type: string; at: number }>();
    for (const event of (await workflow.fetchHistory()).events ?? []) {
      const at = tsToMs(event.eventTime);
      const type = event.activityTaskScheduledEventAttributes?.activityType?.name;
      if (type && types.includes(type) && at >= sinceMs) scheduled.set(String(event.eventId), { type, at });
      const started = event.activityTaskStartedEventAttributes;
      const queued = started && scheduled.get(String(started.scheduledEventId));
      if (queued) byType.get(queued.type)!.push(at - queued.at);
    }
  });
  for (const times of byType.values()) times.sort((a, b) => a - b);
  return byType;
}

/** Terminates the workflows left running on a benchmark's task queue: no run leaves any behind in Temporal. */
const endWorkflows = (taskQueue: string): Promise<unknown> =>
  eachRunningWorkflow(taskQueue, (workflow) => workflow.terminate('benchmark finished').catch(() => undefined));

/** The history length of each workflow running on a benchmark's task queue, sorted. */
export async function historyLengths(id: string): Promise<number[]> {
  const lengths = await eachRunningWorkflow(
    `bench-${id}`,
    async (workflow) => (await workflow.describe()).historyLength,
  );
  return lengths.sort((a, b) => a - b);
}

/** A process's resident memory from /proc/PID/status: in all, anonymous (heaps, arenas) and file-backed (code), in MiB. */
export async function residentMemory(pid: number): Promise<{ rssMiB: number; anonMiB: number; fileMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rssMiB: kib('VmRSS'), anonMiB: kib('RssAnon'), fileMiB: kib('RssFile') };
}

/**
 * A process's parent and its user + system CPU time in seconds (clock ticks of 1/100 s), from
 * /proc/PID/stat; undefined once it is gone.
 */
async function procStat(pid: number | string): Promise<{ parent: string; seconds: number } | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // The fields after the command name, which may itself hold spaces and parentheses.
  const fields = stat?.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return fields ? { parent: fields[1]!, seconds: (Number(fields[11]) + Number(fields[12])) / 100 } : undefined;
}

/**
 * The CPU time each process of this data directory's stack has used so far (Temporal, etcd, the
 * Kubernetes components, kwok, Prometheus), by process name: taken before and after a phase, the
 * difference says where the machine's cores went.
 */
export async function stackCpu(): Promise<Map<string, number>> {
  // Each process by its parent, so that a server's worker processes (PostgreSQL's backends) count
  // under the server's name.
  const processes = new Map<string, { parent: string; argv: string[]; seconds: number }>();
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await procStat(pid);
    if (!stat) continue;
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    processes.set(pid, { ...stat, argv });
  }
  const nameOf = (pid: string, depth = 0): string | undefined => {
    const found = processes.get(pid);
    if (!found || depth > 3) return undefined;
    if (found.argv.some((arg) => arg.includes(dataDir))) return (found.argv[0] ?? '').split('/').at(-1)!;
    return nameOf(found.parent, depth + 1);
  };
  const cpu = new Map<string, number>();
  for (const [pid, { seconds }] of processes) {
    const name = nameOf(pid);
    if (name) cpu.set(name, (cpu.get(name) ?? 0) + seconds);
  }
  return cpu;
}

/** What each process used between two `stackCpu` readings, the busiest first, as `name 12.3 s`. */
export function cpuBetween(
  before: Map<string, number>,
  after: Map<string, number>,
  extra: [string, number][] = [],
): string {
  const used = [...after].map(([name, seconds]): [string, number] => [name, seconds - (before.get(name) ?? 0)]);
  return [...used, ...extra]
    .filter(([, seconds]) => seconds >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s`)
    .join(', ');
}

/**
 * The API server's request counts so far (`apiserver_request_total` from its /metrics), by verb and
 * resource (`PATCH releases/status`): taken before and after a phase, the difference says what each
 * side asked of it.
 */
export async function apiRequests(config: KubeConfig): Promise<Map<string, number>> {
  const url = new URL('/metrics', config.getCurrentCluster()!.server);
  const options: https.RequestOptions = { method: 'GET', headers: {}, timeout: 10_000 };
  await config.applyToHTTPSOptions(options);
  const text = await new Promise<string>((resolve, reject) => {
    const req = https.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('the API server did not answer /metrics within 10 s')));
    req.on('error', reject);
    req.end();
  });
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const label = (name: string): string => new RegExp(`${name}="([^"]*)"`).exec(line)?.[1] ?? '';
    const sub = label('subresource');
    const key = `${label('verb')} ${label('resource')}${sub ? `/${sub}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/** The `top` requests between two `apiRequests` readings, the most frequent first, as `LIST pods 1,234`. */
export function requestsBetween(before: Map<string, number>, after: Map<string, number>, top = 10): string {
  return [...after]
    .map(([key, count]): [string, number] => [key, count - (before.get(key) ?? 0)])
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, count]) => `${key} ${count.toLocaleString('en-US')}`)
    .join(', ');
}

export interface MemorySample {
  rssMiB: number;
  /** The JS heap in use, and memory outside it that JS objects hold (buffers), at the same moment. */
  heapMiB: number;
  externalMiB: number;
}

export interface RollguardProcess {
  pid: number;
  /**
   * SIGTERM, then (for the first process) its workflows terminated and its Lease's namespace deleted;
   * with `restarting`, both are left for the next `startRollguard` of the same id.
   */
  stop: (options?: { restarting?: boolean }) => Promise<void>;
  /** SIGKILL, as a machine that dies: what it ran is left to the other workers. */
  kill: () => Promise<void>;
  usage: () => { rssMiB: number; peakRssMiB: number; cpuSeconds: number; peak: MemorySample };
  /** Its own metrics now (the Prometheus text of /metrics). */
  metrics: () => Promise<string>;
}

/** A sample's value in Prometheus text: the sum of the series of `name` whose labels include `labels`. */
export function metricValue(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** How many series of `name` the text holds (one per Release, for rollguard_release_phase). */
export const seriesCount = (text: string, name: string): number =>
  text.split('\n').filter((line) => line.startsWith(`${name}{`)).length;

/** The image's Dockerfile: its runtime stage's `ENV` is the environment the image runs the CLI in. */
const dockerfile = fileURLToPath(new URL('../deploy/rollguard/Dockerfile', import.meta.url));

/** The `ENV NAME=value` lines of a Dockerfile's last stage (the runtime's), by name. */
export function imageEnv(text: string): Record<string, string> {
  const runtime = text.split(/^FROM\s/m).at(-1) ?? '';
  return Object.fromEntries(
    [...runtime.matchAll(/^ENV\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)\s*$/gm)].map((m) => [m[1]!, m[2]!]),
  );
}

/** The CLI as the image runs it: the JavaScript `npm run build` compiled, in the image's environment. */
export interface CompiledRollguard {
  /** The script that runs the CLI from dist/src (startRollguard's `entry`). */
  entry: string;
  /** The environment the image sets (its Dockerfile's ENV, such as NODE_ENV=production). */
  env: Record<string, string>;
}

/** The CLI compiled into dist/src, as the image runs it; undefined when `npm run build` has not built it. */
export function compiledRollguard(): CompiledRollguard | undefined {
  if (!existsSync(join(compiledTree, 'cli', 'main.js'))) return undefined;
  return {
    entry: fileURLToPath(new URL('floor/rollguard-compiled.mjs', import.meta.url)),
    env: imageEnv(readFileSync(dockerfile, 'utf8')),
  };
}

/**
 * startRollguard's entry for a benchmark's --compiled: the compiled CLI when asked for (an error if
 * `npm run build` has not built it), else nothing (the sources).
 */
export function compiledEntry(compiled: boolean | undefined): CompiledRollguard | Record<string, never> {
  if (!compiled) return {};
  const entry = compiledRollguard();
  if (entry === undefined) throw new Error('--compiled runs dist/src: run npm run build first');
  return entry;
}

/**
 * `rollguard run` as a user runs it, serving one namespace on a task queue of its own, with the
 * workflow code bundled ahead of time as shipped (npm run build); RSS and CPU sampled every second.
 */
export async function startRollguard({
  id,
  namespace,
  kube,
  worker,
  extraArgs = [],
  nodeOptions,
  entry = fileURLToPath(new URL('../bin/rollguard.ts', import.meta.url)),
  env = {},
}: {
  id: string;
  namespace: string;
  kube: KubeClients;
  /** The number of another worker on the same task queue (`rollguard run --worker-only`), beside the first process. */
  worker?: number;
  /** More flags of `rollguard run`. */
  extraArgs?: string[];
  /** NODE_OPTIONS of `rollguard run` (a heap limit). */
  nodeOptions?: string | undefined;
  /** The script that runs the CLI: the TypeScript sources' (bin/rollguard.ts) unless told otherwise. */
  entry?: string;
  /** More of its environment (the image's, with `entry` the compiled CLI). */
  env?: Record<string, string>;
}): Promise<RollguardProcess> {
  const workerOnly = worker !== undefined;
  // The Lease in a namespace of its own: in the served one, deleting it at the end would take the
  // controller's Lease away before the controller had let the Releases go.
  const leaseNamespace = `bench-${id}-lease`;
  if (!workerOnly)
    await kube.core.createNamespace({ body: { metadata: { name: leaseNamespace } } }).catch((err: unknown) => {
      if ((err as { code?: number }).code !== 409) throw err; // a restart: the namespace is there
    });
  if (!(await prebuiltWorkflowBundle(quiet)))
    say(`workflow code bundled ahead of time: ${(await buildWorkflowBundle()).path}`);
  const log = createWriteStream(logFile(`bench-${id}${workerOnly ? `-worker-${worker}` : ''}`), { flags: 'a' });
  const child = spawn(
    process.execPath,
    [
      entry,
      'run',
      '--watch-namespace',
      namespace,
      '--lease-namespace',
      leaseNamespace,
      '--task-queue',
      `bench-${id}`,
      '--metrics-address',
      '127.0.0.1',
      '--metrics-port',
      '0',
      ...(workerOnly ? ['--worker-only'] : []),
      ...extraArgs,
    ],
    {
      env: {
        // The image's environment, unless the benchmark's own sets a variable (as `docker run -e` would).
        ...env,
        ...process.env,
        KUBECONFIG: stackEnv.KUBECONFIG,
        TEMPORAL_ADDRESS: stackEnv.TEMPORAL_ADDRESS,
        TEMPORAL_NAMESPACE: stackEnv.TEMPORAL_NAMESPACE,
        ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  for (const stream of [child.stdout, child.stderr])
    stream.on('data', (chunk: Buffer) => ((output = (output + chunk.toString()).slice(-4000)), log.write(chunk)));
  const started = Date.now();
  while (!/"msg":"metrics server listening"|"url":"http/.test(output)) {
    if (child.exitCode !== null) throw new Error(`rollguard run exited with ${child.exitCode}: ${output}`);
    if (Date.now() - started > 120_000) throw new Error(`rollguard run did not start in 120s: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const metricsUrl = /"url":"(http[^"]+)"/.exec(output)?.[1];
  let peak: MemorySample = { rssMiB: 0, heapMiB: 0, externalMiB: 0 };
  const metrics = async (): Promise<string> => {
    if (!metricsUrl) throw new Error('rollguard run did not log its metrics URL');
    return await (await fetch(`${metricsUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  };
  /** The JS heap and external memory, from rollguard's own /metrics (prom-client's process metrics). */
  const heapOf = async (): Promise<{ heapMiB: number; externalMiB: number }> => {
    const text = await metrics();
    return {
      heapMiB: metricValue(text, 'nodejs_heap_size_used_bytes') / 2 ** 20,
      externalMiB: metricValue(text, 'nodejs_external_memory_bytes') / 2 ** 20,
    };
  };
  let last = { rssMiB: 0, cpuSeconds: 0 };
  const sample = async (): Promise<{ rssMiB: number; cpuSeconds: number }> => {
    const { rssMiB } = await residentMemory(child.pid!);
    const cpuSeconds = (await procStat(child.pid!))?.seconds ?? last.cpuSeconds;
    if (rssMiB > peak.rssMiB) peak = { rssMiB, ...(await heapOf().catch(() => ({ heapMiB: 0, externalMiB: 0 }))) };
    return { rssMiB, cpuSeconds };
  };
  last = await sample();
  const sampler = setInterval(
    () =>
      void sample().then(
        (s) => (last = s),
        () => undefined,
      ),
    1_000,
  );
  return {
    pid: child.pid!,
    usage: () => ({ ...last, peakRssMiB: peak.rssMiB, peak }),
    metrics,
    async stop({ restarting = false } = {}) {
      clearInterval(sampler);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      log.end();
      if (workerOnly || restarting) return;
      await endWorkflows(`bench-${id}`);
      await kube.core.deleteNamespace({ name: leaseNamespace }).catch(() => undefined);
    },
    async kill() {
      clearInterval(sampler);
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null)
        await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
