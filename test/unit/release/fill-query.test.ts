import { describe, expect, it } from 'vitest';
import { fillQuery } from '../../../src/domain/release/analysis-plan.ts';

describe('a PromQL query names the revision it judges', () => {
  const canary = { revision: '4', track: 'canary' };

  it.each([
    ['rate(errors{rollguard_revision="{{revision}}"}[1m])', 'rate(errors{rollguard_revision="4"}[1m])'],
    ['kube_pod_labels{label_rollguard_dev_track="{{ track }}"}', 'kube_pod_labels{label_rollguard_dev_track="canary"}'],
    ['{{revision}} + {{revision}}', '4 + 4'],
    ['sum(rate(x[1m]))', 'sum(rate(x[1m]))'],
  ])('%s', (query, filled) => {
    expect(fillQuery(query, canary)).toBe(filled);
  });

  it('leaves a name it does not know as written, so Prometheus names the problem', () => {
    expect(fillQuery('x{a="{{tarck}}"}', canary)).toBe('x{a="{{tarck}}"}');
    expect(fillQuery('x{a="{{track}}"}', { revision: '2' })).toBe('x{a="{{track}}"}');
  });
});
