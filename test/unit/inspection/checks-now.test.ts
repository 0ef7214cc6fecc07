import { describe, expect, it } from 'vitest';
import { createCheckMeasurer } from '../../../src/activities/checks/analysis.ts';

describe('the checks an inspection measures once', () => {
  it('a Prometheus check with no address, and no default, is Inconclusive with the reason: the inspection goes on', async () => {
    const measureOnce = createCheckMeasurer({});
    const results = await measureOnce({
      prometheus: [{ name: 'error-rate', address: '', query: 'vector(1)', max: 0.5, weight: 4 }],
    });
    expect(results).toEqual([
      expect.objectContaining({
        name: 'error-rate',
        kind: 'Prometheus',
        outcome: 'Inconclusive',
        reason: expect.stringContaining('ROLLGUARD_PROMETHEUS_URL'),
      }),
    ]);
  });
});
