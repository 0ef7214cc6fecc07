import { existsSync, readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { basename, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { canSeeListeners, commandLine, describeHolders, holdsPort, portHolders } from './listeners.ts';
import { host } from './ports.ts';
import { isAlive } from './process.ts';

/**
 * The servers of the kwok cluster as kwokctl recorded them when it created the cluster (etcd,
 * kube-apiserver, kube-controller-manager, kube-scheduler, kwok-controller), and whether each one
 * running now is this stack's own: the process kwokctl started holds its ports and answers, and the
 * kube-apiserver talks to this cluster's etcd.
 */
export interface KubeComponent {
  name: string;
  binary: string;
  args: string[];
  /** Named as kwokctl names them: "http", "https", "peer-http". */
  ports: { name: string; port: number }[];
}

interface SavedConfig {
  kind?: string;
  options?: Record<string, unknown>;
  components?: { name?: string; binary?: string; args?: string[]; ports?: { name?: string; port?: number }[] }[];
}

/** The kwokctl configuration saved in the cluster's kwok.yaml (one of several YAML documents). */
export function savedKwokctlConfig(text: string): SavedConfig {
  const config = parseAllDocuments(text)
    .map((doc) => doc.toJS() as SavedConfig | null)
    .find((doc) => doc?.kind === 'KwokctlConfiguration');
  if (!config) throw new Error("no KwokctlConfiguration in the cluster's kwok.yaml");
  return config;
}

export function recordedComponents(config: SavedConfig): KubeComponent[] {
  return (config.components ?? []).map((component) => ({
    name: component.name ?? '(unnamed)',
    binary: component.binary ?? '',
    args: component.args ?? [],
    ports: (component.ports ?? []).flatMap(({ name = '', port }) => (port ? [{ name, port }] : [])),
  }));
}

/** The port of `--etcd-servers=http://127.0.0.1:2379` in a kube-apiserver's arguments. */
export function etcdPortOf(args: string[]): number | undefined {
  const servers = args.find((arg) => arg.startsWith('--etcd-servers='))?.slice('--etcd-servers='.length);
  const port = Number(servers?.split(',')[0]?.split(':').at(-1));
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/** What was found about one component. */
export interface ComponentState {
  name: string;
  log: string;
  /** The pid kwokctl recorded, when that process runs. */
  pid: number | undefined;
  ports: { port: number; held: boolean; heldBy?: string }[];
  /** Its health endpoint answered ok (undefined: it has none we know). */
  answers: boolean | undefined;
  /** For the kube-apiserver: the etcd port its running command line names. */
  etcdPort?: number | undefined;
}

export interface Problem {
  component: string;
  message: string;
  /** Waiting will not fix it (the process exited, another holds its port, the wrong etcd). */
  settled: boolean;
}

/** What is wrong with a cluster's components, given what was found; empty when all are ours and answer. */
export function componentProblems(states: ComponentState[], etcdPort: number | undefined): Problem[] {
  return states.flatMap((state): Problem[] => {
    const problem = (message: string, settled: boolean): Problem => ({
      component: state.name,
      message: `${state.name} ${message}`,
      settled,
    });
    if (state.pid === undefined) return [problem(`is not running; see ${state.log}`, true)];
    const found: Problem[] = [];
    for (const { port, held, heldBy } of state.ports) {
      if (heldBy)
        found.push(
          problem(`(pid ${state.pid}) does not hold its port ${port}: ${heldBy} does; see ${state.log}`, true),
        );
      else if (!held) found.push(problem(`(pid ${state.pid}) does not listen on its port ${port} yet`, false));
    }
    if (state.name === 'kube-apiserver' && state.etcdPort !== etcdPort) {
      found.push(
        problem(
          `(pid ${state.pid}) uses the etcd at port ${state.etcdPort ?? '(none)'}, not this cluster's at ${etcdPort ?? '(none)'}`,
          true,
        ),
      );
    }
    if (found.length === 0 && state.answers === false)
      found.push(problem(`(pid ${state.pid}) does not answer its health check yet`, false));
    return found;
  });
}

/** The health endpoint of each component we know, on its port of that scheme. */
const healthPaths: Record<string, { path: string; portName: 'http' | 'https' }> = {
  etcd: { path: '/health', portName: 'http' },
  'kube-apiserver': { path: '/readyz', portName: 'https' },
  'kube-controller-manager': { path: '/healthz', portName: 'https' },
  'kube-scheduler': { path: '/healthz', portName: 'https' },
  'kwok-controller': { path: '/healthz', portName: 'http' },
};

/** A 2xx answer; TLS is not verified (the servers' own certificates), since who answers is checked by pid. */
function answersOk(url: string): Promise<boolean> {
  const get = url.startsWith('https:') ? httpsGet : httpGet;
  return new Promise((resolve) => {
    const req = get(url, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** kwokctl's pid and log files are named after the binary: pids/kube-apiserver.pid. */
export function recordedPid(clusterDir: string, component: KubeComponent): number | undefined {
  const file = join(clusterDir, 'pids', `${basename(component.binary)}.pid`);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

export const componentLog = (clusterDir: string, component: KubeComponent): string =>
  join(clusterDir, 'logs', `${basename(component.binary)}.log`);

async function stateOf(clusterDir: string, component: KubeComponent): Promise<ComponentState> {
  const pid = recordedPid(clusterDir, component);
  const state: ComponentState = {
    name: component.name,
    log: componentLog(clusterDir, component),
    pid,
    ports: [],
    answers: undefined,
  };
  if (pid === undefined) return state;
  // Without /proc (not Linux) who holds a port cannot be seen; health and the etcd port are still checked.
  const visible = canSeeListeners();
  state.ports = await Promise.all(
    component.ports.map(async ({ port }) => {
      if (!visible || (await holdsPort(pid, port))) return { port, held: true };
      const others = (await portHolders(port)).filter((holder) => holder !== pid);
      return others.length > 0 ? { port, held: false, heldBy: await describeHolders(port) } : { port, held: false };
    }),
  );
  const health = healthPaths[component.name];
  const port = component.ports.find((p) => p.name === health?.portName)?.port;
  if (health && port) state.answers = await answersOk(`${health.portName}://${host}:${port}${health.path}`);
  if (component.name === 'kube-apiserver') {
    const running = await commandLine(pid);
    state.etcdPort = etcdPortOf(running.length > 0 ? running : component.args);
  }
  return state;
}

/** Finds, for every recorded component, whether it runs, holds its ports and answers. */
export async function inspectComponents(clusterDir: string, components: KubeComponent[]): Promise<Problem[]> {
  const states = await Promise.all(components.map((component) => stateOf(clusterDir, component)));
  const etcdPort = components.find((c) => c.name === 'etcd')?.ports.find((p) => p.name === 'http')?.port;
  return componentProblems(states, etcdPort);
}
