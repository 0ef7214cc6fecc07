/**
 * Where health checks may send requests: the operator's egress policy, as pure decisions on a host,
 * a port and the addresses it resolved to (the caller resolves and connects; see
 * src/activities/checks/egress.ts). Release authors write check URLs, so without a policy rollguard would
 * reach anything its worker can: the cloud metadata address, the Kubernetes API, Temporal.
 */

/** How the operator configures it (ROLLGUARD_CHECK_ALLOW), and where to read about it in a refusal. */
export const egressSetting = 'ROLLGUARD_CHECK_ALLOW';
const docs = 'docs/check-egress.md';

interface Ip {
  family: 4 | 6;
  value: bigint;
}

interface Cidr extends Ip {
  bits: number;
  text: string;
}

/** One entry of the allow list: an address range, or a host name or address named exactly, maybe with a port. */
export type AllowEntry =
  { kind: 'cidr'; cidr: Cidr; text: string } | { kind: 'host'; host: string; port?: number; text: string };

export interface EgressPolicy {
  allow: AllowEntry[];
  /** Host names and addresses of the control plane (Kubernetes API server, Temporal): denied unless an entry names them exactly. */
  controlPlane: string[];
  /** The cluster's DNS domain; Service names end in .svc or .svc.<clusterDomain>. */
  clusterDomain: string;
}

export interface EgressRequest {
  /** The URL's host name or address (IPv6 without brackets). */
  host: string;
  port: number;
  /** Every address the host resolved to; the host itself when it is an address. */
  addresses: string[];
  /** The host is a pod IP of the revision being analysed (a per-pod check). */
  pod?: boolean;
}

export type EgressDecision = { allowed: true } | { allowed: false; reason: string };

// ---- addresses ----

const bitsOf = (family: 4 | 6): number => (family === 4 ? 32 : 128);

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

function parseIpv6(text: string): bigint | undefined {
  let rest = text.replace(/%.*$/, '').toLowerCase();
  let tail: bigint[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(rest);
  if (dotted) {
    const v4 = parseIpv4(dotted[1] as string);
    if (v4 === undefined) return undefined;
    tail = [v4 >> 16n, v4 & 0xffffn];
    rest = rest.slice(0, dotted.index);
    if (!rest.endsWith(':')) return undefined;
    if (!rest.endsWith('::')) rest = rest.slice(0, -1);
  }
  const halves = rest.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined): bigint[] | undefined => {
    if (!half) return [];
    const parts = half.split(':');
    if (!parts.every((p) => /^[0-9a-f]{1,4}$/.test(p))) return undefined;
    return parts.map((p) => BigInt(parseInt(p, 16)));
  };
  const head = groups(halves[0]);
  const back = groups(halves[1]);
  if (!head || !back) return undefined;
  const known = head.length + back.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  const all = [...head, ...Array<bigint>(8 - known).fill(0n), ...back, ...tail];
  return all.reduce((value, group) => (value << 16n) | group, 0n);
}

const mappedPrefix = 0xffffn << 32n;
const nat64Prefix = 0x64ff9bn << 96n;

/**
 * An address in one canonical form. IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) IPv6
 * addresses reach an IPv4 address, so they are judged as that address.
 */
export function parseIp(text: string): Ip | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  if (!text.includes(':')) return undefined;
  const v6 = parseIpv6(text);
  if (v6 === undefined) return undefined;
  const high = v6 >> 32n;
  if (high === mappedPrefix >> 32n || high === nat64Prefix >> 32n) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

function parseCidr(text: string): Cidr | undefined {
  const [address, prefix, extra] = text.split('/');
  if (extra !== undefined || address === undefined) return undefined;
  const ip = parseIp(address);
  if (!ip) return undefined;
  // A mapped IPv6 range is judged in IPv4 terms, like the addresses it contains.
  const mapped = ip.family === 4 && address.includes(':');
  const max = bitsOf(ip.family);
  const bits = prefix === undefined ? max : /^\d{1,3}$/.test(prefix) ? Number(prefix) - (mapped ? 96 : 0) : Number.NaN;
  if (!(bits >= 0 && bits <= max)) return undefined;
  const host = (1n << BigInt(max - bits)) - 1n;
  return { ...ip, value: ip.value & ~host, bits, text };
}

function contains(range: Cidr, ip: Ip): boolean {
  if (range.family !== ip.family) return false;
  const shift = BigInt(bitsOf(ip.family) - range.bits);
  return ip.value >> shift === range.value >> shift;
}

/** One range lies inside another: an allow entry opens a special range only when it is no wider than it. */
const within = (inner: Cidr, outer: Cidr): boolean => inner.bits >= outer.bits && contains(outer, inner);

const special: { range: Cidr; what: string }[] = [
  ['127.0.0.0/8', 'loopback'],
  ['0.0.0.0/8', 'an unspecified address (it reaches the worker itself)'],
  ['169.254.0.0/16', 'link-local (the cloud metadata service lives at 169.254.169.254)'],
  ['::1/128', 'loopback'],
  ['::/128', 'an unspecified address (it reaches the worker itself)'],
  ['fe80::/10', 'link-local'],
].map(([text, what]) => ({ range: parseCidr(text as string) as Cidr, what: what as string }));

// ---- configuration ----

const hostPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\.?$/;

/** Splits "host:port", "[v6]:port", "v4:port" into host and port; bare IPv6 addresses and CIDRs keep their colons. */
function splitPort(entry: string): { host: string; port?: number } | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1] as string, ...(bracketed[2] ? { port: Number(bracketed[2]) } : {}) };
  const colons = entry.split(':').length - 1;
  if (colons !== 1) return { host: entry };
  const [host, port] = entry.split(':') as [string, string];
  return /^\d+$/.test(port) ? { host, port: Number(port) } : undefined;
}

/**
 * Parses the allow list: comma- or space-separated entries, each an address range ("10.0.0.0/8",
 * "fd00::/8"), an address ("10.1.2.3", "[fd00::1]:9090") or a host name ("prom.example:9090"), a
 * port limiting the entry to that port. Throws naming the entry it cannot read.
 */
export function parseAllowList(text: string | undefined): AllowEntry[] {
  const entries = (text ?? '').split(/[\s,]+/).filter(Boolean);
  return entries.map((raw) => {
    const entry = raw.toLowerCase();
    if (entry.includes('/')) {
      const cidr = parseCidr(entry);
      if (!cidr)
        throw new Error(`${egressSetting}: "${raw}" is not an address range (write e.g. 10.0.0.0/8 or fd00::/8)`);
      return { kind: 'cidr', cidr, text: raw };
    }
    const split = splitPort(entry);
    const port = split?.port;
    if (!split || (port !== undefined && !(port >= 1 && port <= 65535))) {
      throw new Error(
        `${egressSetting}: "${raw}" is not a host, address or range (write e.g. prom.example:9090, 10.1.2.3 or 10.0.0.0/8)`,
      );
    }
    const ip = parseIp(split.host);
    if (ip && port === undefined)
      return { kind: 'cidr', cidr: { ...ip, bits: bitsOf(ip.family), text: raw }, text: raw };
    if (!ip && !hostPattern.test(split.host)) {
      throw new Error(
        `${egressSetting}: "${raw}" is not a host, address or range (write e.g. prom.example:9090, 10.1.2.3 or 10.0.0.0/8)`,
      );
    }
    return { kind: 'host', host: canonicalHost(split.host), ...(port !== undefined ? { port } : {}), text: raw };
  });
}

/** Host names compare without case and trailing dot; addresses in their canonical form. */
function canonicalHost(host: string): string {
  const bare = host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  const ip = parseIp(bare);
  return ip ? `${ip.family}/${ip.value}` : bare;
}

/** A policy from the operator's settings; the control plane given as hosts, addresses or URLs. */
export function egressPolicy({
  allow,
  controlPlane = [],
  clusterDomain = 'cluster.local',
}: {
  allow?: string;
  controlPlane?: string[];
  clusterDomain?: string;
}): EgressPolicy {
  return {
    allow: parseAllowList(allow),
    controlPlane: controlPlane.map(controlPlaneHost).filter(Boolean),
    clusterDomain: clusterDomain.replace(/^\.|\.$/g, '').toLowerCase(),
  };
}

/** "https://10.0.0.1:6443", "temporal.example:7233", "127.0.0.1:7233" → the host. */
export function controlPlaneHost(address: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `tcp://${address}`;
  try {
    return new URL(withScheme).hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  } catch {
    return '';
  }
}

// ---- decisions ----

/** An in-cluster Service name: one label ("web"), or ending in .svc or .svc.<cluster domain>. */
export function isServiceName(host: string, clusterDomain: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (parseIp(name) || !hostPattern.test(name)) return false;
  return !name.includes('.') || name.endsWith('.svc') || name.endsWith(`.svc.${clusterDomain}`);
}

const portMatches = (entry: AllowEntry, port: number): boolean =>
  entry.kind === 'cidr' || entry.port === undefined || entry.port === port;

/** The entries that name the host itself, or this address exactly. */
function namedExactly(policy: EgressPolicy, host: string, ip: Ip, port: number): AllowEntry | undefined {
  const hostKey = canonicalHost(host);
  const ipKey = `${ip.family}/${ip.value}`;
  return policy.allow.find(
    (e) =>
      portMatches(e, port) &&
      (e.kind === 'host'
        ? e.host === hostKey || e.host === ipKey
        : e.cidr.bits === bitsOf(e.cidr.family) && contains(e.cidr, ip)),
  );
}

const refusal = (target: string, why: string, allowWith: string): EgressDecision => ({
  allowed: false,
  reason:
    `refused by rollguard's check egress policy: ${target} ${why}; ` +
    `if this check really needs it, the operator can allow it with ${egressSetting}=${allowWith} on the rollguard worker (${docs})`,
});

/**
 * Decides one request. Every address the host resolved to must be allowed, so a name that resolves to
 * one allowed and one forbidden address is refused. Per address, first match wins:
 * 1. the control plane is refused unless an entry names it exactly (its address, or its host name);
 * 2. loopback, link-local and unspecified addresses are refused unless an entry names the host or
 *    an address range inside that special range (a broad 0.0.0.0/0 does not open them);
 * 3. an entry covering the address or naming the host allows it;
 * 4. the revision's own pods and in-cluster Service names are allowed by default;
 * 5. anything else is refused.
 */
export function decideEgress(policy: EgressPolicy, request: EgressRequest): EgressDecision {
  const host = request.host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const where = (address: string): string => (address === host ? host : `${host} (${address})`);
  if (request.addresses.length === 0) return { allowed: false, reason: `${host} resolved to no address` };
  const controlPlane = new Set(policy.controlPlane.map(canonicalHost));
  const hostIsControlPlane = controlPlane.has(canonicalHost(host));
  for (const address of request.addresses) {
    const ip = parseIp(address);
    if (!ip) return { allowed: false, reason: `${where(address)} is not an IP address` };
    const exact = namedExactly(policy, host, ip, request.port);
    if (hostIsControlPlane || controlPlane.has(`${ip.family}/${ip.value}`)) {
      if (!exact)
        return refusal(
          where(address),
          'is the control plane (the Kubernetes API server or Temporal)',
          `${address}:${request.port}`,
        );
      continue;
    }
    const range = special.find((s) => contains(s.range, ip));
    const ranges = policy.allow.filter(
      (e): e is Extract<AllowEntry, { kind: 'cidr' }> => e.kind === 'cidr' && contains(e.cidr, ip),
    );
    if (range) {
      if (!exact && !ranges.some((e) => within(e.cidr, range.range)))
        return refusal(where(address), `is ${range.what}`, `${address}/${bitsOf(ip.family)}`);
      continue;
    }
    const allowed =
      exact !== undefined || ranges.length > 0 || request.pod === true || isServiceName(host, policy.clusterDomain);
    if (!allowed) {
      return refusal(
        where(address),
        'is neither a pod of this Release nor an in-cluster Service (*.svc)',
        parseIp(host) ? `${address}/${bitsOf(ip.family)}` : `${host}:${request.port}`,
      );
    }
  }
  return { allowed: true };
}

/** Strips user:password@ from a URL before it is shown anywhere (status, Events, logs). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, '$1');
}
