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

/**
 * The cluster profile's Temporal services (gRPC and membership each; the frontend's gRPC port is
 * ROLLGUARD_TEMPORAL_PORT itself, so every client works unchanged) and its PostgreSQL take the ports
 * right above the frontend's (7234-7241 by default): moving ROLLGUARD_TEMPORAL_PORT by more than this
 * moves them all clear of another stack's.
 */
export const temporalBlock = {
  temporalFrontendMembership: 1,
  temporalHistory: 2,
  temporalHistoryMembership: 3,
  temporalMatching: 4,
  temporalMatchingMembership: 5,
  temporalWorker: 6,
  temporalWorkerMembership: 7,
  postgres: 8,
} as const;

/** Each block of ports and the port it sits above. */
const blocks = [
  { base: 'kubeApiserver', offsets: kubeBlock, what: "the cluster's" },
  { base: 'temporal', offsets: temporalBlock, what: "Temporal's" },
] as const;

export type PortName = keyof typeof defaultPorts | keyof typeof kubeBlock | keyof typeof temporalBlock;
export type Ports = Record<PortName, number>;

/** The ports a profile of the stack listens on (dev/stack/profile.ts): the cluster profile adds Temporal's block. */
export const profilePortNames = {
  dev: [...Object.keys(defaultPorts), ...Object.keys(kubeBlock)] as PortName[],
  cluster: [...Object.keys(defaultPorts), ...Object.keys(kubeBlock), ...Object.keys(temporalBlock)] as PortName[],
};

/** What each port is for, and the variable that moves it. */
export const portOwners: Record<PortName, { server: string; variable: string }> = {
  temporal: { server: 'the Temporal server', variable: 'ROLLGUARD_TEMPORAL_PORT' },
  temporalUi: { server: 'the Temporal Web UI', variable: 'ROLLGUARD_TEMPORAL_UI_PORT' },
  prometheus: { server: 'Prometheus', variable: 'ROLLGUARD_PROMETHEUS_PORT' },
  kubeApiserver: { server: 'the kube-apiserver', variable: 'ROLLGUARD_KUBE_APISERVER_PORT' },
  etcd: { server: 'etcd', variable: 'ROLLGUARD_ETCD_PORT' },
  etcdPeer: { server: 'etcd, for its peers', variable: 'ROLLGUARD_ETCD_PEER_PORT' },
  kubeControllerManager: { server: 'the kube-controller-manager', variable: 'ROLLGUARD_KUBE_CONTROLLER_MANAGER_PORT' },
  kubeScheduler: { server: 'the kube-scheduler', variable: 'ROLLGUARD_KUBE_SCHEDULER_PORT' },
  kwokController: { server: 'the kwok controller', variable: 'ROLLGUARD_KWOK_CONTROLLER_PORT' },
  temporalFrontendMembership: {
    server: "Temporal's frontend, for its membership",
    variable: 'ROLLGUARD_TEMPORAL_FRONTEND_MEMBERSHIP_PORT',
  },
  temporalHistory: { server: "Temporal's history service", variable: 'ROLLGUARD_TEMPORAL_HISTORY_PORT' },
  temporalHistoryMembership: {
    server: "Temporal's history service, for its membership",
    variable: 'ROLLGUARD_TEMPORAL_HISTORY_MEMBERSHIP_PORT',
  },
  temporalMatching: { server: "Temporal's matching service", variable: 'ROLLGUARD_TEMPORAL_MATCHING_PORT' },
  temporalMatchingMembership: {
    server: "Temporal's matching service, for its membership",
    variable: 'ROLLGUARD_TEMPORAL_MATCHING_MEMBERSHIP_PORT',
  },
  temporalWorker: { server: "Temporal's worker service", variable: 'ROLLGUARD_TEMPORAL_WORKER_PORT' },
  temporalWorkerMembership: {
    server: "Temporal's worker service, for its membership",
    variable: 'ROLLGUARD_TEMPORAL_WORKER_MEMBERSHIP_PORT',
  },
  postgres: { server: "Temporal's PostgreSQL", variable: 'ROLLGUARD_POSTGRES_PORT' },
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
  const blockPorts = blocks.flatMap(({ base: baseName, offsets, what }) =>
    Object.entries(offsets).map(([name, offset]) => {
      const derived = base[baseName] + offset;
      const chosen = readPort(env, name as PortName) ?? derived;
      if (!isPort(chosen)) {
        throw new Error(
          `${portOwners[baseName].variable}=${base[baseName]} leaves no room for ${what} ports above it ` +
            `(${portOwners[name as PortName].server} would get ${derived}); choose one below ${65536 - Math.max(...Object.values(offsets))}`,
        );
      }
      return [name, chosen];
    }),
  );
  return { ...base, ...Object.fromEntries(blockPorts) } as Ports;
}

/** How a message names a port: its number, what it is for, and how to move it. */
export function describePort(name: PortName, port: number): string {
  const { server, variable } = portOwners[name];
  const block = blocks.find(({ offsets }) => name in offsets);
  const derived = block ? `, or ${portOwners[block.base].variable}, which moves ${block.what} block` : '';
  return `port ${port} of ${server} (move it with ${variable}${derived})`;
}

/** Ports a profile of the stack would give to two of its servers at once: one message per shared port. */
export function sharedPorts(chosen: Ports, profile: keyof typeof profilePortNames = 'dev'): string[] {
  const byPort = new Map<number, PortName[]>();
  for (const name of profilePortNames[profile]) {
    const port = chosen[name];
    byPort.set(port, [...(byPort.get(port) ?? []), name]);
  }
  return [...byPort.entries()]
    .filter(([, names]) => names.length > 1)
    .map(
      ([port, names]) =>
        `port ${port} is given to ${names.map((name) => `${portOwners[name].server} (${portOwners[name].variable})`).join(' and ')}`,
    );
}

/**
 * Temporal keeps each service's membership port in PostgreSQL as a SMALLINT (cluster_membership.rpc_port):
 * one above 32767 stops the service at start. One message per such port, naming how to move it.
 */
export function membershipPortsTooHigh(chosen: Ports): string[] {
  const membership: PortName[] = [
    'temporalFrontendMembership',
    'temporalHistoryMembership',
    'temporalMatchingMembership',
    'temporalWorkerMembership',
  ];
  return membership
    .filter((name) => chosen[name] > 32767)
    .map(
      (name) => `${describePort(name, chosen[name])} is above 32767, which Temporal's PostgreSQL schema cannot store`,
    );
}

export const ports: Ports = portsFrom(process.env);
