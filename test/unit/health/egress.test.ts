import { describe, expect, it } from 'vitest';
import {
  decideEgress,
  egressPolicy,
  isServiceName,
  parseAllowList,
  parseIp,
  redactUrl,
  type EgressRequest,
} from '../../../src/domain/health/egress.ts';

// The local stack's shape: the API server and Temporal on loopback, as kubeconfig and TEMPORAL_ADDRESS say.
const controlPlane = ['https://10.96.0.1:443', 'https://api.cluster.example:6443', 'temporal.rollguard.svc:7233'];
const policy = (allow = '') => egressPolicy({ allow, controlPlane });
const to = (host: string, addresses: string[] = [host], extra: Partial<EgressRequest> = {}): EgressRequest => ({
  host,
  port: 8080,
  addresses,
  ...extra,
});
const allowed = (allow: string, request: EgressRequest): boolean => decideEgress(policy(allow), request).allowed;

describe('the check egress policy by default', () => {
  it.each([
    { what: 'a pod of the revision', request: to('10.244.1.7', ['10.244.1.7'], { pod: true }) },
    { what: 'a Service in the cluster', request: to('web.shop.svc', ['10.96.12.4']) },
    { what: 'a Service by its full name', request: to('web.shop.svc.cluster.local.', ['10.96.12.4']) },
    { what: 'a Service by its short name', request: to('web', ['10.96.12.4']) },
  ])('allows $what', ({ request }) => {
    expect(decideEgress(policy(), request)).toEqual({ allowed: true });
  });

  it.each([
    { what: 'the cloud metadata address', request: to('169.254.169.254'), says: 'is link-local' },
    {
      what: 'the metadata address written as IPv4-mapped IPv6',
      request: to('::ffff:a9fe:a9fe'),
      says: 'is link-local',
    },
    { what: 'the metadata address through NAT64', request: to('64:ff9b::169.254.169.254'), says: 'is link-local' },
    { what: 'an IPv6 link-local address', request: to('fe80::1'), says: 'is link-local' },
    { what: 'loopback', request: to('127.0.0.1'), says: 'is loopback' },
    { what: 'IPv6 loopback', request: to('::1'), says: 'is loopback' },
    { what: 'the unspecified address', request: to('0.0.0.0'), says: 'reaches the worker itself' },
    { what: 'localhost, by what it resolves to', request: to('localhost', ['127.0.0.1']), says: 'is loopback' },
    { what: 'the API server by address', request: to('10.96.0.1'), says: 'is the control plane' },
    {
      what: 'the API server through the kubernetes Service',
      request: to('kubernetes.default.svc', ['10.96.0.1']),
      says: 'is the control plane',
    },
    {
      what: 'the API server by name',
      request: to('api.cluster.example', ['203.0.113.9']),
      says: 'is the control plane',
    },
    { what: 'Temporal', request: to('temporal.rollguard.svc', ['10.96.3.3']), says: 'is the control plane' },
    {
      what: 'an address outside the cluster',
      request: to('203.0.113.50'),
      says: 'is neither a pod of this Release nor an in-cluster Service',
    },
    { what: 'a public host name', request: to('example.com', ['93.184.215.14']), says: 'is neither a pod' },
    {
      what: 'a Service that also resolves to a forbidden address',
      request: to('web.shop.svc', ['10.96.12.4', '169.254.169.254']),
      says: 'is link-local',
    },
    { what: 'a name that resolved to nothing', request: to('web.shop.svc', []), says: 'resolved to no address' },
  ])('refuses $what, saying why and how to allow it', ({ request, says }) => {
    const decision = decideEgress(policy(), request);
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    expect(decision.reason).toContain(says);
    if (request.addresses.length > 0) expect(decision.reason).toContain('ROLLGUARD_CHECK_ALLOW=');
  });

  it('refuses a pod IP that is loopback or the control plane (a hostNetwork pod on the control plane node)', () => {
    expect(allowed('', to('127.0.0.1', ['127.0.0.1'], { pod: true }))).toBe(false);
    expect(allowed('', to('10.96.0.1', ['10.96.0.1'], { pod: true }))).toBe(false);
  });
});

describe('the allow list', () => {
  it('allows addresses in a listed range and hosts it names', () => {
    expect(allowed('10.0.0.0/8', to('10.20.30.40'))).toBe(true);
    expect(allowed('10.0.0.0/8', to('11.0.0.1'))).toBe(false);
    expect(allowed('prom.example', to('prom.example', ['203.0.113.7']))).toBe(true);
    expect(allowed('fd00::/8', to('fd12::5'))).toBe(true);
  });

  it('limits an entry with a port to that port', () => {
    expect(allowed('prom.example:9090', { host: 'prom.example', port: 9090, addresses: ['203.0.113.7'] })).toBe(true);
    expect(allowed('prom.example:9090', { host: 'prom.example', port: 22, addresses: ['203.0.113.7'] })).toBe(false);
    expect(allowed('[fd00::1]:80', { host: 'fd00::1', port: 80, addresses: ['fd00::1'] })).toBe(true);
  });

  it('opens loopback and link-local only to entries inside them, never to a broad range', () => {
    expect(allowed('0.0.0.0/0', to('127.0.0.1'))).toBe(false);
    expect(allowed('0.0.0.0/0', to('169.254.169.254'))).toBe(false);
    expect(allowed('127.0.0.0/8', to('127.0.0.1'))).toBe(true);
    expect(allowed('127.0.0.1/32', to('127.0.0.1'))).toBe(true);
    expect(allowed('169.254.169.254', to('169.254.169.254'))).toBe(true);
    expect(allowed('localhost', to('localhost', ['127.0.0.1']))).toBe(true);
  });

  it('opens the control plane only to an entry naming it exactly', () => {
    expect(allowed('10.0.0.0/8', to('10.96.0.1'))).toBe(false);
    expect(allowed('10.96.0.1/32', to('10.96.0.1'))).toBe(true);
    expect(allowed('10.96.0.1:8080', to('10.96.0.1'))).toBe(true);
    expect(allowed('temporal.rollguard.svc', to('temporal.rollguard.svc', ['10.96.3.3']))).toBe(true);
  });

  it('judges an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(allowed('10.0.0.0/8', to('::ffff:10.1.2.3'))).toBe(true);
    expect(parseIp('::ffff:10.1.2.3')).toEqual(parseIp('10.1.2.3'));
  });

  it.each(['10.0.0.0/33', '10.0.0/8', 'prom.example:99999', 'http://prom.example', 'a_b.example', '300.1.1.1/8'])(
    'refuses to start with "%s", naming it',
    (entry) => {
      expect(() => parseAllowList(entry)).toThrow(`ROLLGUARD_CHECK_ALLOW: "${entry}"`);
    },
  );

  it('reads comma- and space-separated entries', () => {
    expect(parseAllowList('10.0.0.0/8, 127.0.0.1/32 prom.example:9090').map((e) => e.text)).toEqual([
      '10.0.0.0/8',
      '127.0.0.1/32',
      'prom.example:9090',
    ]);
    expect(parseAllowList(undefined)).toEqual([]);
  });
});

describe('names and URLs', () => {
  it('knows in-cluster Service names', () => {
    expect(isServiceName('web', 'cluster.local')).toBe(true);
    expect(isServiceName('web.shop.svc', 'cluster.local')).toBe(true);
    expect(isServiceName('web.shop.svc.corp.internal', 'corp.internal')).toBe(true);
    expect(isServiceName('web.shop.svc.evil.example', 'cluster.local')).toBe(false);
    expect(isServiceName('10.0.0.1', 'cluster.local')).toBe(false);
  });

  it('strips credentials from a URL before it is shown', () => {
    expect(redactUrl('http://user:secret@web.shop.svc:8080/healthz')).toBe('http://web.shop.svc:8080/healthz');
    expect(redactUrl('https://web/healthz?next=a@b')).toBe('https://web/healthz?next=a@b');
  });
});
