import { describe, expect, it } from 'vitest';
import {
  type ComponentState,
  componentProblems,
  etcdPortOf,
  recordedComponents,
  savedKwokctlConfig,
} from '../../../dev/stack/cluster-components.ts';

// The shape kwokctl v0.8.0 saves in clusters/<name>/kwok.yaml (abridged).
const savedConfig = `apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  etcdPort: 6444
components:
- name: etcd
  binary: /cache/etcd/bin/etcd
  args: [--name=node0, --listen-client-urls=http://127.0.0.1:6444]
  ports:
  - name: peer-http
    port: 6445
  - name: http
    port: 6444
- name: kube-apiserver
  binary: /cache/kubernetes/bin/kube-apiserver
  args: [--etcd-prefix=/registry, --etcd-servers=http://127.0.0.1:6444, --secure-port=6443]
  ports:
  - name: https
    port: 6443
---
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-ready
`;

const etcd = (overrides: Partial<ComponentState> = {}): ComponentState => ({
  name: 'etcd',
  log: 'logs/etcd.log',
  pid: 100,
  ports: [
    { port: 6444, held: true },
    { port: 6445, held: true },
  ],
  answers: true,
  ...overrides,
});
const apiserver = (overrides: Partial<ComponentState> = {}): ComponentState => ({
  name: 'kube-apiserver',
  log: 'logs/kube-apiserver.log',
  pid: 101,
  ports: [{ port: 6443, held: true }],
  answers: true,
  etcdPort: 6444,
  ...overrides,
});

describe('the components kwokctl recorded for a cluster', () => {
  it('are read from its saved configuration, with their named ports', () => {
    const components = recordedComponents(savedKwokctlConfig(savedConfig));
    expect(components.map((c) => [c.name, c.ports])).toEqual([
      [
        'etcd',
        [
          { name: 'peer-http', port: 6445 },
          { name: 'http', port: 6444 },
        ],
      ],
      ['kube-apiserver', [{ name: 'https', port: 6443 }]],
    ]);
    expect(etcdPortOf(components[1]?.args ?? [])).toBe(6444);
  });

  it('cannot be read from a file without a kwokctl configuration', () => {
    expect(() => savedKwokctlConfig('kind: Stage\n')).toThrow(/no KwokctlConfiguration/);
  });

  it('name no etcd port when the kube-apiserver was given none', () => {
    expect(etcdPortOf(['--secure-port=6443'])).toBeUndefined();
  });
});

describe("whether a cluster's components are its own and running", () => {
  it.each<[string, ComponentState[], { message: RegExp; settled: boolean }[]]>([
    ['all run, hold their ports and answer', [etcd(), apiserver()], []],
    [
      'etcd exited',
      [etcd({ pid: undefined, ports: [], answers: undefined }), apiserver()],
      [{ message: /^etcd is not running; see logs\/etcd\.log$/, settled: true }],
    ],
    [
      "another process holds etcd's port",
      [
        etcd({
          ports: [
            { port: 6444, held: false, heldBy: 'pid 7 (etcd --data-dir /other)' },
            { port: 6445, held: true },
          ],
        }),
        apiserver(),
      ],
      [
        {
          message: /^etcd \(pid 100\) does not hold its port 6444: pid 7 \(etcd --data-dir \/other\) does/,
          settled: true,
        },
      ],
    ],
    [
      'the kube-apiserver uses another etcd',
      [etcd(), apiserver({ etcdPort: 32765 })],
      [
        {
          message: /^kube-apiserver \(pid 101\) uses the etcd at port 32765, not this cluster's at 6444$/,
          settled: true,
        },
      ],
    ],
    [
      'a component does not listen yet',
      [etcd(), apiserver({ ports: [{ port: 6443, held: false }], answers: false })],
      [{ message: /^kube-apiserver \(pid 101\) does not listen on its port 6443 yet$/, settled: false }],
    ],
    [
      'a component listens but is not healthy yet',
      [etcd({ answers: false }), apiserver()],
      [{ message: /^etcd \(pid 100\) does not answer its health check yet$/, settled: false }],
    ],
  ])('%s', (_, states, expected) => {
    const problems = componentProblems(states, 6444);
    expect(problems).toHaveLength(expected.length);
    problems.forEach((problem, i) => {
      expect(problem.message).toMatch(expected[i]?.message ?? /^$/);
      expect(problem.settled).toBe(expected[i]?.settled);
    });
  });
});
