/**
 * The health gates' vocabulary: plain data only, so workflow code can import it and every value crosses
 * the Temporal payload boundary as JSON. The workflow maps a Release's health spec onto these inputs.
 */

import type { CheckKind, CheckOutcome } from '../api/check-fields.ts';
import type { HeaderSource } from './check-headers.ts';

/**
 * One check's result: what the analysis concluded (Inconclusive: it could not be measured, such as no
 * data or Prometheus unreachable). The Release's status records a part of it (RecordedCheck).
 */
export interface CheckResult {
  name: string;
  kind: CheckKind;
  outcome: CheckOutcome;
  /** The measured figure: PromQL sample, failing HTTP targets, ready pods; absent when nothing was measured. */
  value?: number;
  weight: number;
  /** A sentence a person can act on. */
  reason: string;
  /** Failing rounds in a row when the result was taken (checks with a failure threshold). */
  consecutiveFailures?: number;
  /**
   * A failure no later round can undo (the egress policy refuses the target, Prometheus refuses the
   * query): it fails the check at once, whatever its failure threshold.
   */
  permanent?: boolean;
}

/** Inclusive range of HTTP status codes a probe accepts. */
export interface StatusRange {
  min: number;
  max: number;
}

/** A body match: a substring, or the source of a regular expression. */
export type BodyMatch = { contains: string } | { regex: string };

/**
 * Which targets of a multi-target (per-pod) check must pass in a round. `all` (the default) because
 * every pod runs the new revision and one broken pod already serves broken traffic; retries absorb blips.
 */
export type TargetQuorum = 'all' | 'majority';

/** An HTTP check as the analysis runs it: its URLs resolved, its durations in milliseconds. */
export interface HttpProbe {
  name: string;
  /** Absolute URLs; a per-pod check is resolved to one URL per pod by the caller (see targets.ts). */
  urls: string[];
  /** The urls are the pod IPs of the revision (a per-pod check), which the egress policy allows by default. */
  pods?: boolean;
  /** How often the check is measured; AnalysisInput.intervalMs when absent (inputs recorded before checks had their own). */
  intervalMs?: number;
  timeoutMs?: number;
  /** Attempts after the first one, with exponential backoff and jitter. */
  retries?: number;
  expectedStatus?: StatusRange;
  body?: BodyMatch;
  quorum?: TargetQuorum;
  /** Failing rounds in a row before the check counts as failing. */
  failureThreshold?: number;
  weight: number;
  /** Request headers; a Secret's value is read by the activity, never carried here. */
  headers?: HeaderSource[];
}

/** A Prometheus check as the analysis runs it. */
export interface PrometheusQuery {
  name: string;
  /** Base URL of the Prometheus server, e.g. http://prometheus:9090. */
  address: string;
  /** An instant-vector or scalar PromQL expression. */
  query: string;
  min?: number;
  max?: number;
  /** What an empty result means; default Inconclusive. */
  noData?: CheckOutcome;
  timeoutMs?: number;
  failureThreshold?: number;
  /** How often the query runs; AnalysisInput.intervalMs when absent. */
  intervalMs?: number;
  weight: number;
  /** Request headers; a Secret's value is read by the activity, never carried here. */
  headers?: HeaderSource[];
}

export const httpDefaults = {
  timeoutMs: 2_000,
  retries: 2,
  expectedStatus: { min: 200, max: 399 },
  quorum: 'all',
  failureThreshold: 1,
} as const satisfies Partial<HttpProbe>;

export const prometheusDefaults = {
  noData: 'Inconclusive',
  timeoutMs: 5_000,
  failureThreshold: 1,
} as const satisfies Partial<PrometheusQuery>;

/** What a provider may use while measuring: cancellation of the surrounding activity. */
export interface MeasureContext {
  signal?: AbortSignal | undefined;
  /** The check's request headers with their values, Secrets' included: for the request only, never for a result. */
  headers?: Record<string, string>;
}

/**
 * A provider for one kind of check (argo-rollouts style): it measures once and reports one round's
 * result; failure thresholds across rounds and the verdict are decided elsewhere.
 */
export interface HealthGate<Spec> {
  readonly kind: CheckKind;
  measure(spec: Spec, ctx: MeasureContext): Promise<CheckResult>;
}

/** Input of the analysis activity: each check is measured at its own interval across the window. */
export interface AnalysisInput {
  windowMs: number;
  /** The interval of checks that name none of their own. */
  intervalMs: number;
  http?: HttpProbe[];
  prometheus?: PrometheusQuery[];
  /** Readiness is observed by the caller (the rollout wait) and passed in as a finished result. */
  readiness?: CheckResult;
  /** When set, the analysis ends early once the failing weight reaches it: no point watching a lost cause. */
  stopAtFailingWeight?: number;
}

export interface AnalysisResult {
  checks: CheckResult[];
  /** Times the analysis measured (each time, the checks that were due). */
  rounds: number;
  /** True when the analysis ended before its window because the failing weight was already reached. */
  stoppedEarly: boolean;
}

/**
 * Results recorded before the kinds took the API's spelling say "http", "prometheus" and "readiness":
 * the workflow reads every result through this, so those histories replay to the same decisions.
 */
export function withCheckKind(result: CheckResult): CheckResult {
  const kind = legacyKinds[result.kind as string];
  return kind === undefined ? result : { ...result, kind };
}

const legacyKinds: Partial<Record<string, CheckKind>> = {
  http: 'HTTP',
  prometheus: 'Prometheus',
  readiness: 'Readiness',
};
