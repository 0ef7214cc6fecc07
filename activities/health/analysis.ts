import { setTimeout as delay } from 'node:timers/promises';
import { checkKey, isAnalysisProgress, nextRound, roundDueAt, type AnalysisProgress } from '../../src/health/analysis-progress.ts';
import { newStreak, recordRound, streakResult } from '../../src/health/failure-streak.ts';
import type { AnalysisInput, AnalysisResult, CheckResult, MeasureContext } from '../../src/health/types.ts';
import { httpDefaults, prometheusDefaults } from '../../src/health/types.ts';
import { decideVerdict } from '../../src/health/verdict.ts';
import { currentActivityHooks, type ActivityHooks } from './activity-context.ts';
import { createHttpGate, type HttpGateOptions } from './http.ts';
import { createPrometheusGate, type PrometheusGateOptions } from './prometheus.ts';

/** Wall-clock time (epoch ms): the window's start must mean the same thing to the next attempt. */
export interface Clock {
  now(): number;
  /** Rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** HTTP probes go through `transport`, Prometheus queries through `fetch`. */
export interface HealthDeps extends HttpGateOptions, PrometheusGateOptions {
  clock?: Clock;
  /** The activity's heartbeat and cancellation; defaults to the current Temporal activity, if any. */
  activity?: () => ActivityHooks;
  /** Longest quiet spell between heartbeats, while waiting for a round and while measuring one. */
  heartbeatEveryMs?: number;
}

/** A check of the input with its streak key and the failure threshold that applies to it. */
interface PlannedCheck {
  key: string;
  failureThreshold: number;
  measure(ctx: MeasureContext): Promise<CheckResult>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // Rejects with the activity's cancellation itself (a CancelledFailure under Temporal), not a wrapper.
  async sleep(ms, signal) {
    try {
      await delay(ms, undefined, { signal });
    } catch (err) {
      throw signal?.aborted ? signal.reason : err;
    }
  },
};

export function createHealthActivities(deps: HealthDeps = {}) {
  const clock = deps.clock ?? systemClock;
  const now = (): number => clock.now();
  const hooksOf = deps.activity ?? currentActivityHooks;
  const heartbeatEveryMs = deps.heartbeatEveryMs ?? 5_000;
  const http = createHttpGate(deps);
  const prometheus = createPrometheusGate(deps);

  function plan(input: AnalysisInput): PlannedCheck[] {
    const httpChecks = (input.http ?? []).map((check, i) => ({
      key: checkKey('http', i),
      failureThreshold: check.failureThreshold ?? httpDefaults.failureThreshold,
      measure: (ctx: MeasureContext) => http.measure(check, ctx),
    }));
    const promChecks = (input.prometheus ?? []).map((check, i) => ({
      key: checkKey('prometheus', i),
      failureThreshold: check.failureThreshold ?? prometheusDefaults.failureThreshold,
      measure: (ctx: MeasureContext) => prometheus.measure(check, ctx),
    }));
    return [...httpChecks, ...promChecks];
  }

  const results = (checks: PlannedCheck[], progress: AnalysisProgress, readiness: CheckResult | undefined): CheckResult[] => [
    ...(readiness ? [readiness] : []),
    ...checks.flatMap((c) => streakResult(progress.streaks[c.key] ?? newStreak(), c.failureThreshold) ?? []),
  ];

  /** Waits until `dueAt`, heartbeating meanwhile so a long interval does not look like a dead worker. */
  async function waitUntil(dueAt: number, hooks: ActivityHooks, progress: AnalysisProgress): Promise<void> {
    for (let left = dueAt - now(); left > 0; left = dueAt - now()) {
      await clock.sleep(Math.min(left, heartbeatEveryMs), hooks.signal);
      hooks.heartbeat(progress);
    }
  }

  /** Measures every check once. A round of slow probes can outlast a heartbeat timeout, so it beats too. */
  async function measureRound(checks: PlannedCheck[], progress: AnalysisProgress, round: number, hooks: ActivityHooks): Promise<AnalysisProgress> {
    const ticker = setInterval(() => hooks.heartbeat(progress), heartbeatEveryMs);
    const measured = await Promise.all(checks.map((c) => c.measure({ signal: hooks.signal }))).finally(() => clearInterval(ticker));
    const streaks = { ...progress.streaks };
    checks.forEach((c, i) => {
      streaks[c.key] = recordRound(streaks[c.key] ?? newStreak(), measured[i] as CheckResult, c.failureThreshold);
    });
    return { ...progress, lastRound: round, roundsMeasured: progress.roundsMeasured + 1, streaks };
  }

  /**
   * Measures every check every interval across the window and reports each check's result. It only
   * measures: the workflow weighs the results with decideVerdict. `stopAtFailingWeight` lets it end
   * as soon as the failures alone already decide the verdict, so a rollback starts without delay.
   */
  async function runAnalysis(input: AnalysisInput): Promise<AnalysisResult> {
    const hooks = hooksOf();
    const checks = plan(input);
    const resumed = hooks.lastHeartbeat();
    let progress: AnalysisProgress = isAnalysisProgress(resumed)
      ? resumed
      : { startedAt: now(), lastRound: -1, roundsMeasured: 0, streaks: {} };
    const lostCause = (): boolean =>
      input.stopAtFailingWeight !== undefined &&
      decideVerdict(results(checks, progress, input.readiness), input.stopAtFailingWeight).status === 'Unhealthy';

    let stoppedEarly = false;
    for (let round = nextRound(progress, now(), input.windowMs, input.intervalMs); round !== undefined; ) {
      if (lostCause()) {
        stoppedEarly = true;
        break;
      }
      await waitUntil(roundDueAt(progress, round, input.intervalMs), hooks, progress);
      progress = await measureRound(checks, progress, round, hooks);
      hooks.heartbeat(progress);
      round = nextRound(progress, now(), input.windowMs, input.intervalMs);
    }
    return { checks: results(checks, progress, input.readiness), rounds: progress.roundsMeasured, stoppedEarly };
  }

  return { runAnalysis };
}

export type HealthActivities = ReturnType<typeof createHealthActivities>;
