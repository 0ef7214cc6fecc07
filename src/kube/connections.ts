import type { Cluster, KubeConfig } from '@kubernetes/client-node';
import { createHash, type Hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

/** The kubeconfig's certificate files, as client-node names them: a cluster's CA, a user's certificate and key. */
const fileFields = [
  { list: 'clusters', file: 'caFile', data: 'caData' },
  { list: 'users', file: 'certFile', data: 'certData' },
  { list: 'users', file: 'keyFile', data: 'keyData' },
] as const;

type Entry = Record<string, unknown> & { name: string };

const reading = new WeakSet<KubeConfig>();

/**
 * Reads a kubeconfig's certificate files once, and again every `refreshMs`, instead of on every
 * request. client-node 2.0.1 reads them (the cluster's CA, a client certificate and key; in a pod, the
 * service account's ca.crt) with readFileSync for every API call: blocking file reads on the main
 * thread, about 3% of `rollguard run`'s main thread under load (docs/benchmarks.md). Each file's contents take
 * the place of its path in the config, as if the kubeconfig had them inline; a rotated file is picked up
 * within `refreshMs` (client-node re-reads a token file every 60 s too), and a new CA or certificate
 * means new connections (reuseConnections keys them by their TLS settings). A file that cannot be
 * read is left as a path, so each request fails with the error client-node gives for it.
 * Returns a function that stops the refreshing (the timer never holds a process open).
 */
export function readCredentialFilesOnce(config: KubeConfig, { refreshMs = 60_000 } = {}): () => void {
  if (reading.has(config)) return () => undefined;
  reading.add(config);
  // Which file each entry's data came from: the entries are replaced, so they are found by name.
  const sources = new Map<string, string>();
  const key = (list: string, name: string, data: string): string => `${list}\0${name}\0${data}`;
  const inline = (): void => {
    for (const { list, file, data } of fileFields) {
      const entries = config[list] as unknown as Entry[];
      entries.forEach((entry, i) => {
        const path = (entry[file] as string | undefined) ?? sources.get(key(list, entry.name, data));
        if (!path) return;
        let contents: string;
        try {
          contents = readFileSync(path).toString('base64');
        } catch {
          return;
        }
        sources.set(key(list, entry.name, data), path);
        if (entry[data] === contents && entry[file] === undefined) return;
        const { [file]: _path, ...rest } = entry;
        entries[i] = { ...rest, [data]: contents };
      });
    }
  };
  const namesFile = fileFields.some(({ list, file }) =>
    (config[list] as unknown as Entry[]).some((entry) => entry[file] !== undefined),
  );
  inline();
  // A file unreadable now is tried again at each refresh, like a rotated one.
  if (!namesFile) return () => undefined;
  const timer = setInterval(inline, refreshMs);
  timer.unref();
  return () => clearInterval(timer);
}
