import { describe, expect, it } from 'vitest';
import { decideVerdict } from '../../../src/domain/health/verdict.ts';
import type { CheckResult } from '../../../src/domain/health/types.ts';
import { kstatusConditions } from '../../../src/domain/release/conditions.ts';
import { judgeRollout, verdictSummary } from '../../../src/domain/release/verdict-summary.ts';

// The source article's weights: readiness 3, Prometheus 4, /healthz 5, failureWeight 5.
const readinessFailed: CheckResult = {
  name: 'readiness',
  kind: 'Readiness',
  outcome: 'Fail',
  weight: 3,
  reason: '0/2 Ready',
};
const healthz: CheckResult = { name: 'healthz', kind: 'HTTP', outcome: 'Pass', weight: 5, reason: 'ok' };

describe('a verdict on a rollout', () => {
  it('is never healthy when the rollout did not complete, though the failing weight is below the threshold', () => {
    const verdict = judgeRollout(decideVerdict([readinessFailed, healthz], 5), false);
    expect(verdict).toMatchObject({ status: 'Inconclusive', healthy: false });
    expect(verdict.reason).toContain('cannot be promoted');
  });

  it('stays unhealthy when the weights say so, rolled out or not', () => {
    const failing = { ...healthz, outcome: 'Fail' as const };
    expect(judgeRollout(decideVerdict([readinessFailed, failing], 5), false).status).toBe('Unhealthy');
  });

  it('is unchanged for a complete rollout', () => {
    expect(judgeRollout(decideVerdict([healthz], 5), true).status).toBe('Healthy');
  });

  it('names each check with its outcome and weight', () => {
    expect(verdictSummary(decideVerdict([readinessFailed, healthz], 5))).toContain(
      'Readiness: Fail (weight 3); HTTP healthz: Pass (weight 5)',
    );
  });
});

describe('kstatus conditions', () => {
  it.each([
    ['Progressing', 'True', 'False'],
    ['RollingBack', 'True', 'False'],
    ['Ready', 'False', 'False'],
    ['Failed', 'False', 'True'],
  ] as const)('in %s: Reconciling %s, Stalled %s', (phase, reconciling, stalled) => {
    const [r, s] = kstatusConditions(phase, 'X', 'why');
    expect(r).toMatchObject({ type: 'Reconciling', status: reconciling });
    expect(s).toMatchObject({ type: 'Stalled', status: stalled });
  });
});
