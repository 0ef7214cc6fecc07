import {
  checkKey,
  isAnalysisProgress,
  lastRoundOf,
  nextRoundAfter,
  roundDueAt,
  type AnalysisProgress,
} from '../../domain/health/analysis-progress.ts';
import { newStreak, recordRound, streakResult } from '../../domain/health/failure-streak.ts';
import { redactValues, type HeaderSource } from '../../domain/health/check-headers.ts';
import type { AnalysisInput, AnalysisResult, CheckResult, MeasureContext } from '../../domain/health/types.ts';
import { httpDefaults, prometheusDefaults } from '../../domain/health/types.ts';
import { decideVerdict } from '../../domain/health/verdict.ts';
import { healthChecks, probeDuration } from '../../telemetry/metrics.ts';
import { currentActivityHooks, type ActivityHooks } from './activity-context.ts';
import { createHttpGate, type HttpGateOptions } from './http.ts';
import { createPrometheusGate, type PrometheusGateOptions } from './prometheus.ts';
import { createHeaderResolver, type HeaderResolver, type ReadSecret } from './secret-headers.ts';
import { sleepUnlessCancelled } from '../waiting.ts';

/** Wall-clock time (epoch ms): the window's start must mean the same thing to the next attempt. */
export interface Clock {
  now(): number;
  /** Rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** HTTP probes go through `transport`; both gates through the egress policy in `egress`, when given. */
export interface HealthDeps extends HttpGateOptions, PrometheusGateOptions {
  clock?: Clock;
  /** The activity's heartbeat and cancellation; defaults to the current Temporal activity, if any. */
  activity?: () => ActivityHooks;
  /** Longest quiet spell between heartbeats, while waiting for a round and while measuring one. */
  heartbeatEveryMs?: number;
  /** Reads the Secrets that checks' headers name (in the Release's namespace). */
  readSecret?: ReadSecret;
}

/** A check of the input with its streak key, its own interval and the failure threshold that applies to it. */
interface PlannedCheck {
  key: string;
  intervalMs: number;
  failureThreshold: number;
  measure(ctx: MeasureContext): Promise<CheckResult>;
}

/** A check's next round and when it is due. */
interface UpcomingRound {
  check: PlannedCheck;
  round: number;
  dueAt: number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // Rejects with the activity's cancellation itself (a CancelledFailure under Temporal), not a wrapper.
  sleep: (ms, signal) => sleepUnlessCancelled(ms, signal),
};

export function createHealthActivities(deps: HealthDeps = {}) {
  const clock = deps.clock ?? systemClock;
  const now = (): number => clock.now();
  const hooksOf = deps.activity ?? currentActivityHooks;
  const heartbeatEveryMs = deps.heartbeatEveryMs ?? 5_000;
  const http = createHttpGate(deps);
  const prometheus = createPrometheusGate(deps);

  function plan(input: AnalysisInput, headers: HeaderResolver): PlannedCheck[] {
    const httpChecks = (input.http ?? []).map((check, i) => ({
      key: checkKey('http', i),
      intervalMs: check.intervalMs ?? input.intervalMs,
      failureThreshold: check.failureThreshold ?? httpDefaults.failureThreshold,
      measure: timed('HTTP', (ctx: MeasureContext) =>
        withHeaders(headers, check.headers, { name: check.name, kind: 'HTTP', weight: check.weight }, ctx, (c) =>
          http.measure(check, c),
        ),
      ),
    }));
    const promChecks = (input.prometheus ?? []).map((check, i) => ({
      key: checkKey('prometheus', i),
      intervalMs: check.intervalMs ?? input.intervalMs,
      failureThreshold: check.failureThreshold ?? prometheusDefaults.failureThreshold,
      measure: timed('Prometheus', (ctx: MeasureContext) =>
        withHeaders(headers, check.headers, { name: check.name, kind: 'Prometheus', weight: check.weight }, ctx, (c) =>
          prometheus.measure(check, c),
        ),
      ),
    }));
    return [...httpChecks, ...promChecks];
  }

  const results = (
    checks: PlannedCheck[],
    progress: AnalysisProgress,
    readiness: CheckResult | undefined,
  ): CheckResult[] => [
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

  /** Each check's next round, for the checks whose window is not done yet. */
  function upcoming(
    checks: PlannedCheck[],
    progress: AnalysisProgress,
    input: AnalysisInput,
    at: number,
  ): UpcomingRound[] {
    return checks.flatMap((check) => {
      const last = lastRoundOf(progress, check.key, check.intervalMs, input.intervalMs);
      const round = nextRoundAfter(last, progress.startedAt, at, input.windowMs, check.intervalMs);
      return round === undefined ? [] : [{ check, round, dueAt: roundDueAt(progress, round, check.intervalMs) }];
    });
  }

  /** Measures the due checks once. A round of slow probes can outlast a heartbeat timeout, so it beats too. */
  async function measureRound(
    due: UpcomingRound[],
    progress: AnalysisProgress,
    hooks: ActivityHooks,
  ): Promise<AnalysisProgress> {
    const ticker = setInterval(() => hooks.heartbeat(progress), heartbeatEveryMs);
    const measured = await Promise.all(due.map((d) => d.check.measure({ signal: hooks.signal }))).finally(() =>
      clearInterval(ticker),
    );
    const streaks = { ...progress.streaks };
    const checkRounds = { ...progress.checkRounds };
    due.forEach(({ check, round }, i) => {
      streaks[check.key] = recordRound(
        streaks[check.key] ?? newStreak(),
        measured[i] as CheckResult,
        check.failureThreshold,
      );
      checkRounds[check.key] = round;
    });
    return {
      ...progress,
      lastRound: progress.lastRound + 1,
      roundsMeasured: progress.roundsMeasured + 1,
      streaks,
      checkRounds,
    };
  }

  /**
   * Measures each check at its own interval across the window (a 6 s Prometheus query next to a 2 s
   * HTTP probe is queried every 6 s) and reports each check's result. It only measures: the workflow
   * weighs the results with decideVerdict. `stopAtFailingWeight` lets it end as soon as the failures
   * alone already decide the verdict, so a rollback starts without delay.
   */
  async function runAnalysis(input: AnalysisInput): Promise<AnalysisResult> {
    const hooks = hooksOf();
    // One resolver per run: each Secret is read once per analysis, and again by the next one.
    const checks = plan(input, createHeaderResolver(deps.readSecret));
    const resumed = hooks.lastHeartbeat();
    let progress: AnalysisProgress = isAnalysisProgress(resumed)
      ? resumed
      : { startedAt: now(), lastRound: -1, roundsMeasured: 0, streaks: {}, checkRounds: {} };
    const lostCause = (): boolean =>
      input.stopAtFailingWeight !== undefined &&
      decideVerdict(results(checks, progress, input.readiness), input.stopAtFailingWeight).status === 'Unhealthy';

    let stoppedEarly = false;
    for (;;) {
      if (lostCause()) {
        stoppedEarly = true;
        break;
      }
      const at = now();
      const next = upcoming(checks, progress, input, at);
      if (next.length === 0) break;
      const due = next.filter((u) => u.dueAt <= at);
      if (due.length === 0) {
        await waitUntil(Math.min(...next.map((u) => u.dueAt)), hooks, progress);
        continue;
      }
      progress = await measureRound(due, progress, hooks);
      hooks.heartbeat(progress);
    }
    return { checks: results(checks, progress, input.readiness), rounds: progress.roundsMeasured, stoppedEarly };
  }

  return { runAnalysis };
}

/**
 * Measures a check with its headers. A header whose Secret cannot be read fails the round without a
 * request (Inconclusive when the API server did not answer); no result names a Secret's value.
 */
async function withHeaders(
  resolver: HeaderResolver,
  sources: HeaderSource[] | undefined,
  base: Pick<CheckResult, 'name' | 'kind' | 'weight'>,
  ctx: MeasureContext,
  measure: (ctx: MeasureContext) => Promise<CheckResult>,
): Promise<CheckResult> {
  if (!sources?.length) return measure(ctx);
  const resolved = await resolver.resolve(sources);
  if (!resolved.ok) return { ...base, outcome: resolved.transient ? 'Inconclusive' : 'Fail', reason: resolved.problem };
  const result = await measure({ ...ctx, headers: resolved.headers });
  return { ...result, reason: redactValues(result.reason, resolved.secretValues) };
}

/** A measurement counted by kind and outcome (rollguard_health_checks_total) and timed (the probe histogram). */
function timed(
  kind: 'HTTP' | 'Prometheus',
  measure: (ctx: MeasureContext) => Promise<CheckResult>,
): (ctx: MeasureContext) => Promise<CheckResult> {
  return async (ctx) => {
    const stop = probeDuration.startTimer({ kind });
    const result = await measure(ctx);
    stop({ outcome: result.outcome });
    healthChecks.inc({ kind, outcome: result.outcome });
    return result;
  };
}

export type HealthActivities = ReturnType<typeof createHealthActivities>;

/**
 * Measures each HTTP and Prometheus check of an input once, now, with its headers: what an inspection
 * asks ("do the checks pass right now?"), where an analysis watches a window.
 */
export function createCheckMeasurer(deps: HealthDeps = {}) {
  const http = createHttpGate(deps);
  const prometheus = createPrometheusGate(deps);
  return async function measureOnce(
    input: Pick<AnalysisInput, 'http' | 'prometheus'>,
    ctx: MeasureContext = {},
  ): Promise<CheckResult[]> {
    const headers = createHeaderResolver(deps.readSecret);
    // A check that cannot even be asked (no address) is Inconclusive, never the end of the inspection.
    const safely = async (base: Pick<CheckResult, 'name' | 'kind' | 'weight'>, measure: () => Promise<CheckResult>) => {
      try {
        return await measure();
      } catch (err) {
        return { ...base, outcome: 'Inconclusive' as const, reason: `not measured: ${(err as Error).message}` };
      }
    };
    return await Promise.all([
      ...(input.http ?? []).map((check) => {
        const base = { name: check.name, kind: 'HTTP', weight: check.weight } as const;
        return safely(base, () => withHeaders(headers, check.headers, base, ctx, (c) => http.measure(check, c)));
      }),
      ...(input.prometheus ?? []).map((check) => {
        const base = { name: check.name, kind: 'Prometheus', weight: check.weight } as const;
        if (!check.address)
          return {
            ...base,
            outcome: 'Inconclusive' as const,
            reason: 'the check names no Prometheus and rollguard has none by default (ROLLGUARD_PROMETHEUS_URL)',
          };
        return safely(base, () => withHeaders(headers, check.headers, base, ctx, (c) => prometheus.measure(check, c)));
      }),
    ]);
  };
}

export type MeasureOnce = ReturnType<typeof createCheckMeasurer>;
