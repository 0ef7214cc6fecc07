import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  inspectComponents,
  type KubeComponent,
  type Problem,
  recordedComponents,
  recordedPid,
  savedKwokctlConfig,
} from './cluster-components.ts';
import { busyPorts } from './listeners.ts';
import { dataDir } from './paths.ts';
import { describePort, host, type PortName, portOwners, ports } from './ports.ts';
import { delay, waitFor } from './process.ts';
import { ensureTool, tools } from './tools.ts';

const run = promisify(execFile);

export const clusterName = 'rollguard';
export const kubeconfigPath = join(dataDir, 'kubeconfig');
const kwokWorkdir = join(dataDir, 'kwok');
export const clusterDir = join(kwokWorkdir, 'clusters', clusterName);
const savedConfigFile = join(clusterDir, 'kwok.yaml');
const stagesDir = join(import.meta.dirname, 'kwok-stages');

/** How long a pod of a healthy image takes to become Ready, unless its annotation says otherwise. */
const podReadyDelayMs = Number(process.env.ROLLGUARD_POD_READY_DELAY_MS ?? 1000);
export const nodeCount = 3;
/** Pods each fake node takes: 12,000 in all, for 10,000 Releases with room to roll them out. */
export const podsPerNode = 4000;

interface Binaries {
  kwokctl: string;
  kubectl: string;
}

async function binaries(): Promise<Binaries & { config: Record<string, string> }> {
  const kube = join(await ensureTool('kubernetes'), 'bin');
  const kwok = join(await ensureTool('kwok'), 'bin');
  const etcd = join(await ensureTool('etcd'), 'bin');
  return {
    kwokctl: join(kwok, 'kwokctl'),
    kubectl: join(kube, 'kubectl'),
    config: {
      etcdBinary: join(etcd, 'etcd'),
      kubeApiserverBinary: join(kube, 'kube-apiserver'),
      kubeControllerManagerBinary: join(kube, 'kube-controller-manager'),
      kubeSchedulerBinary: join(kube, 'kube-scheduler'),
      kubectlBinary: join(kube, 'kubectl'),
      kwokControllerBinary: join(kwok, 'kwok'),
    },
  };
}

/** kwokctl's configuration: our pinned binaries, loopback only, and the stages pods go through. */
async function clusterConfig(binaryPaths: Record<string, string>): Promise<string> {
  const options = {
    runtime: 'binary',
    kubeVersion: tools.kubernetes.version,
    bindAddress: host,
    // Every port ours: kwokctl would pick free ones counting down from 32767, the same ones for two
    // stacks created at the same moment.
    kubeApiserverPort: ports.kubeApiserver,
    etcdPort: ports.etcd,
    etcdPeerPort: ports.etcdPeer,
    kubeControllerManagerPort: ports.kubeControllerManager,
    kubeSchedulerPort: ports.kubeScheduler,
    kwokControllerPort: ports.kwokController,
    disableQPSLimits: true,
    ...binaryPaths,
  };
  const header = [
    'apiVersion: config.kwok.x-k8s.io/v1alpha1',
    'kind: KwokctlConfiguration',
    'options:',
    ...Object.entries(options).map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`),
    // One instance of each: without leader election they work at once after a restart, instead of
    // waiting out the lease their previous run held (about 15 s in which no pod is scheduled).
    'componentsPatches:',
    ...['kube-scheduler', 'kube-controller-manager'].flatMap((component) => [
      `  - name: ${component}`,
      '    extraArgs:',
      '      - key: leader-elect',
      '        value: "false"',
    ]),
    // A restarted kwok waits out its node leases before it moves pods again: keep them short.
    '  - name: kwok-controller',
    '    extraArgs:',
    '      - key: node-lease-duration-seconds',
    '        value: "10"',
    '        override: true',
  ].join('\n');
  const stageFiles = (await readdir(stagesDir)).filter((file) => file.endsWith('.yaml')).sort();
  const stages = await Promise.all(stageFiles.map((file) => readFile(join(stagesDir, file), 'utf8')));
  const body = stages.map((stage) => stage.replaceAll('${POD_READY_DELAY_MS}', String(podReadyDelayMs)));
  return [header, ...body].join('\n---\n');
}

const kwokEnv = (): NodeJS.ProcessEnv => ({ ...process.env, KWOK_WORKDIR: kwokWorkdir });

async function kwokctl(bin: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(bin, ['--name', clusterName, ...args], { env: kwokEnv(), maxBuffer: 1 << 24 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`kwokctl ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}

export async function kubectl(args: string[], input?: string): Promise<string> {
  const { kubectl: bin } = await binaries();
  const child = run(bin, ['--kubeconfig', kubeconfigPath, ...args], { maxBuffer: 1 << 24 });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  const { stdout } = await child;
  return stdout;
}

/**
 * After a (re)start the cluster works only once its components hold their leases again: kwok its
 * node leases (until then it leaves the pods of those nodes alone) and, in a cluster created before
 * leader election was turned off, the scheduler and controller manager theirs. Each waits out the
 * lease its previous run held, so "renewed since `since`" is the test.
 */
async function leasesRenewedSince(since: number): Promise<boolean> {
  const renewed = async (args: string[]): Promise<boolean[]> => {
    const out = await kubectl(['get', 'lease', ...args, '--ignore-not-found', '-o', 'json']);
    const parsed = out.trim()
      ? (JSON.parse(out) as { items?: { spec?: { renewTime?: string } }[]; spec?: { renewTime?: string } })
      : undefined;
    const leases = parsed?.items ?? (parsed ? [parsed] : []);
    return leases.map((lease) => Date.parse(lease.spec?.renewTime ?? '0') > since);
  };
  const nodes = await renewed(['-n', 'kube-node-lease']);
  const leaders = await renewed(['-n', 'kube-system', 'kube-scheduler', 'kube-controller-manager']);
  return nodes.length >= nodeCount && [...nodes, ...leaders].every(Boolean);
}

const apiserverReady = async (): Promise<boolean> => (await kubectl(['get', '--raw', '/readyz'])).trim() === 'ok';

/** Which of the stack's ports each recorded component port is (etcd's "http" is its client port). */
const portNames: Record<string, Record<string, PortName>> = {
  etcd: { http: 'etcd', 'peer-http': 'etcdPeer' },
  'kube-apiserver': { https: 'kubeApiserver' },
  'kube-controller-manager': { https: 'kubeControllerManager' },
  'kube-scheduler': { https: 'kubeScheduler' },
  'kwok-controller': { http: 'kwokController' },
};

/** The recorded ports of a cluster that differ from the configured ones ("etcd on 32765, not 6444"). */
function movedPorts(components: KubeComponent[]): string[] {
  return components.flatMap((component) =>
    component.ports.flatMap(({ name, port }) => {
      const portName = portNames[component.name]?.[name];
      return portName && ports[portName] !== port
        ? [`${portOwners[portName].server} on ${port}, not ${ports[portName]}`]
        : [];
    }),
  );
}

const recreateRemedy = '`npm run stack:down -- --purge` creates the cluster anew on the configured ports';

/** Fails, naming each port, its server and how to move it, unless every port is free to bind. */
async function assertFree(wanted: { port: number; what: string }[]): Promise<void> {
  const busy = await busyPorts(host, wanted);
  if (busy.length > 0) throw new Error(`cannot start the kwok cluster:\n  ${busy.join('\n  ')}`);
}

/** The cluster's components as kwokctl recorded them when it created the cluster. */
export const recorded = async (): Promise<KubeComponent[]> =>
  recordedComponents(savedKwokctlConfig(await readFile(savedConfigFile, 'utf8')));

const notOwnAndRunning = (problems: Problem[], cause?: unknown): Error =>
  new Error(
    `the kwok cluster is not this stack's own and running:\n  ${problems.map((p) => p.message).join('\n  ')}\n` +
      'stop what holds its ports, or move the stack (docs/development.md) and create the cluster anew: `npm run stack:down -- --purge`',
    { cause },
  );

/**
 * Polls until every component kwokctl recorded runs as this stack's own: its process holds its
 * ports and answers, and the kube-apiserver uses this cluster's etcd. Fails at once when waiting
 * cannot help (a process exited, another process holds its port), naming each component.
 */
async function verifyComponents(timeoutMs = 60_000): Promise<void> {
  const components = await recorded();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const problems = await inspectComponents(clusterDir, components);
    if (problems.length === 0) return;
    if (problems.some((problem) => problem.settled) || Date.now() > deadline) throw notOwnAndRunning(problems);
    await delay(250);
  }
}

/**
 * Runs the kwokctl command that starts components, then verifies them. When the command fails
 * because a component lost its port (kwokctl then reports a symptom, such as a kube-apiserver that
 * never gets ready), the error names that component.
 */
async function startComponents(bins: Binaries, args: string[]): Promise<void> {
  try {
    await kwokctl(bins.kwokctl, args);
  } catch (err) {
    const problems = existsSync(savedConfigFile) ? await inspectComponents(clusterDir, await recorded()) : [];
    throw problems.some((problem) => problem.settled) ? notOwnAndRunning(problems, err) : err;
  }
  await verifyComponents();
}

async function createCluster(
  bins: Binaries & { config: Record<string, string> },
  log: (line: string) => void,
): Promise<void> {
  const wanted = Object.values(portNames).flatMap((byName) => Object.values(byName));
  await assertFree(wanted.map((name) => ({ port: ports[name], what: describePort(name, ports[name]) })));
  log('creating the kwok cluster');
  const configFile = join(dataDir, 'kwokctl.yaml');
  await writeFile(configFile, await clusterConfig(bins.config));
  await startComponents(bins, [
    'create',
    'cluster',
    '--config',
    configFile,
    '--kubeconfig',
    kubeconfigPath,
    '--timeout',
    '3m',
    '--wait',
    '2m',
  ]);
  // Room for the benchmarks' thousands of pods (kwok's default is 110 pods and a /24 per node).
  await kwokctl(bins.kwokctl, [
    'scale',
    'node',
    '--replicas',
    String(nodeCount),
    '--param',
    `.allocatable.pods = ${podsPerNode}`,
    '--param',
    '.podCIDRs = ["10.0.0.0/16"]',
  ]);
}

/** Starts the components of a created cluster that are not running (kwokctl leaves running ones be). */
async function startStopped(bins: Binaries, log: (line: string) => void): Promise<void> {
  const components = await recorded();
  const stopped = components.filter((component) => recordedPid(clusterDir, component) === undefined);
  if (stopped.length === 0) return await verifyComponents();
  const moved = movedPorts(components);
  await assertFree(
    stopped.flatMap((component) =>
      component.ports.map(({ name, port }) => {
        const portName = portNames[component.name]?.[name];
        const what =
          portName && ports[portName] === port
            ? describePort(portName, port)
            : `port ${port} of ${component.name} (the cluster's own since it was created; ${recreateRemedy})`;
        return { port, what };
      }),
    ),
  );
  if (moved.length > 0)
    log(`the kwok cluster keeps the ports it was created with (${moved.join('; ')}); ${recreateRemedy}`);
  log(
    stopped.length === components.length
      ? 'starting the kwok cluster'
      : `starting the kwok cluster's ${stopped.map((c) => c.name).join(', ')}`,
  );
  await startComponents(bins, ['start', 'cluster', '--timeout', '2m', '--wait', '2m']);
}

/**
 * A kwok cluster: a real kube-apiserver, kube-controller-manager and kube-scheduler over etcd, with
 * fake nodes whose pods kwok moves through their lifecycle. Created once, then stopped and started;
 * returns only once every component is this stack's own and answers.
 */
export async function startKube(log = console.error): Promise<void> {
  const bins = await binaries();
  await mkdir(kwokWorkdir, { recursive: true });
  const started = Date.now();
  if (existsSync(savedConfigFile)) {
    if ((await inspectComponents(clusterDir, await recorded())).length === 0) return;
    await startStopped(bins, log);
  } else {
    await createCluster(bins, log);
  }
  await waitFor('the kube-apiserver', apiserverReady, { timeoutMs: 120_000, hint: `see ${clusterDir}/logs` });
  await waitFor(
    'kwok, the scheduler and the controller manager to hold their leases',
    () => leasesRenewedSince(started),
    {
      timeoutMs: 120_000,
      hint: `see ${clusterDir}/logs; a cluster created by an older rollguard may hold longer leases: \`npm run stack:down -- --purge\` creates it anew`,
    },
  );
  await waitFor(
    `${nodeCount} Ready nodes`,
    async () => {
      const out = await kubectl([
        'get',
        'nodes',
        '-o',
        'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}',
      ]);
      return out.split(' ').filter((s) => s === 'True').length >= nodeCount;
    },
    { timeoutMs: 120_000 },
  );
}

export async function stopKube(): Promise<boolean> {
  if (!existsSync(savedConfigFile)) return false;
  const bins = await binaries();
  await kwokctl(bins.kwokctl, ['stop', 'cluster']);
  return true;
}

/** Removes the cluster and its etcd data, so the next start creates it anew. */
export async function deleteKube(): Promise<void> {
  if (!existsSync(savedConfigFile)) return;
  const bins = await binaries();
  await kwokctl(bins.kwokctl, ['delete', 'cluster', '--kubeconfig', kubeconfigPath]);
}
