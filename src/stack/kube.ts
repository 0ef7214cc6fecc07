import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dataDir, repoRoot } from './paths.ts';
import { host, ports } from './ports.ts';
import { waitFor } from './process.ts';
import { ensureTool, tools } from './tools.ts';

const run = promisify(execFile);

export const clusterName = 'rollguard';
export const kubeconfigPath = join(dataDir, 'kubeconfig');
const kwokWorkdir = join(dataDir, 'kwok');
const clusterDir = join(kwokWorkdir, 'clusters', clusterName);
const stagesDir = join(repoRoot, 'src', 'stack', 'kwok-stages');

/** How long a pod of a healthy image takes to become Ready, unless its annotation says otherwise. */
const podReadyDelayMs = Number(process.env.ROLLGUARD_POD_READY_DELAY_MS ?? 1000);
export const nodeCount = 3;

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
    kubeApiserverPort: ports.kubeApiserver,
    bindAddress: host,
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
    const parsed = out.trim() ? (JSON.parse(out) as { items?: { spec?: { renewTime?: string } }[]; spec?: { renewTime?: string } }) : undefined;
    const leases = parsed?.items ?? (parsed ? [parsed] : []);
    return leases.map((lease) => Date.parse(lease.spec?.renewTime ?? '0') > since);
  };
  const nodes = await renewed(['-n', 'kube-node-lease']);
  const leaders = await renewed(['-n', 'kube-system', 'kube-scheduler', 'kube-controller-manager']);
  return nodes.length >= nodeCount && [...nodes, ...leaders].every(Boolean);
}

const apiserverReady = async (): Promise<boolean> =>
  (await kubectl(['get', '--raw', '/readyz'])).trim() === 'ok';

/**
 * A kwok cluster: a real kube-apiserver, kube-controller-manager and kube-scheduler over etcd, with
 * fake nodes whose pods kwok moves through their lifecycle. Created once, then stopped and started.
 */
export async function startKube(log = console.error): Promise<void> {
  const bins = await binaries();
  if (existsSync(kubeconfigPath) && (await apiserverReady().catch(() => false))) return;
  await mkdir(kwokWorkdir, { recursive: true });
  const started = Date.now();
  if (existsSync(join(clusterDir, 'kwok.yaml'))) {
    log('starting the kwok cluster');
    await kwokctl(bins.kwokctl, ['start', 'cluster', '--timeout', '2m', '--wait', '2m']);
  } else {
    log('creating the kwok cluster');
    const configFile = join(dataDir, 'kwokctl.yaml');
    await writeFile(configFile, await clusterConfig(bins.config));
    await kwokctl(bins.kwokctl, [
      'create', 'cluster', '--config', configFile, '--kubeconfig', kubeconfigPath, '--timeout', '3m', '--wait', '2m',
    ]);
    await kwokctl(bins.kwokctl, ['scale', 'node', '--replicas', String(nodeCount)]);
  }
  await waitFor('the kube-apiserver', apiserverReady, { timeoutMs: 120_000, hint: `see ${clusterDir}/logs` });
  await waitFor('kwok, the scheduler and the controller manager to hold their leases', () => leasesRenewedSince(started), {
    timeoutMs: 120_000,
    hint: `see ${clusterDir}/logs; a cluster created by an older rollguard may hold longer leases: \`npm run stack:down -- --purge\` creates it anew`,
  });
  await waitFor(`${nodeCount} Ready nodes`, async () => {
    const out = await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}']);
    return out.split(' ').filter((s) => s === 'True').length >= nodeCount;
  }, { timeoutMs: 120_000 });
}

export async function stopKube(): Promise<boolean> {
  if (!existsSync(join(clusterDir, 'kwok.yaml'))) return false;
  const bins = await binaries();
  await kwokctl(bins.kwokctl, ['stop', 'cluster']);
  return true;
}

/** Removes the cluster and its etcd data, so the next start creates it anew. */
export async function deleteKube(): Promise<void> {
  if (!existsSync(join(clusterDir, 'kwok.yaml'))) return;
  const bins = await binaries();
  await kwokctl(bins.kwokctl, ['delete', 'cluster', '--kubeconfig', kubeconfigPath]);
}
