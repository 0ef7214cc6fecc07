import type { CheckResult } from './types.ts';

/**
 * Healthy: the revision may be promoted. Unhealthy: roll back. Inconclusive: nothing failed enough to
 * roll back, but the checks that could not be measured weigh enough that they might have; the workflow
 * decides what that means (argo-rollouts pauses; we leave it to the rollback policy).
 */
export type VerdictStatus = 'Healthy' | 'Unhealthy' | 'Inconclusive';

/** The record that status, Events, the status query and the CLI show. */
export interface Verdict {
  status: VerdictStatus;
  healthy: boolean;
  failingWeight: number;
  inconclusiveWeight: number;
  threshold: number;
  checks: CheckResult[];
  reason: string;
}

/** Negative or non-finite weights count as zero: a check can only add to the case against a revision. */
const weightOf = (check: CheckResult): number => (Number.isFinite(check.weight) && check.weight > 0 ? check.weight : 0);

const sumWeights = (checks: CheckResult[]): number => checks.reduce((sum, check) => sum + weightOf(check), 0);

/** How messages name a check: "HTTP healthz", "Prometheus error-rate"; the one readiness check, "Readiness". */
export const checkLabel = (check: Pick<CheckResult, 'kind' | 'name'>): string =>
  check.name.toLowerCase() === check.kind.toLowerCase() ? check.kind : `${check.kind} ${check.name}`;

const names = (checks: CheckResult[]): string => checks.map(checkLabel).join(', ');

/**
 * Weighs the checks against the threshold (the article's §4.2: Prometheus 4, readiness 3, /healthz 5).
 * The verdict is Unhealthy when at least one check fails and the failing weight reaches the threshold,
 * so a threshold of 0 means "any failure", and zero-weight checks are recorded but never decide.
 * Inconclusive checks never count as failing: a Prometheus outage must not roll back every release.
 */
export function decideVerdict(checks: CheckResult[], threshold: number): Verdict {
  const failing = checks.filter((check) => check.outcome === 'Fail');
  const inconclusive = checks.filter((check) => check.outcome === 'Inconclusive');
  const failingWeight = sumWeights(failing);
  const inconclusiveWeight = sumWeights(inconclusive);
  const record = { failingWeight, inconclusiveWeight, threshold, checks };

  if (failing.length > 0 && failingWeight >= threshold) {
    const reason = `failing weight ${failingWeight} reached the threshold ${threshold} (failing: ${names(failing)})`;
    return { ...record, status: 'Unhealthy', healthy: false, reason };
  }
  if (inconclusive.length > 0 && inconclusiveWeight > 0 && failingWeight + inconclusiveWeight >= threshold) {
    const reason =
      `failing weight ${failingWeight} is below the threshold ${threshold}, but ${names(inconclusive)} ` +
      `(weight ${inconclusiveWeight}) could not be measured and could have reached it`;
    return { ...record, status: 'Inconclusive', healthy: false, reason };
  }
  return {
    ...record,
    status: 'Healthy',
    healthy: true,
    reason: healthyReason(checks, failing, inconclusive, threshold),
  };
}

function healthyReason(
  checks: CheckResult[],
  failing: CheckResult[],
  inconclusive: CheckResult[],
  threshold: number,
): string {
  if (checks.length === 0) return 'no health checks are configured';
  if (failing.length === 0 && inconclusive.length === 0) return `all ${checks.length} checks passed`;
  const unmeasured = inconclusive.length > 0 ? `; could not measure ${names(inconclusive)}` : '';
  return `failing weight ${sumWeights(failing)} is below the threshold ${threshold}${unmeasured}`;
}
