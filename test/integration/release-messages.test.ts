import { WorkflowUpdateFailedError } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolPath } from '../../dev/stack/tools.ts';
import { releaseWorkflowId } from '../../src/domain/release/ref.ts';
import { pauseSignal, resumeSignal, rollbackUpdate } from '../../src/workflows/messages.ts';
import { ReleaseHarness } from '../support/releases.ts';
import { appRelease } from '../support/release-specs.ts';
import { stackEnv } from '../support/stack.ts';

const run = promisify(execFile);
const h = new ReleaseHarness();
beforeAll(() => h.start('messages'), 120_000);
afterAll(() => h.stop());

/** A Release with revisions 1 and 2 rolled out, 2 current and stable. */
async function twoRevisions(name: string) {
  await h.apply(appRelease(name, { image: `example/${name}:v1` }));
  await h.waitForStatus(name, 'Ready', (r) => r.status?.currentRevision === 1);
  const release = await h.apply(appRelease(name, { image: `example/${name}:v2` }));
  await h.waitForStatus(name, 'Ready', (r) => r.status?.currentRevision === 2);
  return h.handle(h.ref(release));
}

describe('rollback requested by Update', () => {
  it('goes to the previous stable revision, then to a named one, and refuses an unknown one before it enters history', async () => {
    const handle = await twoRevisions('upd');
    const back = await handle.executeUpdate(rollbackUpdate, { args: [{ reason: 'bad latency' }] });
    expect(back).toMatchObject({ from: 2, to: 1, phase: 'Ready' });
    const after = await h.waitForStatus('upd', 'Ready', (r) => r.status?.currentRevision === 1);
    expect(after.status?.lastRollback).toMatchObject({
      id: back.rollbackId,
      fromRevision: 2,
      toRevision: 1,
      trigger: 'Update',
      reason: 'bad latency',
    });
    expect(await h.readyImages('upd')).toEqual(Array(3).fill('example/upd:v1'));

    const forward = await handle.executeUpdate(rollbackUpdate, { args: [{ toRevision: 2 }] });
    expect(forward).toMatchObject({ from: 1, to: 2, phase: 'Ready' });
    await h.waitForStatus('upd', 'Ready', (r) => r.status?.currentRevision === 2);

    const refused = await handle
      .executeUpdate(rollbackUpdate, { args: [{ toRevision: 9 }] })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((refused as Error).cause)).toContain('revision 9 does not exist; kept revisions: 1, 2');
    const accepted =
      (await handle.fetchHistory()).events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes) ?? [];
    expect(accepted).toHaveLength(2);
  });
});

describe('rollback requested by Signal', () => {
  it('is accepted from the Temporal CLI, a client rollguard did not write', async () => {
    const handle = await twoRevisions('sig');
    const temporal = await toolPath('temporal', 'temporal');
    await run(temporal, [
      'workflow',
      'signal',
      '--address',
      stackEnv.TEMPORAL_ADDRESS,
      '--workflow-id',
      handle.workflowId,
      '--name',
      'rollback',
      '--input',
      JSON.stringify({ toRevision: 1, reason: 'from the CLI' }),
    ]);
    const after = await h.waitForStatus('sig', 'Ready', (r) => r.status?.currentRevision === 1);
    expect(after.status?.lastRollback).toMatchObject({ toRevision: 1, trigger: 'Signal', reason: 'from the CLI' });

    await run(temporal, [
      'workflow',
      'signal',
      '--address',
      stackEnv.TEMPORAL_ADDRESS,
      '--workflow-id',
      handle.workflowId,
      '--name',
      'rollback',
    ]);
    await h.waitForStatus(
      'sig',
      'Ready',
      (r) => r.status?.currentRevision === 2 && r.status.lastRollback?.toRevision === 2,
    );
  });
});

describe('a new spec mid-rollout', () => {
  it('supersedes the rollout in flight, and its analysis starts from zero', async () => {
    const seen = new Map<string, number>();
    const { createServer } = await import('node:http');
    // Revision 2's probe always fails; revision 3's fails once, then passes. With a failure
    // threshold of 3, revision 3 only fails if revision 2's failures were carried over.
    const server = createServer((req, res) => {
      const rev = new URL(req.url ?? '/', 'http://x').searchParams.get('rev') ?? '';
      const count = (seen.get(rev) ?? 0) + 1;
      seen.set(rev, count);
      res.statusCode = rev === '2' || (rev === '3' && count === 1) ? 500 : 200;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const check = (rev: number) => [
      {
        name: 'healthz',
        url: `http://127.0.0.1:${port}/healthz?rev=${rev}`,
        interval: '1s',
        timeout: '400ms',
        retries: 0,
        failureThreshold: 3,
      },
    ];
    try {
      await h.apply(appRelease('mid', { image: 'example/mid:v1' }));
      await h.waitForStatus('mid', 'Ready', (r) => r.status?.currentRevision === 1);
      await h.apply(appRelease('mid', { image: 'example/mid:v2', window: '20s', http: check(2) }));
      await expect.poll(() => seen.get('2') ?? 0, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);

      await h.apply(appRelease('mid', { image: 'example/mid:v3', window: '3s', http: check(3) }));
      const ready = await h.waitForStatus('mid', 'Ready', (r) => r.status?.currentRevision === 3);
      expect(ready.status?.lastVerdict?.checks.find((c) => c.name === 'healthz')?.outcome).toBe('Pass');
      const snapshot = await h.snapshot('mid');
      expect(snapshot.revisions.find((r) => r.revision === 2)?.outcome).toBe('Superseded');
      expect(seen.get('3')).toBeGreaterThan(1);
    } finally {
      server.close();
    }
  });
});

describe('pause', () => {
  it('holds the next rollout until resume', async () => {
    const release = await h.apply(appRelease('hold', { image: 'example/hold:v1' }));
    await h.waitForStatus('hold', 'Ready', (r) => r.status?.currentRevision === 1);
    const handle = h.client.workflow.getHandle(releaseWorkflowId(h.ref(release)));
    await handle.signal(pauseSignal);
    await h.apply(appRelease('hold', { image: 'example/hold:v2' }));
    const held = await h.waitForStatus(
      'hold',
      'Ready',
      (r) =>
        r.status?.observedGeneration === 2 &&
        r.status.conditions?.some((c) => c.type === 'Paused' && c.status === 'True') === true,
    );
    expect(held.status?.currentRevision).toBe(1);
    expect((await h.deployment('hold')).spec?.template.spec?.containers[0]?.image).toBe('example/hold:v1');

    await handle.signal(resumeSignal);
    await h.waitForStatus('hold', 'Ready', (r) => r.status?.currentRevision === 2);
    expect(await h.readyImages('hold')).toEqual(Array(3).fill('example/hold:v2'));
  });
});
