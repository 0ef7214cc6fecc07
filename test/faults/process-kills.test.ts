import { describe, it } from 'vitest';
import { leaseName } from '../../src/controller/lease.ts';
import type { ReleaseStatus } from '../../src/domain/api/index.ts';
import { waitFor } from '../support/stack.ts';
import { specGenerations } from '../support/temporal.ts';
import { describeEvidence, gatherEvidence, rollbackEvents } from './evidence.ts';
import { healthEndpoint } from './health-endpoint.ts';
import { seconds } from './recovery.ts';
import { faultRelease, recreateRelease } from './releases.ts';
import { FaultScenario } from './scenario.ts';

const analysing = (st: ReleaseStatus): boolean =>
  st.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'AnalysisRunning') ?? false;

/**
 * `rollguard run` killed with SIGKILL (a crash, a lost node) at each step of a rollout, then started
 * again, as Kubernetes restarts a pod. The Release must end where it would have without the crash,
 * with every step done once: one ControllerRevision per revision, one Deployment generation per
 * applied revision, each Event once. Each test has its own namespace and rollguard, so they run at once.
 */
describe.concurrent('rollguard run killed mid-rollout', () => {
  it('killed while the pods of a new revision come up: the new process finishes the wait and the revision becomes stable', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await new FaultScenario().start('kill-progressing');
    onTestFinished(() => s.cleanup());
    const first = await s.rollguard();
    await s.create(faultRelease('web', 'example/web:v1'));
    await s.waitForPhase('web', 'Ready', (st) => st.currentRevision === 1);
    await s.update(faultRelease('web', 'example/web:v2'));
    await s.waitFor(
      'web',
      'revision 2 applied, its pods coming up',
      (st) => st.phase === 'Progressing' && st.currentRevision === 2,
    );

    await first.kill();
    expect((await s.read('web')).status?.phase).toBe('Progressing');
    const restarted = Date.now();
    await s.rollguard();
    const { release, at } = await s.waitForPhase('web', 'Ready', (st) => st.stableRevision === 2);

    const evidence = await gatherEvidence(s, release);
    expect(evidence).toMatchObject({ revisions: [1, 2], generation: 2, duplicateEvents: [] });
    expect(evidence.scheduled).toMatchObject({ snapshotRevision: 2, applyRevision: 2, awaitRollout: 2 });
    await s.record({
      fault: 'SIGKILL of `rollguard run` during Progressing (waiting for the pods of revision 2)',
      expected: 'Ready at revision 2; revisions 1,2; generation 2; each Event once',
      observed: `Ready at revision ${release.status?.currentRevision}; ${describeEvidence(evidence)}`,
      recoveryMs: at - restarted,
      test: 'killed while the pods of a new revision come up',
    });
  });

  it('killed during the analysis window: the new process carries on with the same window and the revision becomes stable', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await new FaultScenario().start('kill-analysis');
    const target = await healthEndpoint();
    onTestFinished(async () => {
      await s.cleanup();
      await target.close();
    });
    const first = await s.rollguard();
    const http = [{ name: 'healthz', url: target.url, interval: '1s', timeout: '500ms', failureThreshold: 3 }];
    await s.create(faultRelease('api', 'example/api:v1', { readyDelay: '1s', window: '20s', http }));
    await s.waitFor('api', 'the analysis probing the endpoint', (st) => analysing(st) && target.requests() >= 2);

    await first.kill();
    const restarted = Date.now();
    await s.rollguard();
    const { release, at } = await s.waitForPhase('api', 'Ready', (st) => st.stableRevision === 1);

    expect(release.status?.lastVerdict?.checks.find((c) => c.name === 'healthz')).toMatchObject({
      kind: 'HTTP',
      outcome: 'Pass',
    });
    const evidence = await gatherEvidence(s, release);
    expect(evidence).toMatchObject({ revisions: [1], generation: 1, duplicateEvents: [] });
    expect(evidence.scheduled).toMatchObject({ snapshotRevision: 1, applyRevision: 1, runAnalysis: 1 });
    await s.record({
      fault: 'SIGKILL of `rollguard run` during analysis (an HTTP check, 20 s window)',
      expected: 'Ready at revision 1, the HTTP check passed; generation 1; runAnalysis scheduled once',
      observed: `Ready at revision ${release.status?.currentRevision}, healthz ${release.status?.lastVerdict?.checks.find((c) => c.name === 'healthz')?.outcome}; runAnalysis ×${evidence.scheduled.runAnalysis}; ${describeEvidence(evidence)}`,
      recoveryMs: at - restarted,
      test: 'killed during the analysis window',
    });
  });

  it('killed while rolling back a broken revision: the rollback finishes once, under the same rollback id', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await new FaultScenario().start('kill-rollback');
    onTestFinished(() => s.cleanup());
    const first = await s.rollguard();
    // The readiness deadline bounds the broken rollout and the rollback's wait, which a crash must not exhaust.
    await s.create(recreateRelease('shop', 'example/shop:v1', { deadline: '35s' }));
    await s.waitForPhase('shop', 'Ready', (st) => st.currentRevision === 1);
    await s.update(recreateRelease('shop', 'example/shop:v2-broken', { deadline: '35s' }));
    const { release: rolling } = await s.waitForPhase('shop', 'RollingBack', () => true, { timeoutMs: 90_000 });
    const id = rolling.status?.lastRollback?.id;

    await first.kill();
    const restarted = Date.now();
    await s.rollguard();
    const { release, at } = await s.waitForPhase(
      'shop',
      'Failed',
      (st) => st.lastRollback?.trigger === 'Automatic' && st.currentRevision === 1,
    );

    expect(release.status?.lastRollback).toMatchObject({ id, fromRevision: 2, toRevision: 1 });
    const evidence = await gatherEvidence(s, release);
    // Revision 1, revision 2, revision 1 again: three applies, three generations. The third is the
    // readiness wait's own (an armed rollback), so two applyRevision steps.
    expect(evidence).toMatchObject({ revisions: [1, 2], generation: 3, duplicateEvents: [] });
    expect(evidence.scheduled).toMatchObject({ snapshotRevision: 2, applyRevision: 2 });
    const rollback = rollbackEvents(evidence, id ?? '');
    expect(rollback).toMatchObject({ started: 1, finished: 1 });
    expect(rollback.automatic.every((note) => note.includes(`rollback ${id}`))).toBe(true);
    await s.record({
      fault: 'SIGKILL of `rollguard run` during RollingBack (revision 2 broken, back to 1)',
      expected:
        'Failed, rolled back to revision 1 under one rollback id; generation 3; AutomaticRollback Events: 1 started, 1 finished',
      observed: `Failed at revision ${release.status?.currentRevision}, rollback ${release.status?.lastRollback?.id} (id at the kill: ${id}); AutomaticRollback Events: ${rollback.started} started, ${rollback.finished} finished; ${describeEvidence(evidence)}`,
      recoveryMs: at - restarted,
      test: 'killed while rolling back a broken revision',
    });
  });

  it('killed right after it applied a revision: the Deployment is not applied a second time', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await new FaultScenario().start('kill-apply');
    onTestFinished(() => s.cleanup());
    const first = await s.rollguard();
    await s.create(faultRelease('cart', 'example/cart:v1', { readyDelay: '1s' }));
    await s.waitForPhase('cart', 'Ready', (st) => st.currentRevision === 1);
    await s.update(faultRelease('cart', 'example/cart:v2', { readyDelay: '1s' }));
    await waitFor('the Deployment applied with revision 2', async () => (await s.appliedRevision('cart')) === 2, {
      timeoutMs: 60_000,
      intervalMs: 50,
    });

    await first.kill();
    const restarted = Date.now();
    await s.rollguard();
    const { release, at } = await s.waitForPhase('cart', 'Ready', (st) => st.stableRevision === 2);

    const evidence = await gatherEvidence(s, release);
    expect(evidence).toMatchObject({ revisions: [1, 2], generation: 2, duplicateEvents: [] });
    expect(evidence.scheduled).toMatchObject({ snapshotRevision: 2, applyRevision: 2 });
    await s.record({
      fault: 'SIGKILL of `rollguard run` right after it applied revision 2',
      expected: 'Ready at revision 2; generation 2 (no second apply); applyRevision scheduled twice (v1, v2)',
      observed: `Ready at revision ${release.status?.currentRevision}; ${describeEvidence(evidence)}`,
      recoveryMs: at - restarted,
      test: 'killed right after it applied a revision',
    });
  });

  it('of two rollguard run, the leader killed mid-rollout: the other takes the lease and the worker tasks, and a spec sent meanwhile is rolled out once', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await new FaultScenario().start('kill-leader');
    onTestFinished(() => s.cleanup());
    const processes = await Promise.all([s.rollguard(), s.rollguard()]);
    const holder = async (): Promise<string | undefined> =>
      (
        await s.clients.coordination
          .readNamespacedLease({ name: leaseName, namespace: s.namespace })
          .catch(() => undefined)
      )?.spec?.holderIdentity;
    await waitFor('one of them to hold the lease', async () => (await holder()) !== undefined, { timeoutMs: 60_000 });
    const leaderIdentity = (await holder()) as string;
    const leader = processes.find((p) => p.output.includes(`"identity":"${leaderIdentity}"`));
    const standby = processes.find((p) => p !== leader);
    if (!leader || !standby) throw new Error(`no process logs the lease holder's identity ${leaderIdentity}`);
    const created = await s.create(faultRelease('pay', 'example/pay:v1'));
    await s.waitFor('pay', 'revision 1 applied', (st) => st.phase === 'Progressing' && st.currentRevision === 1);

    await leader.kill();
    const killed = Date.now();
    // Sent at once: it may land in the same workflow task as the interrupted wait's result (which once left the Release stuck).
    await s.update(faultRelease('pay', 'example/pay:v2'));
    await waitFor('the standby to take the lease', async () => (await holder()) !== leaderIdentity, {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    const takenOver = Date.now();
    expect(standby.output).toContain(`"identity":"${await holder()}"`);
    const { release, at } = await s.waitForPhase('pay', 'Ready', (st) => st.stableRevision === 2);

    const signalled = await specGenerations(await s.client(), s.workflowId(created));
    expect(signalled).toEqual([1, 2]);
    const evidence = await gatherEvidence(s, release);
    expect(evidence).toMatchObject({ revisions: [1, 2], generation: 2, duplicateEvents: [] });
    expect(evidence.scheduled).toMatchObject({ snapshotRevision: 2, applyRevision: 2 });
    await s.record({
      fault:
        'two `rollguard run`, the leader SIGKILLed during Progressing of revision 1; revision 2 applied right after',
      expected: 'the standby takes the Lease and sends generation 2, once; Ready at revision 2; generation 2',
      observed: `Lease taken by the standby ${seconds(takenOver - killed)} after the kill; spec signals ${signalled.join(',')}; Ready at revision ${release.status?.currentRevision}; ${describeEvidence(evidence)}`,
      recoveryMs: at - killed,
      test: 'the leader killed mid-rollout',
    });
  });

  it('a burst of 20 Releases with rollguard killed twice: every Release becomes Ready, each step once', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await new FaultScenario().start('kill-burst');
    onTestFinished(() => s.cleanup());
    const names = Array.from({ length: 20 }, (_, i) => `app-${i}`);
    const statuses = (): Promise<(ReleaseStatus | undefined)[]> =>
      Promise.all(names.map(async (name) => (await s.read(name)).status));
    const first = await s.rollguard();
    await Promise.all(
      names.map((name) => s.create(faultRelease(name, `example/${name}:v1`, { replicas: 1, readyDelay: '6s' }))),
    );
    await waitFor(
      'five Releases to have applied their revision',
      async () => (await statuses()).filter((st) => st?.currentRevision === 1).length >= 5,
      { timeoutMs: 120_000 },
    );

    await first.kill();
    const second = await s.rollguard();
    await waitFor(
      'the second process to move a Release on',
      async () => second.output.includes('"msg":"release phase changed"'),
      { timeoutMs: 120_000 },
    );
    const readyAtSecondKill = (await statuses()).filter((st) => st?.phase === 'Ready').length;
    await second.kill();
    const restarted = Date.now();
    await s.rollguard();
    await waitFor(
      'every Release to be Ready',
      async () => (await statuses()).every((st) => st?.phase === 'Ready' && st.stableRevision === 1),
      { timeoutMs: 180_000 },
    );
    const at = Date.now();

    const all = await Promise.all(names.map(async (name) => gatherEvidence(s, await s.read(name))));
    for (const evidence of all) {
      expect(evidence).toMatchObject({ revisions: [1], generation: 1, duplicateEvents: [] });
      expect(evidence.scheduled).toMatchObject({ snapshotRevision: 1, applyRevision: 1 });
    }
    const retried = all.flatMap((e) => e.retried);
    await s.record({
      fault:
        'a burst of 20 new Releases, `rollguard run` SIGKILLed twice (at 5 applied, then once the second process had moved one on)',
      expected:
        '20 Ready at revision 1; per Release: 1 ControllerRevision, generation 1, applyRevision once, each Event once',
      observed: `20/20 Ready (${readyAtSecondKill} were at the second kill); per Release: revisions [1], generation 1, applyRevision ×1, 0 duplicate Events; ${retried.length} activities retried (${[...new Set(retried.map((r) => r.activity))].join(', ')})`,
      recoveryMs: at - restarted,
      test: 'a burst of 20 Releases',
    });
  });
});
