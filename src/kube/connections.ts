import type { Cluster, KubeConfig } from '@kubernetes/client-node';
import { createHash, type Hash } from 'node:crypto';
import type { AgentOptions } from 'node:https';

interface Dispatcher {
  close(): Promise<void>;
}

/** What client-node's KubeConfig does per request, at runtime (TypeScript calls it private). */
interface DispatcherFactory {
  createDispatcher(cluster: Cluster | null, agentOptions: AgentOptions): Dispatcher | undefined;
}

/** Feeds a value to a hash: certificates and keys as their bytes (JSON would spell every byte out). */
function digest(value: unknown, hash: Hash): void {
  if (value instanceof Uint8Array) hash.update(value);
  else if (Array.isArray(value)) for (const item of value) digest(item, hash);
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      hash.update(key);
      digest(item, hash);
    }
  else hash.update(String(value));
  hash.update('\0');
}

const reusing = new WeakSet<KubeConfig>();
const keptDispatchers = 8;

/**
 * Makes a KubeConfig's requests share their connections. client-node 2.0.1 builds a new undici Agent
 * for every request, so every API call opened a new TLS connection: under load, TLS set-up was the
 * largest share of rollguard's CPU (and of the API server's). Requests with the same TLS settings
 * (cluster, CA, client certificate) now share one Agent, which keeps its connections alive; new
 * settings (a rotated certificate) get a new one, and the oldest of more than 8 is closed.
 */
export function reuseConnections(config: KubeConfig): KubeConfig {
  if (reusing.has(config)) return config;
  reusing.add(config);
  const factory = config as unknown as DispatcherFactory;
  const create = factory.createDispatcher.bind(config);
  const dispatchers = new Map<string, Dispatcher | undefined>();
  factory.createDispatcher = (cluster, agentOptions) => {
    const hash = createHash('sha256');
    digest(config.createDispatcherOptions(cluster, agentOptions), hash);
    const key = hash.digest('hex');
    if (!dispatchers.has(key)) {
      dispatchers.set(key, create(cluster, agentOptions));
      if (dispatchers.size > keptDispatchers) {
        const [oldest, dispatcher] = dispatchers.entries().next().value!;
        dispatchers.delete(oldest);
        void dispatcher?.close().catch(() => undefined);
      }
    }
    return dispatchers.get(key);
  };
  return config;
}
