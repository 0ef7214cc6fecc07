/** Loopback ports of the local stack; each can be moved with its environment variable. */
function port(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${variable}=${raw} is not a port number (1-65535)`);
  }
  return value;
}

export const host = '127.0.0.1';

/** The ports the stack uses unless told otherwise (docker-compose.yml publishes the same). */
export const defaultPorts = { temporal: 7233, temporalUi: 8233, prometheus: 9090, kubeApiserver: 6443 };

export const ports = {
  temporal: port('ROLLGUARD_TEMPORAL_PORT', defaultPorts.temporal),
  temporalUi: port('ROLLGUARD_TEMPORAL_UI_PORT', defaultPorts.temporalUi),
  prometheus: port('ROLLGUARD_PROMETHEUS_PORT', defaultPorts.prometheus),
  kubeApiserver: port('ROLLGUARD_KUBE_APISERVER_PORT', defaultPorts.kubeApiserver),
};
