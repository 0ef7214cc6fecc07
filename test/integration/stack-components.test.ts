import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  etcdPortOf,
  type KubeComponent,
  recordedComponents,
  recordedPid,
  savedKwokctlConfig,
} from '../../dev/stack/cluster-components.ts';
import { clusterDir } from '../../dev/stack/cluster.ts';
import { commandLine, portHolders } from '../../dev/stack/listeners.ts';
import { type PortName, ports } from '../../dev/stack/ports.ts';
import { runningPid } from '../../dev/stack/process.ts';
import { envProfile } from '../../dev/stack/stack.ts';
import { serviceDaemon, type TemporalService, temporalServices } from '../../dev/stack/temporal-cluster.ts';
import { createNamespace, deleteNamespace, kube } from '../support/stack.ts';

// Who holds a port is read from /proc.
const linux = process.platform === 'linux';

const components = recordedComponents(savedKwokctlConfig(readFileSync(join(clusterDir, 'kwok.yaml'), 'utf8')));
const component = (name: string): KubeComponent => {
  const found = components.find((c) => c.name === name);
  if (!found) throw new Error(`kwokctl recorded no ${name} for the cluster in ${clusterDir}`);
  return found;
};
const etcdClientPort = (): number => component('etcd').ports.find((p) => p.name === 'http')?.port ?? 0;

/** The arguments the running kube-apiserver was started with. */
async function apiserverArgs(): Promise<string[]> {
  const pid = recordedPid(clusterDir, component('kube-apiserver'));
  if (pid === undefined) throw new Error('the kube-apiserver kwokctl recorded is not running');
  return await commandLine(pid);
}

/** How many keys under `prefix` the etcd at `port` holds, asked through its own HTTP gateway. */
async function etcdKeyCount(port: number, key: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: Buffer.from(key).toString('base64'), count_only: true }),
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as { count?: string };
  return Number(body.count ?? 0);
}

/** The Temporal of the stack's profile: the dev server, or the cluster profile's services, UI and PostgreSQL. */
const temporalDaemons = (): [string, PortName[]][] =>
  envProfile() === 'cluster'
    ? [
        ...(Object.keys(temporalServices) as TemporalService[]).map((service): [string, PortName[]] => [
          serviceDaemon(service),
          [...temporalServices[service].listens],
        ]),
        ['temporal-ui', ['temporalUi']],
        ['postgres', ['postgres']],
      ]
    : [['temporal', ['temporal', 'temporalUi']]];

describe.runIf(linux)('every server of the running local stack is its own', () => {
  it.each(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok-controller'])(
    '%s listens on each of its ports from the process kwokctl started for this cluster',
    async (name) => {
      const pid = recordedPid(clusterDir, component(name));
      expect(pid, `${name}'s recorded process runs`).toBeDefined();
      expect(component(name).ports.length).toBeGreaterThan(0);
      for (const { port } of component(name).ports)
        expect(await portHolders(port), `holders of port ${port}`).toEqual([pid]);
    },
  );

  it.each<[string, PortName[]]>([...temporalDaemons(), ['prometheus', ['prometheus']]])(
    '%s listens on its ports from the process the stack started',
    async (daemon, names) => {
      const pid = runningPid(daemon);
      expect(pid, `${daemon}'s recorded process runs`).toBeDefined();
      for (const name of names) expect(await portHolders(ports[name]), `holders of port ${ports[name]}`).toEqual([pid]);
    },
  );

  it('the kube-apiserver was told to use the etcd of this cluster, and that etcd answers', async () => {
    expect(etcdPortOf(await apiserverArgs())).toBe(etcdClientPort());
    const health = (await (await fetch(`http://127.0.0.1:${etcdClientPort()}/health`)).json()) as { health?: string };
    expect(health.health).toBe('true');
  });

  describe('given a namespace created through the kube-apiserver', () => {
    const clients = kube();
    let namespace = '';
    beforeAll(async () => {
      namespace = await createNamespace(clients, 'stack-etcd');
    });
    afterAll(() => deleteNamespace(clients, namespace));

    it("this cluster's etcd holds it", async () => {
      const prefix =
        (await apiserverArgs()).find((arg) => arg.startsWith('--etcd-prefix='))?.split('=')[1] ?? '/registry';
      expect(await etcdKeyCount(etcdClientPort(), `${prefix}/namespaces/${namespace}`)).toBe(1);
      expect(await etcdKeyCount(etcdClientPort(), `${prefix}/namespaces/no-such-${namespace}`)).toBe(0);
    });
  });
});
