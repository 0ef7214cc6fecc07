import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthActivities, type Clock } from '../../../src/activities/checks/analysis.ts';
import type { AnalysisProgress } from '../../../src/domain/health/analysis-progress.ts';
import { readinessResult } from '../../../src/domain/health/readiness.ts';
import type { AnalysisResult, HttpProbe } from '../../../src/domain/health/types.ts';
import { ProbeTargets } from './probe-targets.ts';

const targets = new ProbeTargets();
beforeAll(() => targets.start());
afterAll(() => targets.stop());

const httpCheck = (path: string, overrides: Partial<HttpProbe> = {}): HttpProbe => ({
  name: path,
  urls: [targets.url(path)],
  retries: 0,
  timeoutMs: 1_000,
  weight: 5,
  ...overrides,
});

/** Time that moves only when the analysis sleeps, so no round slips on a busy machine. */
function virtualClock(): Clock {
  let now = 1_700_000_000_000;
  return {
    now: () => now,
    async sleep(ms, signal) {
      signal?.throwIfAborted();
      now += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

/** Hooks that record heartbeats, optionally resuming from earlier details. */
function recorder(resumeFrom?: AnalysisProgress) {
  const beats: AnalysisProgress[] = [];
  return {
    beats,
    activity: () => ({
      heartbeat: (d: unknown) => void beats.push(d as AnalysisProgress),
      lastHeartbeat: () => resumeFrom,
    }),
  };
}

/** The rounds the heartbeats reported, in order; waits between rounds repeat the last one. */
const roundsSeen = (beats: AnalysisProgress[]): number[] => [...new Set(beats.map((b) => b.lastRound))];

describe('the analysis over a window', () => {
  it('measures every check every interval across the window, heartbeating each round', async () => {
    const { beats, activity } = recorder();
    const { runAnalysis } = createHealthActivities({ activity, clock: virtualClock(), heartbeatEveryMs: 1_000 });
    const result = await runAnalysis({ windowMs: 80, intervalMs: 20, http: [httpCheck('healthy')] });
    expect(result).toMatchObject({ rounds: 5, stoppedEarly: false });
    expect(result.checks).toEqual([
      expect.objectContaining({ name: 'healthy', outcome: 'Pass', consecutiveFailures: 0 }),
    ]);
    expect(roundsSeen(beats)).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps heartbeating while a round of slow probes is still measuring', async () => {
    const { beats, activity } = recorder();
    const { runAnalysis } = createHealthActivities({ activity, heartbeatEveryMs: 50 });
    await runAnalysis({ windowMs: 0, intervalMs: 1_000, http: [httpCheck('slow/400/pod')] });
    expect(beats.filter((b) => b.lastRound === -1).length).toBeGreaterThanOrEqual(3);
    expect(beats.at(-1)?.lastRound).toBe(0);
  });

  it('does not fail a flapping endpoint that never fails twice in a row (failureThreshold 2)', async () => {
    const { runAnalysis } = createHealthActivities({ activity: recorder().activity, clock: virtualClock() });
    const result = await runAnalysis({
      windowMs: 100,
      intervalMs: 20,
      http: [httpCheck('flapping', { failureThreshold: 2 })],
    });
    expect(targets.hitsOf('flapping')).toBe(6);
    expect(result.checks[0]?.outcome).toBe('Pass');
  });

  it('fails a check once it fails failureThreshold rounds in a row, and keeps it failed', async () => {
    const { runAnalysis } = createHealthActivities({ activity: recorder().activity, clock: virtualClock() });
    const result = await runAnalysis({
      windowMs: 60,
      intervalMs: 20,
      http: [httpCheck('error', { failureThreshold: 3 })],
    });
    expect(result.checks[0]).toMatchObject({ outcome: 'Fail', consecutiveFailures: 3 });
    expect(result.checks[0]?.reason).toContain('failed 3 rounds in a row, threshold 3');
  });

  it('takes the whole window on the real clock', async () => {
    const { runAnalysis } = createHealthActivities({ activity: recorder().activity });
    const started = performance.now();
    const result = await runAnalysis({ windowMs: 100, intervalMs: 25, http: [httpCheck('healthy')] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    // Five rounds are due; on a starved machine late ones are skipped, never the last.
    expect(result.rounds).toBeGreaterThanOrEqual(2);
    expect(result.rounds).toBeLessThanOrEqual(5);
  });

  it('ends early once the failures alone reach the failing weight, so the rollback starts at once', async () => {
    const { runAnalysis } = createHealthActivities({ activity: recorder().activity, clock: virtualClock() });
    const started = performance.now();
    const result = await runAnalysis({
      windowMs: 60_000,
      intervalMs: 10_000,
      stopAtFailingWeight: 5,
      http: [httpCheck('error', { name: 'early' })],
    });
    expect(result).toMatchObject({ rounds: 1, stoppedEarly: true });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('reports the readiness result it was given alongside the measured checks', async () => {
    const readiness = readinessResult({ ready: 2, desired: 3, deadlineExceeded: true, deadlineSeconds: 30, weight: 3 });
    const { runAnalysis } = createHealthActivities({ activity: recorder().activity, clock: virtualClock() });
    const result = await runAnalysis({ windowMs: 0, intervalMs: 20, readiness, http: [httpCheck('healthy')] });
    expect(result.checks.map((c) => [c.kind, c.outcome])).toEqual([
      ['Readiness', 'Fail'],
      ['HTTP', 'Pass'],
    ]);
    expect(result.checks[0]?.reason).toBe('2/3 pods Ready after the 30s readiness deadline');
  });

  it('measures each check at its own interval: a 6 s query next to a 2 s probe is queried every 6 s', async () => {
    const { runAnalysis } = createHealthActivities({ activity: recorder().activity, clock: virtualClock() });
    const prometheus = {
      name: 'error-rate',
      address: targets.url('prom-every-6s'),
      query: 'up',
      max: 1,
      weight: 4,
      intervalMs: 6_000,
    };
    const result = await runAnalysis({
      windowMs: 12_000,
      intervalMs: 2_000,
      http: [
        httpCheck('healthy?every=2s', { name: 'fast', intervalMs: 2_000 }),
        httpCheck('healthy?every=4s', { name: 'slow', intervalMs: 4_000 }),
      ],
      prometheus: [prometheus],
    });
    // Rounds at 0, 2, 4 … 12 s for the probe; 0, 4, 8, 12 s; and 0, 6, 12 s for the query.
    expect(targets.hitsOf('healthy?every=2s')).toBe(7);
    expect(targets.hitsOf('healthy?every=4s')).toBe(4);
    expect(targets.hitsOf('prom-every-6s/api/v1/query')).toBe(3);
    expect(result.rounds).toBe(7);
  });

  it('resumes from heartbeat details written before checks had their own interval', async () => {
    const clock = virtualClock();
    // An attempt measured rounds 0 and 1 of the shared 20 ms interval: the 40 ms check's round 0.
    const earlier: AnalysisProgress = { startedAt: clock.now() - 20, lastRound: 1, roundsMeasured: 2, streaks: {} };
    const { activity, beats } = recorder(earlier);
    const result = await createHealthActivities({ activity, clock }).runAnalysis({
      windowMs: 80,
      intervalMs: 20,
      http: [httpCheck('healthy?resumed-old', { name: 'own-interval', intervalMs: 40 })],
    });
    expect(targets.hitsOf('healthy?resumed-old')).toBe(2); // its rounds 1 and 2, at 40 and 80 ms
    expect(result.rounds).toBe(4);
    expect(beats.at(-1)).toMatchObject({ startedAt: earlier.startedAt, checkRounds: { 'http/0': 2 } });
  });

  it('resumes a retried attempt from its last heartbeat instead of restarting the window', async () => {
    const clock = virtualClock();
    const first = recorder();
    const check = httpCheck('error', { name: 'resumed', failureThreshold: 3 });
    await createHealthActivities({ activity: first.activity, clock }).runAnalysis({
      windowMs: 20,
      intervalMs: 20,
      http: [check],
    });
    const lastBeat = first.beats.at(-1) as AnalysisProgress;
    expect(lastBeat.streaks['http/0']?.consecutiveFailures).toBe(2);

    // The retry is handed the same window, now longer: one more failing round reaches the threshold of 3.
    const retry = recorder(lastBeat);
    const result = await createHealthActivities({ activity: retry.activity, clock }).runAnalysis({
      windowMs: 40,
      intervalMs: 20,
      http: [check],
    });
    expect(result.rounds).toBe(3);
    expect(result.checks[0]).toMatchObject({ outcome: 'Fail', consecutiveFailures: 3 });
    // It waited for round 2 (heartbeating round 1's progress) and measured only that round.
    expect(roundsSeen(retry.beats)).toEqual([1, 2]);
  });
});

describe('the analysis as a Temporal activity', () => {
  it('heartbeats through the activity context and resumes from its heartbeat details', async () => {
    const clock = virtualClock();
    const started: AnalysisProgress = { startedAt: clock.now() - 40, lastRound: 1, roundsMeasured: 2, streaks: {} };
    const env = new MockActivityEnvironment({ heartbeatDetails: started });
    const beats: AnalysisProgress[] = [];
    env.on('heartbeat', (d: AnalysisProgress) => beats.push(d));
    const { runAnalysis } = createHealthActivities({ clock });
    // MockActivityEnvironment.run does not infer the result type.
    const result = (await env.run(() =>
      runAnalysis({ windowMs: 60, intervalMs: 20, http: [httpCheck('healthy')] }),
    )) as AnalysisResult;
    expect(result.rounds).toBe(4);
    expect(beats.at(-1)).toMatchObject({ startedAt: started.startedAt, lastRound: 3, roundsMeasured: 4 });
  });

  it('stops waiting for the next round when the workflow cancels it', async () => {
    const env = new MockActivityEnvironment();
    const { runAnalysis } = createHealthActivities();
    const running = env.run(() => runAnalysis({ windowMs: 60_000, intervalMs: 30_000, http: [httpCheck('healthy')] }));
    setImmediate(() => env.cancel());
    await expect(running).rejects.toMatchObject({ name: 'CancelledFailure' });
  });
});
