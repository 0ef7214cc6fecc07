import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseSpecSchema } from '../../src/domain/api/index.ts';
import type { CheckResult } from '../../src/domain/health/types.ts';
import type { SpecMessage } from '../../src/domain/release/records.ts';
import type { ReleaseRef } from '../../src/domain/release/ref.ts';
import { releaseWorkflowId } from '../../src/domain/release/ref.ts';
import { EventReason } from '../../src/domain/release/events.ts';
import {
  deleteSignal,
  pauseSignal,
  rollbackSignal,
  rollbackUpdate,
  specSignal,
  statusQuery,
} from '../../src/workflows/messages.ts';
import { historyBound } from '../../src/workflows/release.ts';
import { appRelease, type AppOptions } from '../support/release-specs.ts';
import { workflowBundle } from '../support/releases.ts';
import { Gate, ScriptedWorld } from '../support/scripted-activities.ts';
import { stackEnv, waitFor } from '../support/stack.ts';

// The workflow's own edges, on the real Temporal server with the activities scripted: fast, and each
// message lands exactly while the step the test holds open is in flight.

const taskQueue = `edges-${randomUUID().slice(0, 8)}`;
let world: ScriptedWorld;
let client: Client;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  const connection = await Connection.connect({ address: stackEnv.TEMPORAL_ADDRESS });
  client = new Client({ connection, namespace: stackEnv.TEMPORAL_NAMESPACE });
  world = new ScriptedWorld();
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: stackEnv.TEMPORAL_ADDRESS }),
    namespace: stackEnv.TEMPORAL_NAMESPACE,
    taskQueue,
    workflowBundle: await workflowBundle(),
    // Each name dispatches to whichever world the test in progress set up.
    activities: Object.fromEntries(
      Object.keys(world.activities()).map((name) => [
        name,
        (...args: unknown[]) => (world.activities() as Record<string, (...a: unknown[]) => unknown>)[name]!(...args),
      ]),
    ),
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
});

const spec = (o: AppOptions) => releaseSpecSchema.parse(appRelease('app', o).spec);
/** A payload the Signal's type would not allow, as any Temporal client can send it. */
const malformed = (payload: unknown) => payload as SpecMessage;

async function start(o: AppOptions) {
  world = new ScriptedWorld();
  const ref: ReleaseRef = { namespace: 'edges', name: `app-${randomUUID().slice(0, 6)}`, uid: randomUUID() };
  const handle = await client.workflow.signalWithStart('releaseWorkflow', {
    workflowId: releaseWorkflowId(ref),
    taskQueue,
    args: [{ ref }],
    signal: specSignal,
    signalArgs: [{ generation: 1, spec: spec(o) }],
  });
  const phase = async (wanted: string) => {
    await waitFor(`phase ${wanted}`, async () => (await handle.query(statusQuery)).phase === wanted, {
      timeoutMs: 20_000,
    });
    return await handle.query(statusQuery);
  };
  const readyAt = async (revision: number) => {
    await waitFor(
      `revision ${revision} Ready`,
      async () => {
        const s = await handle.query(statusQuery);
        return s.phase === 'Ready' && s.currentRevision === revision;
      },
      { timeoutMs: 20_000 },
    );
  };
  return { ref, handle, phase, readyAt };
}

const condition = (
  snapshot: { conditions: { type: string; status: string; reason: string; message: string }[] },
  type: string,
) => snapshot.conditions.find((c) => c.type === type);

describe('the Release workflow at its edges', () => {
  it("a Deployment the API server refuses fails the Release once, with the server's words, and is not retried", async () => {
    const { handle, phase } = await start({ image: 'example/app:v1' });
    world.apply.push({
      refused:
        'apply Deployment edges/app: the API server refused it (422 Invalid): spec.template.spec.containers[1].name: Duplicate value: "app"',
    });
    const failed = await phase('Failed');
    expect(condition(failed, 'Progressing')).toMatchObject({ status: 'False', reason: 'ApplyRefused' });
    expect(condition(failed, 'Progressing')?.message).toContain('Duplicate value');
    expect(condition(failed, 'Stalled')).toMatchObject({ status: 'True' });
    expect(world.count('applyRevision')).toBe(1);
    expect(world.events.some((e) => e.type === 'Warning' && e.reason === EventReason.ApplyRefused)).toBe(true);
    await handle.terminate();
  });

  it('a refused apply while an unjudged revision runs goes back to the stable revision', async () => {
    const { handle, phase } = await start({ image: 'example/app:v1' });
    await phase('Ready');
    // v2 is applied but its analysis is held; v3 supersedes it and is refused.
    const held = new Gate<CheckResult[]>();
    world.analysis.push({ gate: held });
    await handle.signal(specSignal, {
      generation: 2,
      spec: spec({ image: 'example/app:v2', http: [{ name: 'h', url: 'http://x/' }] }),
    });
    await held.reached;
    world.apply.push({ refused: 'the API server refused it (422 Invalid): bad' });
    await handle.signal(specSignal, { generation: 3, spec: spec({ image: 'example/app:v3' }) });
    await waitFor(
      'the rollback to revision 1',
      async () => (await handle.query(statusQuery)).lastRollback?.toRevision === 1,
      { timeoutMs: 20_000 },
    );
    const snapshot = await phase('Failed');
    expect(snapshot.currentRevision).toBe(1);
    expect(snapshot.stableRevision).toBe(1);
    held.release([]);
    await handle.terminate();
  });

  it('a rollout that did not complete by its deadline is never promoted, whatever the weights', async () => {
    // The article's weights: readiness 3 < failureWeight 5, and the HTTP check passes.
    const { handle, phase } = await start({
      image: 'example/app:v1',
      failureWeight: 5,
      http: [{ name: 'healthz', url: 'http://x/', weight: 5 }],
    });
    world.rollout.push({ result: { complete: false, reason: '1/3 pods updated' } });
    const failed = await phase('Failed');
    expect(failed.stableRevision).toBeUndefined();
    expect(condition(failed, 'Ready')).toMatchObject({ status: 'False', reason: 'RolloutIncomplete' });
    // The remaining checks still ran, so the weights were applied as the article means them.
    expect(world.count('runAnalysis')).toBe(1);
    expect(failed.revisions.find((r) => r.revision === 1)?.outcome).toBe('Failed');
    await handle.terminate();
  });

  it('readiness is watched for the whole window: pods lost after becoming Ready roll the revision back', async () => {
    const { handle, phase } = await start({ image: 'example/app:v1' });
    await phase('Ready');
    world.watch.push({
      result: {
        name: 'readiness',
        kind: 'Readiness',
        outcome: 'Fail',
        value: 1,
        weight: 3,
        reason: 'containers restarted 2 time(s)',
      },
    });
    await handle.signal(specSignal, { generation: 2, spec: spec({ image: 'example/app:v2' }) });
    await waitFor(
      'the automatic rollback',
      async () => (await handle.query(statusQuery)).lastRollback?.trigger === 'Automatic',
      { timeoutMs: 20_000 },
    );
    const snapshot = await phase('Failed');
    expect(snapshot.currentRevision).toBe(1);
    expect(world.count('watchReadiness')).toBe(2);
    await handle.terminate();
  });

  it('a spec Signal the schema refuses is an invalid generation: refused by name, and the running revision keeps running', async () => {
    const { handle, readyAt, phase } = await start({ image: 'example/app:v1' });
    await readyAt(1);
    // As a person might send it from the Temporal UI: a spec without its template's containers.
    await handle.signal(specSignal, malformed({ generation: 2, spec: { template: { replicas: 3 } } }));
    const failed = await phase('Failed');
    expect(failed.generation).toBe(2);
    expect(failed.currentRevision).toBe(1);
    expect(condition(failed, 'InvalidSpec')).toMatchObject({ status: 'True', reason: 'SpecInvalid' });
    expect(condition(failed, 'InvalidSpec')?.message).toMatch(/spec is invalid: template/);
    expect(world.count('applyRevision')).toBe(1);
    // Envelopes without a whole-number generation or an object spec are not acted on at all.
    await handle.signal(specSignal, malformed({ generation: 'three', spec: {} }));
    await handle.signal(specSignal, malformed({ generation: 3, spec: 'v3' }));
    await handle.signal(specSignal, { generation: 3, spec: spec({ image: 'example/app:v3' }) });
    await readyAt(2);
    expect((await handle.query(statusQuery)).generation).toBe(3);
    expect(world.count('applyRevision')).toBe(2);
    await handle.terminate();
  });

  it('a rollback Update interrupted by a newer spec fails the Update, not the workflow', async () => {
    const { handle, readyAt } = await start({ image: 'example/app:v1' });
    await readyAt(1);
    await handle.signal(specSignal, { generation: 2, spec: spec({ image: 'example/app:v2' }) });
    await readyAt(2);
    const held = new Gate<{ complete: boolean }>();
    world.rollout.push({ gate: held });
    const update = handle.executeUpdate(rollbackUpdate, { args: [{ toRevision: 1 }] });
    await held.reached;
    await handle.signal(specSignal, { generation: 3, spec: spec({ image: 'example/app:v3' }) });
    const failure = await update.catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((failure as WorkflowUpdateFailedError).cause?.message)).toContain('interrupted');
    held.release({ complete: true });
    let last: unknown;
    await waitFor(
      'revision 3 Ready',
      async () => {
        const s = await handle.query(statusQuery);
        last = s.history;
        return s.phase === 'Ready' && s.currentRevision === 3;
      },
      { timeoutMs: 20_000, hint: () => JSON.stringify(last) },
    );
    await handle.terminate();
  });

  it('a rollback Update to an unknown revision is refused before it enters the history, as not retryable', async () => {
    const { handle, phase } = await start({ image: 'example/app:v1' });
    await phase('Ready');
    const failure = (await handle
      .executeUpdate(rollbackUpdate, { args: [{ toRevision: 9 }] })
      .catch((err: unknown) => err)) as WorkflowUpdateFailedError;
    expect(failure).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(failure.cause?.message).toContain('revision 9 does not exist');
    expect((failure.cause as { nonRetryable?: boolean }).nonRetryable).toBe(true);
    await handle.terminate();
  });

  it('pause during a rollout is written to status at once and holds the next generation', async () => {
    const { handle, phase } = await start({ image: 'example/app:v1' });
    const held = new Gate<{ complete: boolean }>();
    world.rollout.push({ gate: held });
    await held.reached;
    await handle.signal(pauseSignal);
    await waitFor(
      'Paused in status',
      async () => world.lastStatus?.conditions?.some((c) => c.type === 'Paused' && c.status === 'True') ?? false,
      { timeoutMs: 10_000 },
    );
    held.release({ complete: true });
    await phase('Ready');
    await handle.signal(specSignal, { generation: 2, spec: spec({ image: 'example/app:v2' }) });
    await waitFor('generation 2 held', async () => (await handle.query(statusQuery)).generation === 2, {
      timeoutMs: 10_000,
    });
    const snapshot = await handle.query(statusQuery);
    expect(snapshot.phase).toBe('Ready');
    expect(condition(snapshot, 'Paused')).toMatchObject({ status: 'True', reason: 'PausedBySignal' });
    expect(world.count('snapshotRevision')).toBe(1);
    await handle.terminate();
  });

  it(
    'a rollback Update arriving while the workflow drains its handlers to continue as new is served, then it continues',
    { timeout: 120_000 },
    async () => {
      const { handle, readyAt } = await start({ image: 'example/app:v1' });
      await readyAt(1);
      const firstRun = (await handle.describe()).runId;
      let generation = 1;
      while (generation < 3) {
        generation++;
        await handle.signal(specSignal, { generation, spec: spec({ image: `example/app:v${generation}` }) });
        await readyAt(generation);
      }
      // A pause whose status write is held keeps a handler unfinished, so the run cannot continue as new.
      const held = new Gate<void>();
      world.statusGate = held;
      await handle.signal(pauseSignal);
      await held.reached;
      // Redelivered specs (ignored) lengthen the history past the workflow's bound: the loop wants to
      // continue as new and waits for the held handler.
      for (let sent = 0; (await handle.describe()).historyLength < historyBound + 4; sent++) {
        expect(sent, 'redelivered specs before the bound').toBeLessThan(historyBound);
        await handle.signal(specSignal, { generation, spec: spec({ image: `example/app:v${generation}` }) });
      }
      expect((await handle.describe()).runId).toBe(firstRun);
      const update = handle.executeUpdate(rollbackUpdate, { args: [{ toRevision: 1 }] });
      held.release();
      const outcome = await update;
      expect(outcome).toMatchObject({ to: 1, from: generation });
      await waitFor('the workflow to continue as new', async () => (await handle.describe()).runId !== firstRun, {
        timeoutMs: 20_000,
      });
      const carried = await handle.query(statusQuery);
      expect(carried).toMatchObject({ currentRevision: 1, paused: true });
      expect(carried.revisions.length).toBe(generation);
      await handle.terminate();
    },
  );

  it('a newer spec arriving while the readiness watch starts supersedes the rollout cleanly', async () => {
    const { handle, readyAt } = await start({ image: 'example/app:v1' });
    const rolledOut = new Gate<{ complete: boolean }>();
    const watching = new Gate<CheckResult>();
    world.rollout.push({ gate: rolledOut });
    world.watch.push({ gate: watching });
    await rolledOut.reached;
    // The status write that announces the window is held, with the watch already started.
    const announced = new Gate<void>();
    world.statusGate = announced;
    rolledOut.release({ complete: true });
    await Promise.all([announced.reached, watching.reached]);
    await handle.signal(specSignal, { generation: 2, spec: spec({ image: 'example/app:v2' }) });
    // The held write then lands (a local step holds the workflow task until it does): the newer spec
    // supersedes the rollout whose watch had started, and the watch's late result changes nothing.
    announced.release();
    await readyAt(2);
    watching.release({ name: 'readiness', kind: 'Readiness', outcome: 'Pass', weight: 3, reason: 'late' });
    await handle.terminate();
  });

  it('delete during a rollout ends the workflow', async () => {
    const { handle } = await start({ image: 'example/app:v1' });
    const held = new Gate<{ complete: boolean }>();
    world.rollout.push({ gate: held });
    await held.reached;
    await handle.signal(deleteSignal);
    await handle.result();
    held.release({ complete: true });
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  });

  it('a rollback signal delivered twice with one request id is carried out once', async () => {
    const { handle, readyAt } = await start({ image: 'example/app:v1' });
    await readyAt(1);
    await handle.signal(specSignal, { generation: 2, spec: spec({ image: 'example/app:v2' }) });
    await readyAt(2);
    const request = { toRevision: 1, requestId: 'annotation:1', trigger: 'Annotation' as const };
    await handle.signal(rollbackSignal, request);
    await waitFor('the rollback', async () => (await handle.query(statusQuery)).currentRevision === 1, {
      timeoutMs: 20_000,
    });
    const first = (await handle.query(statusQuery)).lastRollback?.id;
    await handle.signal(rollbackSignal, request);
    await handle.signal(rollbackSignal, { toRevision: 2, requestId: 'annotation:2', trigger: 'Annotation' });
    await waitFor('the second request', async () => (await handle.query(statusQuery)).currentRevision === 2, {
      timeoutMs: 20_000,
    });
    expect(
      world.events.filter((e) => e.reason === EventReason.RollbackRequested && e.message.includes('→ 1')).length,
    ).toBe(1);
    expect((await handle.query(statusQuery)).lastRollback?.id).not.toBe(first);
    expect(world.lastStatus?.observedRollbackRequest).toBe('annotation:2');
    await handle.terminate();
  });
});
