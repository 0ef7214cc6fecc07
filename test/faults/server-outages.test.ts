import { describe, it } from 'vitest';
import type { ReleaseStatus } from '../../src/domain/api/index.ts';
import { killTemporal, outage, restartTemporal, startApiserver, stopApiserver } from './components.ts';
import { describeEvidence, gatherEvidence, rollbackEvents } from './evidence.ts';
import { healthEndpoint } from './health-endpoint.ts';
import { faultRelease, recreateRelease } from './releases.ts';
import { seconds } from './recovery.ts';
import { FaultScenario } from './scenario.ts';

const analysing = (st: ReleaseStatus): boolean =>
  st.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'AnalysisRunning') ?? false;

/** Runs a fault and always ends it, so a failed assertion never leaves the stack down for the next test. */
async function during<T>(fault: () => Promise<void>, end: () => Promise<void>, body: () => Promise<T>): Promise<T> {
  try {
    await fault();
    return await body();
  } finally {
    await end();
  }
}

/**
 * The servers rollguard depends on fail under a running rollout: the Temporal server is killed and
 * started again (its SQLite file keeps the histories), the kube-apiserver is stopped for 30 s. These
 * faults hit the whole fault stack, so the tests run one at a time, each with its own `rollguard run`.
 */
describe('the servers rollguard depends on fail mid-rollout', () => {
  it('Temporal killed during the analysis window and started again: the analysis carries on and the revision becomes stable', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await new FaultScenario().start('temporal-analysis');
    const target = await healthEndpoint();
    onTestFinished(async () => {
      await s.cleanup();
      await target.close();
    });
    await s.rollguard();
    const http = [{ name: 'healthz', url: target.url, interval: '1s', timeout: '500ms', failureThreshold: 3 }];
    await s.create(faultRelease('api', 'example/api:v1', { readyDelay: '1s', window: '20s', http }));
    await s.waitFor('api', 'the analysis probing the endpoint', (st) => analysing(st) && target.requests() >= 2);

    let back = 0;
    await during(
      killTemporal,
      async () => {
        await restartTemporal();
        back = Date.now();
      },
      async () => undefined,
    );
    const { release, at } = await s.waitForPhase('api', 'Ready', (st) => st.stableRevision === 1, {
      timeoutMs: 180_000,
    });

    expect(release.status?.lastVerdict?.checks.find((c) => c.name === 'healthz')).toMatchObject({
      kind: 'HTTP',
      outcome: 'Pass',
    });
    const evidence = await gatherEvidence(s, release);
    expect(evidence).toMatchObject({ revisions: [1], generation: 1, duplicateEvents: [] });
    expect(evidence.scheduled).toMatchObject({ snapshotRevision: 1, applyRevision: 1, runAnalysis: 1 });
    await s.record({
      fault: 'Temporal server SIGKILLed during analysis (an HTTP check, 20 s window), started again',
      expected: 'Ready at revision 1, the HTTP check passed; generation 1; runAnalysis scheduled once',
      observed: `Ready at revision ${release.status?.currentRevision}, healthz ${release.status?.lastVerdict?.checks.find((c) => c.name === 'healthz')?.outcome}; runAnalysis ×${evidence.scheduled.runAnalysis}; ${describeEvidence(evidence)}`,
      recoveryMs: at - back,
      test: 'Temporal killed during the analysis window',
    });
  });

  it('Temporal killed while a broken revision is rolled back and started again: the rollback finishes once, under the same rollback id', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await new FaultScenario().start('temporal-rollback');
    onTestFinished(() => s.cleanup());
    await s.rollguard();
    await s.create(recreateRelease('shop', 'example/shop:v1', { deadline: '20s' }));
    await s.waitForPhase('shop', 'Ready', (st) => st.currentRevision === 1);
    await s.update(recreateRelease('shop', 'example/shop:v2-broken', { deadline: '20s' }));
    const { release: rolling } = await s.waitForPhase('shop', 'RollingBack', () => true, { timeoutMs: 90_000 });
    const id = rolling.status?.lastRollback?.id;

    let back = 0;
    await during(
      killTemporal,
      async () => {
        await restartTemporal();
        back = Date.now();
      },
      async () => undefined,
    );
    const { release, at } = await s.waitForPhase(
      'shop',
      'Failed',
      (st) => st.lastRollback?.trigger === 'Automatic' && st.currentRevision === 1,
      { timeoutMs: 180_000 },
    );

    expect(release.status?.lastRollback).toMatchObject({ id, fromRevision: 2, toRevision: 1 });
    const evidence = await gatherEvidence(s, release);
    // Three applies (three generations): revision 1, revision 2, and revision 1 again by the readiness
    // wait that failed (an armed rollback).
    expect(evidence).toMatchObject({ revisions: [1, 2], generation: 3, duplicateEvents: [] });
    expect(evidence.scheduled).toMatchObject({ snapshotRevision: 2, applyRevision: 2 });
    const rollback = rollbackEvents(evidence, id ?? '');
    expect(rollback).toMatchObject({ started: 1, finished: 1 });
    expect(rollback.automatic.every((note) => note.includes(`rollback ${id}`))).toBe(true);
    await s.record({
      fault: 'Temporal server SIGKILLed during RollingBack (revision 2 broken, back to 1), started again',
      expected:
        'Failed, rolled back to revision 1 under one rollback id; generation 3; AutomaticRollback Events: 1 started, 1 finished',
      observed: `Failed at revision ${release.status?.currentRevision}, rollback ${release.status?.lastRollback?.id} (id at the kill: ${id}); AutomaticRollback Events: ${rollback.started} started, ${rollback.finished} finished; ${describeEvidence(evidence)}`,
      recoveryMs: at - back,
      test: 'Temporal killed while a broken revision is rolled back',
    });
  });

  it('the kube-apiserver stopped for 30 s while the pods of a new revision come up: the rollout finishes once it is back', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await new FaultScenario().start('apiserver-outage');
    onTestFinished(() => s.cleanup());
    await s.rollguard();
    // The readiness deadline is wall-clock time and the outage counts against it: the pods cannot
    // become Ready while the API server is down, and kwok retries its pod updates with a backoff of
    // up to ~35 s after. A deadline shorter than outage + that backoff fails a healthy revision.
    const deadline = '180s';
    await s.create(faultRelease('web', 'example/web:v1', { deadline }));
    await s.waitForPhase('web', 'Ready', (st) => st.currentRevision === 1);
    await s.update(faultRelease('web', 'example/web:v2', { deadline }));
    await s.waitFor(
      'web',
      'revision 2 applied, its pods coming up',
      (st) => st.phase === 'Progressing' && st.currentRevision === 2,
    );

    const stopping = Date.now();
    let back = 0;
    await during(
      stopApiserver,
      async () => {
        await startApiserver();
        back = Date.now();
      },
      () => outage(30_000),
    );
    const { release, at } = await s.waitForPhase('web', 'Ready', (st) => st.stableRevision === 2, {
      timeoutMs: 200_000,
    });

    const evidence = await gatherEvidence(s, release);
    expect(evidence).toMatchObject({ revisions: [1, 2], generation: 2, duplicateEvents: [] });
    expect(evidence.scheduled).toMatchObject({ snapshotRevision: 2, applyRevision: 2 });
    await s.record({
      fault:
        'kube-apiserver stopped (SIGTERM) for 30 s during Progressing (waiting for the pods of revision 2), started again',
      expected: 'Ready at revision 2; revisions 1,2; generation 2; each Event once',
      observed: `not answering for ${seconds(back - stopping)}; Ready at revision ${release.status?.currentRevision}; ${describeEvidence(evidence)}`,
      recoveryMs: at - back,
      test: 'the kube-apiserver stopped for 30 s',
    });
  });
});
