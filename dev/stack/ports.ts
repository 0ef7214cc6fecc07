/**
 * Loopback ports of the local stack. Every port of every server is rollguard's choice, never a
 * server's own (kwokctl would pick the same free ports for two stacks created at the same moment),
 * and each one moves with its environment variable.
 */

export const host = '127.0.0.1';

/** The ports the stack uses unless told otherwise (docker-compose.yml publishes the same). */
export const defaultPorts = { temporal: 7233, temporalUi: 8233, prometheus: 9090, kubeApiserver: 6443 };

/**
 * The other servers of the Kubernetes cluster take the ports right above the kube-apiserver's
 * (6444-6448 by default), so moving ROLLGUARD_KUBE_APISERVER_PORT by more than this moves the
 * whole cluster clear of another stack's.
 */
export const kubeBlock = {
  etcd: 1,
  etcdPeer: 2,
  kubeControllerManager: 3,
  kubeScheduler: 4,
  kwokController: 5,
} as const;

export type PortName = keyof typeof defaultPorts | keyof typeof kubeBlock;
export type Ports = Record<PortName, number>;

/** What each port is for, and the variable that moves it. */
export const portOwners: Record<PortName, { server: string; variable: string }> = {
  temporal: { server: 'the Temporal dev server', variable: 'ROLLGUARD_TEMPORAL_PORT' },
  temporalUi: { server: 'the Temporal Web UI', variable: 'ROLLGUARD_TEMPORAL_UI_PORT' },
  prometheus: { server: 'Prometheus', variable: 'ROLLGUARD_PROMETHEUS_PORT' },
  kubeApiserver: { server: 'the kube-apiserver', variable: 'ROLLGUARD_KUBE_APISERVER_PORT' },
  etcd: { server: 'etcd', variable: 'ROLLGUARD_ETCD_PORT' },
  etcdPeer: { server: 'etcd, for its peers', variable: 'ROLLGUARD_ETCD_PEER_PORT' },
  kubeControllerManager: { server: 'the kube-controller-manager', variable: 'ROLLGUARD_KUBE_CONTROLLER_MANAGER_PORT' },
  kubeScheduler: { server: 'the kube-scheduler', variable: 'ROLLGUARD_KUBE_SCHEDULER_PORT' },
  kwokController: { server: 'the kwok controller', variable: 'ROLLGUARD_KWOK_CONTROLLER_PORT' },
};

const isPort = (value: number): boolean => Number.isInteger(value) && value >= 1 && value <= 65535;

/** The port a variable sets, or undefined when it is unset. */
function readPort(env: NodeJS.ProcessEnv, name: PortName): number | undefined {
  const { variable } = portOwners[name];
  const raw = env[variable];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!isPort(value)) throw new Error(`${variable}=${raw} is not a port number (1-65535)`);
  return value;
}

/** The stack's ports as the environment sets them; throws naming the variable of a bad one. */
export function portsFrom(env: NodeJS.ProcessEnv): Ports {
  const base = Object.fromEntries(
    Object.entries(defaultPorts).map(([name, fallback]) => [name, readPort(env, name as PortName) ?? fallback]),
  ) as typeof defaultPorts;
  const block = Object.fromEntries(
    Object.entries(kubeBlock).map(([name, offset]) => {
      const derived = base.kubeApiserver + offset;
      const chosen = readPort(env, name as PortName) ?? derived;
      if (!isPort(chosen)) {
        throw new Error(
          `ROLLGUARD_KUBE_APISERVER_PORT=${base.kubeApiserver} leaves no room for the cluster's ports above it ` +
            `(${portOwners[name as PortName].server} would get ${derived}); choose one below ${65536 - Math.max(...Object.values(kubeBlock))}`,
        );
      }
      return [name, chosen];
    }),
  ) as Record<keyof typeof kubeBlock, number>;
  return { ...base, ...block };
}

/** How a message names a port: its number, what it is for, and how to move it. */
export function describePort(name: PortName, port: number): string {
  const { server, variable } = portOwners[name];
  const derived = name in kubeBlock ? `, or ROLLGUARD_KUBE_APISERVER_PORT, which moves the cluster's block` : '';
  return `port ${port} of ${server} (move it with ${variable}${derived})`;
}

/** Ports the stack would give to two of its servers at once: one message per shared port. */
export function sharedPorts(chosen: Ports): string[] {
  const byPort = new Map<number, PortName[]>();
  for (const [name, port] of Object.entries(chosen) as [PortName, number][]) {
    byPort.set(port, [...(byPort.get(port) ?? []), name]);
  }
  return [...byPort.entries()]
    .filter(([, names]) => names.length > 1)
    .map(
      ([port, names]) =>
        `port ${port} is given to ${names.map((name) => `${portOwners[name].server} (${portOwners[name].variable})`).join(' and ')}`,
    );
}

export const ports: Ports = portsFrom(process.env);
