import { checkLabel, type Verdict } from '../health/verdict.ts';

/**
 * A revision is promoted only when it is fully rolled out and judged: a verdict the checks alone would
 * call Healthy is Inconclusive when the rollout did not complete by its deadline. Unhealthy stays.
 */
export function judgeRollout(verdict: Verdict, rolledOut: boolean): Verdict {
  if (rolledOut || verdict.status !== 'Healthy') return verdict;
  return {
    ...verdict,
    status: 'Inconclusive',
    healthy: false,
    reason: `the rollout did not complete by its readiness deadline, so the revision cannot be promoted (${verdict.reason})`,
  };
}

/** The verdict in one line with each check's outcome and weight, as Events and the log carry it. */
export function verdictSummary(verdict: Verdict): string {
  const checks = verdict.checks.map((c) => `${checkLabel(c)}: ${c.outcome} (weight ${c.weight})`).join('; ');
  return checks ? `${verdict.reason} [${checks}]` : verdict.reason;
}
