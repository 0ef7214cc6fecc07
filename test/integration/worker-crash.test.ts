import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseWorkflowId } from '../../src/domain/release/ref.ts';
import { installCrd } from '../support/crd.ts';
import { appRelease } from '../support/release-specs.ts';
import { createNamespace, deleteNamespace, kube, stackEnv, waitFor } from '../support/stack.ts';
import { RollguardProcess } from './cli-process.ts';
import { activitiesRun } from '../support/history.ts';

const clients = kube();
const target = (namespace: string) => ({ namespace, name: 'web' });
let namespace: string;
let connection: Connection;
const first = new RollguardProcess();
const second = new RollguardProcess();

beforeAll(async () => {
  await installCrd(clients.config);
  namespace = await createNamespace(clients, 'crash');
  connection = await Connection.connect({ address: stackEnv.TEMPORAL_ADDRESS });
}, 60_000);
afterAll(async () => {
  await Promise.all([first.kill(), second.stop()]);
  await connection?.close();
  await deleteNamespace(clients, namespace);
});

const status = async () =>
  ((await clients.releases.get(target(namespace))) as { status?: { phase?: string; currentRevision?: number } }).status;

describe('rollguard killed mid-rollout', () => {
  it(
    'resumes the rollout in a new process at the step it was in, running no side effect twice',
    { timeout: 240_000 },
    async () => {
      await first.start(namespace);
      // Pods that take 8 s to become Ready keep the rollout waiting long enough to kill rollguard mid-wait.
      const release = appRelease('web', {
        image: 'example/web:v1',
        deadline: '90s',
        podAnnotations: { 'rollguard.dev/ready-delay': '8s' },
      });
      const created = (await clients.releases.create(namespace, {
        ...release,
        metadata: { ...release.metadata, namespace },
      })) as { metadata: { uid: string } };
      await waitFor('the Deployment to be applied', async () => (await status())?.currentRevision === 1, {
        timeoutMs: 60_000,
      });

      await first.kill();
      expect((await status())?.phase).toBe('Progressing');
      await second.start(namespace);
      await waitFor('the Release to be Ready', async () => (await status())?.phase === 'Ready', { timeoutMs: 120_000 });

      const client = new Client({ connection, namespace: stackEnv.TEMPORAL_NAMESPACE });
      const handle = client.workflow.getHandle(
        releaseWorkflowId({ namespace, name: 'web', uid: created.metadata.uid }),
      );
      const scheduled = activitiesRun((await handle.fetchHistory()).events ?? []);
      const count = (name: string) => scheduled.filter((n) => n === name).length;
      expect({
        snapshot: count('snapshotRevision'),
        apply: count('applyRevision'),
        await: count('awaitRollout'),
      }).toEqual({ snapshot: 1, apply: 1, await: 1 });
      await handle.terminate('test finished');
    },
  );
});
