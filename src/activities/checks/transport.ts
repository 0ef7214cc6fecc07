import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { PinnedAddress } from './egress.ts';

/** What a probe needs of a response: the status and the body as chunks. */
export interface ProbeResponse {
  status: number;
  /** Leaving the iteration early (return, break) drops the connection instead of draining it. */
  body: AsyncIterable<Uint8Array>;
}

/**
 * One GET, no redirects followed (a 3xx is an answer, so a redirect can never lead a check past the
 * egress policy), aborted by `signal`. With `pin`, the connection goes to that address whatever DNS
 * answers now: the address the egress policy judged.
 */
export type ProbeTransport = (
  url: string,
  signal: AbortSignal,
  pin?: PinnedAddress,
  headers?: Record<string, string>,
) => Promise<ProbeResponse>;

const userAgent = 'rollguard-health-probe';

// Keep-alive, so the next round reuses a pod's connection; idle ones close after 30 s so that pods
// that went away hold no sockets. No per-origin limit: the gate's concurrency bound is the limit.
const agentOptions = { keepAlive: true, timeout: 30_000 };
const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

/** A lookup that answers with the pinned address, in both the single and the `all` form net.connect asks for. */
const pinnedLookup = (pin: PinnedAddress): LookupFunction =>
  ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: pin.address, family: pin.family }]);
    else callback(null, pin.address, pin.family);
  }) as LookupFunction;

export interface RequestOptions {
  signal: AbortSignal;
  method?: 'GET' | 'POST';
  /** A form body (POST). */
  form?: URLSearchParams;
  pin?: PinnedAddress;
  /** The check's own headers; rollguard's user-agent unless they name one, and the body's headers always. */
  headers?: Record<string, string>;
}

/** The request's headers: the check's, under rollguard's defaults, with the body's framing set by rollguard. */
function requestHeaders(extra: Record<string, string> | undefined, body: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': userAgent };
  for (const [name, value] of Object.entries(extra ?? {})) headers[name.toLowerCase()] = value;
  if (body !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return headers;
}

/**
 * One request over node:http(s), never following redirects. Credentials in the URL (user:password@)
 * are dropped rather than sent as Basic auth: the API refuses them, and a Release stored before it
 * did must not make rollguard send them.
 */
export function nodeRequest(
  url: string,
  { signal, method = 'GET', form, pin, headers: extra }: RequestOptions,
): Promise<ProbeResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    target.username = '';
    target.password = '';
    const [client, agent] = target.protocol === 'https:' ? [https, agents.https] : [http, agents.http];
    const body = form?.toString();
    const headers = requestHeaders(extra, body);
    const req = client.request(
      target,
      { method, agent, signal, headers, ...(pin ? { lookup: pinnedLookup(pin) } : {}) },
      (res) => resolve({ status: res.statusCode ?? 0, body: res }),
    );
    req.once('error', reject);
    req.end(body);
  });
}

/**
 * node:http(s): the default. It costs about two thirds of the CPU per probe of the global fetch
 * (undici), and CPU is what bounds the fan-out on a small machine (see docs/benchmarks.md).
 */
export const nodeTransport: ProbeTransport = (url, signal, pin, headers) =>
  nodeRequest(url, { signal, ...(pin ? { pin } : {}), ...(headers ? { headers } : {}) });

const noBody: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} };

/**
 * The global fetch (or another), for callers that need its behaviour, e.g. a proxy set on its
 * dispatcher. It cannot connect to a pinned address, so it refuses a pinned request for a host name
 * rather than let DNS pick another address than the one the egress policy judged.
 */
export function fetchTransport(fetchFn: typeof fetch = globalThis.fetch): ProbeTransport {
  return async (url, signal, pin, headers) => {
    const target = new URL(url);
    if (pin && target.hostname.replace(/^\[(.*)\]$/, '$1') !== pin.address) {
      throw new Error(
        'the fetch transport cannot connect to the address the egress policy checked; use the node:http transport',
      );
    }
    target.username = '';
    target.password = '';
    const res = await fetchFn(target, { signal, redirect: 'manual', headers: requestHeaders(headers, undefined) });
    return { status: res.status, body: res.body ?? noBody };
  };
}
