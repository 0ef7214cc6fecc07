import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseWorkflowId } from '../../src/domain/release/ref.ts';
import { installCrd } from '../support/crd.ts';
import { createNamespace, deleteNamespace, kube } from '../support/stack.ts';
import { temporalOfStack, terminateQuietly, workflowStatus } from '../support/temporal.ts';
import { exampleRelease, rollguard, RollguardProcess, stackShell } from './cli-process.ts';

// Given two clusters may share a Temporal namespace, each rollguard serves its own cluster's task queue.
const clients = kube();
const processes: RollguardProcess[] = [];
let ns = '';
const target = (name: string) => ({ namespace: ns, name });

async function startRun(extra: string[], env = stackShell()): Promise<RollguardProcess> {
  const run = new RollguardProcess();
  processes.push(run);
  await run.start(ns, extra, { ownTaskQueue: false, env });
  return run;
}

beforeAll(async () => {
  await installCrd(clients.config);
  ns = await createNamespace(clients, 'cli-task-queue');
});

afterAll(async () => {
  const codes = [];
  for (const run of processes) codes.push(await run.stop());
  const temporal = await temporalOfStack();
  const list = (await clients.releases.list(ns)) as {
    items: { metadata: { name: string; uid: string } }[];
  };
  for (const r of list.items) {
    await clients.releases.patch(target(r.metadata.name), 'merge', { metadata: { finalizers: null } });
    await terminateQuietly(
      temporal.client,
      releaseWorkflowId({ namespace: ns, name: r.metadata.name, uid: r.metadata.uid }),
    );
  }
  await temporal.connection.close();
  await deleteNamespace(clients, ns);
  expect(
    codes.every((code) => code === 0),
    processes.map((p) => p.output.slice(-1000)).join('\n'),
  ).toBe(true);
});

describe("rollguard run's task queue", () => {
  it('is named after the cluster by default: the log says which, the controller starts workflows on it, and the worker runs them', async () => {
    const uid = (await clients.core.readNamespace({ name: 'kube-system' })).metadata?.uid ?? '';
    const cluster = `rollguard-${uid.replaceAll('-', '').slice(0, 8)}`;
    const run = await startRun([]);
    expect(run.output).toMatch(
      new RegExp(`"taskQueue":"${cluster}","from":"cluster","msg":"release workflows use task queue"`),
    );

    const deployed = await rollguard(['deploy', '-f', exampleRelease, '--wait', '-n', ns]);
    expect(deployed.code, deployed.stderr).toBe(0);
    const release = (await clients.releases.get(target('web'))) as { metadata: { uid: string } };
    const temporal = await temporalOfStack();
    try {
      expect(
        await workflowStatus(
          temporal.client,
          releaseWorkflowId({ namespace: ns, name: 'web', uid: release.metadata.uid }),
        ),
      ).toMatchObject({ taskQueue: cluster });
    } finally {
      await temporal.connection.close();
    }
  });

  it('ROLLGUARD_TASK_QUEUE names another, and --task-queue wins over it', async () => {
    const byEnv = await startRun(['--worker-only'], { ...stackShell(), ROLLGUARD_TASK_QUEUE: `env-${ns}` });
    expect(byEnv.output).toMatch(new RegExp(`"taskQueue":"env-${ns}","from":"ROLLGUARD_TASK_QUEUE"`));
    const byFlag = await startRun(['--worker-only', '--task-queue', `flag-${ns}`], {
      ...stackShell(),
      ROLLGUARD_TASK_QUEUE: `env-${ns}`,
    });
    expect(byFlag.output).toMatch(new RegExp(`"taskQueue":"flag-${ns}".*"msg":"worker started"`));
  });
});
