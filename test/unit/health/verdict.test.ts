import { describe, expect, it } from 'vitest';
import type { CheckKind, CheckOutcome as Outcome } from '../../../src/domain/api/check-fields.ts';
import { type CheckResult, withCheckKind } from '../../../src/domain/health/types.ts';
import { decideVerdict, type VerdictStatus } from '../../../src/domain/health/verdict.ts';

const check = (kind: CheckKind, name: string, weight: number, outcome: Outcome): CheckResult => ({
  name,
  kind,
  weight,
  outcome,
  reason: `${name} ${outcome}`,
});

// The article's §4.2 weights: Prometheus 4, readiness 3, /healthz 5.
const prometheus = (outcome: Outcome) => check('Prometheus', 'error-rate', 4, outcome);
const readiness = (outcome: Outcome) => check('Readiness', 'readiness', 3, outcome);
const healthz = (outcome: Outcome) => check('HTTP', 'healthz', 5, outcome);

interface Row {
  when: string;
  checks: CheckResult[];
  threshold: number;
  status: VerdictStatus;
  failingWeight: number;
}

const table: Row[] = [
  { when: 'no checks are configured', checks: [], threshold: 5, status: 'Healthy', failingWeight: 0 },
  {
    when: 'every check passes',
    checks: [prometheus('Pass'), readiness('Pass'), healthz('Pass')],
    threshold: 5,
    status: 'Healthy',
    failingWeight: 0,
  },
  {
    when: '/healthz alone fails (5 of 5)',
    checks: [prometheus('Pass'), readiness('Pass'), healthz('Fail')],
    threshold: 5,
    status: 'Unhealthy',
    failingWeight: 5,
  },
  {
    when: 'Prometheus alone fails (4 of 5)',
    checks: [prometheus('Fail'), readiness('Pass'), healthz('Pass')],
    threshold: 5,
    status: 'Healthy',
    failingWeight: 4,
  },
  {
    when: 'readiness alone fails (3 of 5)',
    checks: [prometheus('Pass'), readiness('Fail'), healthz('Pass')],
    threshold: 5,
    status: 'Healthy',
    failingWeight: 3,
  },
  {
    when: 'Prometheus and readiness fail (7 of 5)',
    checks: [prometheus('Fail'), readiness('Fail'), healthz('Pass')],
    threshold: 5,
    status: 'Unhealthy',
    failingWeight: 7,
  },
  {
    when: 'the threshold is exactly reached (4 + 3 = 7)',
    checks: [prometheus('Fail'), readiness('Fail')],
    threshold: 7,
    status: 'Unhealthy',
    failingWeight: 7,
  },
  {
    when: 'one below the threshold (7 of 8)',
    checks: [prometheus('Fail'), readiness('Fail'), healthz('Pass')],
    threshold: 8,
    status: 'Healthy',
    failingWeight: 7,
  },
  {
    when: 'everything fails (12 of 12)',
    checks: [prometheus('Fail'), readiness('Fail'), healthz('Fail')],
    threshold: 12,
    status: 'Unhealthy',
    failingWeight: 12,
  },
  {
    when: 'an inconclusive check could not have reached it',
    checks: [prometheus('Inconclusive'), healthz('Pass')],
    threshold: 5,
    status: 'Healthy',
    failingWeight: 0,
  },
  {
    when: 'an inconclusive check could have reached it',
    checks: [prometheus('Pass'), healthz('Inconclusive')],
    threshold: 5,
    status: 'Inconclusive',
    failingWeight: 0,
  },
  {
    when: 'a failure plus an inconclusive check could have reached it',
    checks: [readiness('Fail'), prometheus('Inconclusive')],
    threshold: 5,
    status: 'Inconclusive',
    failingWeight: 3,
  },
  {
    when: 'failures reach it even with another inconclusive',
    checks: [healthz('Fail'), prometheus('Inconclusive')],
    threshold: 5,
    status: 'Unhealthy',
    failingWeight: 5,
  },
  {
    when: 'a zero-weight check fails',
    checks: [check('HTTP', 'info', 0, 'Fail'), healthz('Pass')],
    threshold: 5,
    status: 'Healthy',
    failingWeight: 0,
  },
  {
    when: 'a zero-weight check is inconclusive',
    checks: [check('HTTP', 'info', 0, 'Inconclusive')],
    threshold: 5,
    status: 'Healthy',
    failingWeight: 0,
  },
  {
    when: 'a negative weight would offset a failure',
    checks: [check('HTTP', 'odd', -10, 'Fail'), healthz('Fail')],
    threshold: 5,
    status: 'Unhealthy',
    failingWeight: 5,
  },
  {
    when: 'threshold 0 and any check fails',
    checks: [check('HTTP', 'info', 0, 'Fail')],
    threshold: 0,
    status: 'Unhealthy',
    failingWeight: 0,
  },
  {
    when: 'threshold 0 and everything passes',
    checks: [healthz('Pass')],
    threshold: 0,
    status: 'Healthy',
    failingWeight: 0,
  },
];

describe('the weighted verdict', () => {
  it.each(table)('is $status when $when', ({ checks, threshold, status, failingWeight }) => {
    const verdict = decideVerdict(checks, threshold);
    expect(verdict.status).toBe(status);
    expect(verdict.healthy).toBe(status === 'Healthy');
    expect(verdict.failingWeight).toBe(failingWeight);
    expect(verdict.threshold).toBe(threshold);
  });

  it('records every check with its name, kind, outcome, value, weight and reason', () => {
    const measured = { ...prometheus('Fail'), value: 0.12, reason: 'value 0.12 is above the maximum 0.05' };
    const verdict = decideVerdict([measured, readiness('Pass'), healthz('Inconclusive')], 5);
    expect(verdict.checks).toEqual([measured, readiness('Pass'), healthz('Inconclusive')]);
    expect(verdict.inconclusiveWeight).toBe(5);
  });

  it('names the failing checks in its reason', () => {
    const verdict = decideVerdict([prometheus('Fail'), readiness('Fail'), healthz('Pass')], 5);
    expect(verdict.reason).toBe('failing weight 7 reached the threshold 5 (failing: Prometheus error-rate, Readiness)');
  });

  it('says why it could not decide', () => {
    const verdict = decideVerdict([healthz('Inconclusive')], 5);
    expect(verdict.reason).toContain('HTTP healthz (weight 5) could not be measured');
  });

  it('says when there was nothing to check', () => {
    expect(decideVerdict([], 5).reason).toBe('no health checks are configured');
  });

  it('survives a JSON round trip unchanged, as it must to travel in status and Temporal payloads', () => {
    const verdict = decideVerdict([prometheus('Fail'), healthz('Pass')], 5);
    expect(JSON.parse(JSON.stringify(verdict))).toEqual(verdict);
  });

  it('reads results recorded with the old lower-case kinds as the kinds status shows', () => {
    const recorded = [
      { ...healthz('Fail'), kind: 'http' },
      { ...prometheus('Pass'), kind: 'prometheus' },
      { ...readiness('Pass'), kind: 'readiness' },
    ];
    expect(recorded.map((r) => withCheckKind(r as CheckResult).kind)).toEqual(['HTTP', 'Prometheus', 'Readiness']);
    expect(withCheckKind(healthz('Pass'))).toEqual(healthz('Pass'));
  });
});
