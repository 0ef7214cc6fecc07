import { describe, expect, it } from 'vitest';
import {
  defaultPorts,
  describePort,
  kubeBlock,
  membershipPortsTooHigh,
  type PortName,
  profilePortNames,
  portsFrom,
  sharedPorts,
  temporalBlock,
} from '../../../dev/stack/ports.ts';

const kubeNames = Object.keys(kubeBlock) as PortName[];
const temporalNames = Object.keys(temporalBlock) as PortName[];

describe('the stack chooses every port itself', () => {
  it("puts the cluster's servers on the ports right above the kube-apiserver's by default", () => {
    expect(portsFrom({})).toEqual({
      ...defaultPorts,
      etcd: 6444,
      etcdPeer: 6445,
      kubeControllerManager: 6446,
      kubeScheduler: 6447,
      kwokController: 6448,
      temporalFrontendMembership: 7234,
      temporalHistory: 7235,
      temporalHistoryMembership: 7236,
      temporalMatching: 7237,
      temporalMatchingMembership: 7238,
      temporalWorker: 7239,
      temporalWorkerMembership: 7240,
      postgres: 7241,
    });
  });

  it("puts the cluster profile's Temporal services and PostgreSQL right above ROLLGUARD_TEMPORAL_PORT, and moves them with it", () => {
    const moved = portsFrom({ ROLLGUARD_TEMPORAL_PORT: '17233', ROLLGUARD_POSTGRES_PORT: '15432' });
    expect(temporalNames.map((name) => moved[name])).toEqual([17234, 17235, 17236, 17237, 17238, 17239, 17240, 15432]);
  });

  it('moves the whole cluster with ROLLGUARD_KUBE_APISERVER_PORT', () => {
    const moved = portsFrom({ ROLLGUARD_KUBE_APISERVER_PORT: '16443' });
    expect(kubeNames.map((name) => moved[name])).toEqual([16444, 16445, 16446, 16447, 16448]);
  });

  it('moves one server of the cluster with its own variable and leaves the others in the block', () => {
    const moved = portsFrom({ ROLLGUARD_ETCD_PORT: '12379', ROLLGUARD_KWOK_CONTROLLER_PORT: '' });
    expect(moved.etcd).toBe(12379);
    expect(moved.etcdPeer).toBe(6445);
    expect(moved.kwokController).toBe(6448);
  });

  it('gives two stacks whose kube-apiserver ports lie more than a block apart no port in common', () => {
    const stacks = [
      portsFrom({}),
      portsFrom({
        ROLLGUARD_TEMPORAL_PORT: '17233',
        ROLLGUARD_TEMPORAL_UI_PORT: '18233',
        ROLLGUARD_PROMETHEUS_PORT: '19090',
        ROLLGUARD_KUBE_APISERVER_PORT: '16443',
      }),
      portsFrom({
        ROLLGUARD_TEMPORAL_PORT: '7240',
        ROLLGUARD_TEMPORAL_UI_PORT: '8240',
        ROLLGUARD_PROMETHEUS_PORT: '9091',
        ROLLGUARD_KUBE_APISERVER_PORT: '6449',
      }),
    ];
    const all = stacks.flatMap((stack) => profilePortNames.dev.map((name) => stack[name]));
    expect(new Set(all).size).toBe(all.length);
  });

  it('gives two cluster-profile stacks whose Temporal ports lie more than a block apart no port in common', () => {
    const stacks = [
      portsFrom({}),
      portsFrom({
        ROLLGUARD_TEMPORAL_PORT: '7242',
        ROLLGUARD_TEMPORAL_UI_PORT: '8240',
        ROLLGUARD_PROMETHEUS_PORT: '9091',
        ROLLGUARD_KUBE_APISERVER_PORT: '6449',
      }),
    ];
    const all = stacks.flatMap((stack) => profilePortNames.cluster.map((name) => stack[name]));
    expect(new Set(all).size).toBe(all.length);
  });

  it("refuses membership ports above 32767, which Temporal's PostgreSQL schema stores as a SMALLINT", () => {
    expect(membershipPortsTooHigh(portsFrom({}))).toEqual([]);
    expect(membershipPortsTooHigh(portsFrom({ ROLLGUARD_TEMPORAL_PORT: '32762' }))).toEqual([
      "port 32769 of Temporal's worker service, for its membership (move it with ROLLGUARD_TEMPORAL_WORKER_MEMBERSHIP_PORT, or ROLLGUARD_TEMPORAL_PORT, which moves Temporal's block) is above 32767, which Temporal's PostgreSQL schema cannot store",
    ]);
  });

  it.each([
    ['ROLLGUARD_ETCD_PORT', 'etcd', /ROLLGUARD_ETCD_PORT=etcd is not a port number/],
    ['ROLLGUARD_KUBE_SCHEDULER_PORT', '0', /ROLLGUARD_KUBE_SCHEDULER_PORT=0 is not a port number/],
    ['ROLLGUARD_TEMPORAL_PORT', '70000', /ROLLGUARD_TEMPORAL_PORT=70000 is not a port number/],
    ['ROLLGUARD_KUBE_APISERVER_PORT', '65533', /ROLLGUARD_KUBE_APISERVER_PORT=65533 leaves no room .* would get 65536/],
  ])('refuses %s=%s, naming the variable', (variable, value, message) => {
    expect(() => portsFrom({ [variable]: value })).toThrow(message);
  });

  it('names the port, its server and the variables that move it', () => {
    expect(describePort('kubeScheduler', 6447)).toBe(
      "port 6447 of the kube-scheduler (move it with ROLLGUARD_KUBE_SCHEDULER_PORT, or ROLLGUARD_KUBE_APISERVER_PORT, which moves the cluster's block)",
    );
    expect(describePort('prometheus', 9090)).toBe('port 9090 of Prometheus (move it with ROLLGUARD_PROMETHEUS_PORT)');
  });
});

describe('a port given to two servers of one stack', () => {
  it('is found, naming both servers and their variables', () => {
    const chosen = portsFrom({ ROLLGUARD_TEMPORAL_PORT: '6444', ROLLGUARD_PROMETHEUS_PORT: '6447' });
    expect(sharedPorts(chosen)).toEqual([
      'port 6444 is given to the Temporal server (ROLLGUARD_TEMPORAL_PORT) and etcd (ROLLGUARD_ETCD_PORT)',
      'port 6447 is given to Prometheus (ROLLGUARD_PROMETHEUS_PORT) and the kube-scheduler (ROLLGUARD_KUBE_SCHEDULER_PORT)',
    ]);
  });

  it('is not reported when every server has a port of its own', () => {
    expect(sharedPorts(portsFrom({}))).toEqual([]);
    expect(sharedPorts(portsFrom({}), 'cluster')).toEqual([]);
  });

  it("counts the cluster profile's Temporal block only in that profile", () => {
    const chosen = portsFrom({ ROLLGUARD_POSTGRES_PORT: '6444' }); // etcd's
    expect(sharedPorts(chosen)).toEqual([]);
    expect(sharedPorts(chosen, 'cluster')).toEqual([
      "port 6444 is given to etcd (ROLLGUARD_ETCD_PORT) and Temporal's PostgreSQL (ROLLGUARD_POSTGRES_PORT)",
    ]);
  });
});
