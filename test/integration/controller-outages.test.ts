import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTemporal, type TemporalConnection } from '../../src/temporal/client.ts';
import { controllerHarness, type ControllerHarness } from '../support/controller.ts';
import { stackEnv, waitFor } from '../support/stack.ts';
import { specGenerations } from '../support/temporal.ts';

/**
 * A TCP relay in front of a server of the stack, which a test cuts and restores: the controller sees
 * the server go away and come back, while the stack itself keeps running for everyone else.
 */
async function relay(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const open = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((inbound) => {
        const outbound = connect(Number(target.port), target.hostname);
        for (const [a, b] of [
          [inbound, outbound],
          [outbound, inbound],
        ] as const) {
          sockets.add(a);
          a.on('close', () => sockets.delete(a));
          a.on('error', () => b.destroy());
        }
        inbound.pipe(outbound).pipe(inbound);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server?.address() as AddressInfo).port;
        resolve();
      });
    });
  await open();
  return {
    port: () => port,
    async cut(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server?.close(resolve));
    },
    restore: open,
  };
}

const failures = (h: ControllerHarness, release: string) =>
  h.logs.filter(
    (line) =>
      line.msg === 'release work failed; it stays pending and is retried' &&
      line.release === `${h.namespace}/${release}`,
  ).length;
const newImage = (name: string) => ({
  spec: { template: { template: { spec: { containers: [{ name: 'app', image: `example/${name}:v2` }] } } } },
});

let h: ControllerHarness;
let viaRelay: TemporalConnection | undefined;
beforeAll(async () => {
  h = await controllerHarness('outages');
});
afterAll(async () => {
  await h?.cleanup();
  await viaRelay?.connection.close();
});

describe('outages delay messages and lose none', () => {
  it('a spec changed while Temporal is unreachable is delivered once Temporal is back', async () => {
    const temporal = await relay(new URL(`grpc://${stackEnv.TEMPORAL_ADDRESS}`));
    viaRelay = await connectTemporal({
      env: {},
      address: `127.0.0.1:${temporal.port()}`,
      namespace: stackEnv.TEMPORAL_NAMESPACE,
    });
    const controller = await h.startController({ temporal: viaRelay.client });
    await h.untilLeader(controller);
    const release = await h.create('web');
    await waitFor('generation 1', async () => (await specGenerations(h.client, h.workflowId(release))).includes(1));

    await temporal.cut();
    await h.patch('web', newImage('web'));
    await waitFor('the controller to find Temporal unreachable', async () => failures(h, 'web') > 0, {
      timeoutMs: 60_000,
    });
    await temporal.restore();

    await waitFor('generation 2', async () => (await specGenerations(h.client, h.workflowId(release))).includes(2), {
      timeoutMs: 90_000,
    });
    expect(await specGenerations(h.client, h.workflowId(release))).toEqual([1, 2]);
    await controller.stop();
  });

  it('the Release watch comes back after the API server went away, and acts on what changed meanwhile', async () => {
    const apiServer = h.admin.config.getCurrentCluster();
    if (!apiServer) throw new Error('the stack kubeconfig has no current cluster');
    const kube = await relay(new URL(apiServer.server));
    const user = h.admin.config.getCurrentUser();
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ ...apiServer, name: 'relayed', server: `https://127.0.0.1:${kube.port()}` }],
      users: [user],
      contexts: [{ name: 'relayed', cluster: 'relayed', user: user?.name }],
      currentContext: 'relayed',
    });
    const controller = await h.startController({ kubeConfig, leaseDurationSeconds: 60 });
    await h.untilLeader(controller);
    const release = await h.create('api');
    await waitFor('generation 1', async () => (await specGenerations(h.client, h.workflowId(release))).includes(1));

    await kube.cut();
    await h.patch('api', newImage('api'));
    await waitFor('the watch to stop', async () =>
      h.logs.some((line) => line.msg === 'watch of releases stopped; restarting it'),
    );
    await kube.restore();

    await waitFor('generation 2', async () => (await specGenerations(h.client, h.workflowId(release))).includes(2), {
      timeoutMs: 90_000,
    });
    expect(await specGenerations(h.client, h.workflowId(release))).toEqual([1, 2]);
    await controller.stop();
  });
});
