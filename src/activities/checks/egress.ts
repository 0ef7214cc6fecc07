import { lookup } from 'node:dns/promises';
import {
  controlPlaneHost,
  decideEgress,
  egressPolicy,
  parseIp,
  type EgressPolicy,
} from '../../domain/health/egress.ts';

/** The operator's egress settings for checks (see docs/check-egress.md). */
export interface EgressConfig {
  /** ROLLGUARD_CHECK_ALLOW: ranges, addresses and hosts checks may reach besides the defaults. */
  allow?: string;
  /** The Kubernetes API server and Temporal, as URLs or host:port. */
  controlPlane?: string[];
  /** The cluster's DNS domain (default cluster.local). */
  clusterDomain?: string;
}

/** The address a request must connect to: the one the policy checked, so DNS cannot change it in between. */
export interface PinnedAddress {
  address: string;
  family: 4 | 6;
}

export type Admission =
  | { ok: true; pin: PinnedAddress }
  | { ok: false; refused: true; reason: string }
  | { ok: false; refused: false; error: unknown };

export interface EgressGuard {
  /** Resolves the URL's host and decides whether a check may connect to it. */
  admit(url: string, options?: { pod?: boolean; signal?: AbortSignal }): Promise<Admission>;
}

export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: true });

/** How long resolved control-plane addresses are reused before they are looked up again. */
const controlPlaneTtlMs = 60_000;

const abortable = <T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> => {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void =>
      reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
};

/**
 * The policy where requests are made: every address a host resolves to is judged, and the request
 * then connects to the judged address (see transport.ts), so a DNS answer that changes between the
 * check and the connection (rebinding) cannot reach a forbidden address. Throws at construction on
 * an allow list it cannot read, so a typo stops rollguard at start rather than opening or closing
 * more than meant.
 */
export function createEgressGuard(
  config: EgressConfig,
  { resolve = systemResolve }: { resolve?: Resolve } = {},
): EgressGuard {
  const base = egressPolicy({
    ...(config.allow ? { allow: config.allow } : {}),
    ...(config.controlPlane ? { controlPlane: config.controlPlane } : {}),
    ...(config.clusterDomain ? { clusterDomain: config.clusterDomain } : {}),
  });
  let controlPlane: { at: number; addresses: Promise<string[]> } | undefined;

  // The control plane named by host name is also refused by the addresses that name resolves to.
  function controlPlaneAddresses(): Promise<string[]> {
    const now = Date.now();
    if (!controlPlane || now - controlPlane.at > controlPlaneTtlMs) {
      const names = base.controlPlane.filter((host) => !parseIp(host));
      const addresses = Promise.all(
        names.map((name) =>
          resolve(name).then(
            (found) => found.map((a) => a.address),
            () => [],
          ),
        ),
      );
      controlPlane = { at: now, addresses: addresses.then((lists) => lists.flat()) };
    }
    return controlPlane.addresses;
  }

  async function admit(url: string, { pod, signal }: { pod?: boolean; signal?: AbortSignal } = {}): Promise<Admission> {
    let target: URL;
    try {
      target = new URL(url);
    } catch (err) {
      return { ok: false, refused: false, error: err };
    }
    const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
    let found: { address: string; family: number }[];
    try {
      found = parseIp(host)
        ? [{ address: host, family: host.includes(':') ? 6 : 4 }]
        : await abortable(resolve(host), signal);
    } catch (err) {
      return { ok: false, refused: false, error: err };
    }
    const policy: EgressPolicy = { ...base, controlPlane: [...base.controlPlane, ...(await controlPlaneAddresses())] };
    const decision = decideEgress(policy, {
      host,
      port,
      addresses: found.map((a) => a.address),
      ...(pod ? { pod } : {}),
    });
    if (!decision.allowed) return { ok: false, refused: true, reason: decision.reason };
    const first = found[0] as { address: string; family: number };
    return { ok: true, pin: { address: first.address, family: first.family === 6 ? 6 : 4 } };
  }

  return { admit };
}

/** The control plane as rollguard knows it: the API server of its kubeconfig, and its Temporal address. */
export const controlPlaneOf = (...addresses: (string | undefined)[]): string[] =>
  addresses.filter((a): a is string => typeof a === 'string' && controlPlaneHost(a) !== '');
