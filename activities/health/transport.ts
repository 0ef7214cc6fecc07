import http from 'node:http';
import https from 'node:https';

/** What a probe needs of a response: the status and the body as chunks. */
export interface ProbeResponse {
  status: number;
  /** Leaving the iteration early (return, break) drops the connection instead of draining it. */
  body: AsyncIterable<Uint8Array>;
}

/** One GET, no redirects followed (a 3xx is an answer), aborted by `signal`. */
export type ProbeTransport = (url: string, signal: AbortSignal) => Promise<ProbeResponse>;

const headers = { 'user-agent': 'rollguard-health-probe' };

// Keep-alive, so the next round reuses a pod's connection; idle ones close after 30 s so that pods
// that went away hold no sockets. No per-origin limit: the gate's concurrency bound is the limit.
const agentOptions = { keepAlive: true, timeout: 30_000 };
const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

/**
 * node:http(s): the default. It costs about two thirds of the CPU per probe of the global fetch
 * (undici), and CPU is what bounds the fan-out on a small machine (see docs/benchmarks.md).
 */
export const nodeTransport: ProbeTransport = (url, signal) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const [client, agent] = target.protocol === 'https:' ? [https, agents.https] : [http, agents.http];
    const req = client.get(target, { agent, signal, headers }, (res) => resolve({ status: res.statusCode ?? 0, body: res }));
    req.once('error', reject);
  });

const noBody: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} };

/** The global fetch (or another), for callers that need its behaviour, e.g. a proxy set on its dispatcher. */
export function fetchTransport(fetchFn: typeof fetch = globalThis.fetch): ProbeTransport {
  return async (url, signal) => {
    const res = await fetchFn(url, { signal, redirect: 'manual', headers });
    return { status: res.status, body: res.body ?? noBody };
  };
}
