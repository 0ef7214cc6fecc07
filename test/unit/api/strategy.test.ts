import { describe, expect, it } from 'vitest';
import { parseRelease, releaseSpecSchema, type Release } from '../../../src/domain/api/index.ts';
import { sampleRelease } from '../../support/crd.ts';

/** The sample Release with spec.strategy set to `strategy` (anything, since the point is to write wrong things). */
function withStrategy(strategy: unknown) {
  const release = structuredClone(sampleRelease());
  (release.spec as Record<string, unknown>).strategy = strategy;
  return release;
}

function parsed(strategy: unknown): Release {
  const result = parseRelease(withStrategy(strategy));
  if (!result.ok) throw result.error;
  return result.release;
}

/** Each problem parseRelease reports, as "field: message". */
function problems(strategy: unknown): string[] {
  const result = parseRelease(withStrategy(strategy));
  return result.ok ? [] : result.error.issues.map((i) => `${i.field}: ${i.message}`);
}

const canary = (steps: unknown[], extra: Record<string, unknown> = {}) => ({ canary: { steps, ...extra } });

describe('spec.strategy', () => {
  it('is absent by default, and a Release without it parses as before (the rolling strategy)', () => {
    const result = parseRelease(sampleRelease());
    if (!result.ok) throw result.error;
    expect('strategy' in result.release.spec).toBe(false);
  });

  it('reads a canary with weights, timed and indefinite pauses and an analysis', () => {
    const steps = [
      { setWeight: 20 },
      { pause: { duration: '10m' } },
      { setWeight: 50 },
      { analysis: { window: '2m' } },
      { pause: {} },
      { setWeight: 100 },
    ];
    const { spec } = parsed(canary(structuredClone(steps)));
    expect(spec.strategy?.canary?.steps).toEqual(steps);
  });

  it('reads a canary routed by a Gateway API HTTPRoute', () => {
    const routing = { gatewayAPI: { httpRoute: 'web', stableService: 'web-stable', canaryService: 'web-canary' } };
    const { spec } = parsed(canary([{ setWeight: 10 }], { trafficRouting: routing }));
    expect(spec.strategy?.canary?.trafficRouting).toEqual(routing);
  });

  it('fills in the blue-green defaults: 30s before the old revision is scaled down, promoted automatically', () => {
    const { spec } = parsed({ blueGreen: { activeService: 'web' } });
    expect(spec.strategy?.blueGreen).toEqual({ activeService: 'web', autoPromote: true, scaleDownDelay: '30s' });
  });

  it('accepts rolling written out', () => {
    expect(parsed({ rolling: {} }).spec.strategy).toEqual({ rolling: {} });
  });

  it('refuses a weight outside 0 to 100, naming the step', () => {
    expect(problems(canary([{ setWeight: 120 }]))).toEqual([
      'spec.strategy.canary.steps[0].setWeight: must be a percentage from 0 to 100',
    ]);
    expect(problems(canary([{ setWeight: 10 }, { setWeight: -5 }]))).toEqual([
      'spec.strategy.canary.steps[1].setWeight: must be a percentage from 0 to 100',
    ]);
    expect(problems(canary([{ setWeight: 12.5 }]))).toEqual([
      'spec.strategy.canary.steps[0].setWeight: must be a whole number from 0 to 100',
    ]);
  });

  it('refuses a canary without a setWeight step above 0', () => {
    const noExposure = /^spec\.strategy\.canary\.steps: a canary needs a setWeight step above 0/;
    expect(problems(canary([{ pause: {} }]))).toEqual([expect.stringMatching(noExposure)]);
    expect(problems(canary([{ setWeight: 0 }, { pause: { duration: '1m' } }]))).toEqual([
      expect.stringMatching(noExposure),
    ]);
    expect(problems(canary([]))).toEqual(['spec.strategy.canary.steps: a canary needs at least one step']);
  });

  it('refuses weights that go down, naming the step and the higher weight before it', () => {
    expect(problems(canary([{ setWeight: 10 }, { setWeight: 50 }, { pause: {} }, { setWeight: 25 }]))).toEqual([
      'spec.strategy.canary.steps[3].setWeight: 25 is less than 50 at steps[1]: setWeight must not decrease from one step to the next (to send traffic back to the stable revision, abort)',
    ]);
  });

  it('accepts a weight held over several steps', () => {
    expect(problems(canary([{ setWeight: 20 }, { analysis: {} }, { setWeight: 20 }]))).toEqual([]);
  });

  it('refuses an analysis before the new revision has any traffic', () => {
    expect(problems(canary([{ analysis: { window: '2m' } }, { setWeight: 20 }]))).toEqual([
      'spec.strategy.canary.steps[0].analysis: comes before any setWeight above 0, when the new revision has no pods to judge; move it after the first setWeight',
    ]);
  });

  it('refuses a step that sets none or more than one of setWeight, pause and analysis', () => {
    expect(problems(canary([{ setWeight: 20, pause: {} }]))).toEqual([
      'spec.strategy.canary.steps[0]: a step sets exactly one of setWeight, pause or analysis',
    ]);
    expect(problems(canary([{ setWeight: 20 }, {}]))).toEqual([
      'spec.strategy.canary.steps[1]: a step sets exactly one of setWeight, pause or analysis',
    ]);
  });

  it('refuses unknown fields, naming them and the fields it knows', () => {
    expect(problems(canary([{ setweight: 20 }]))).toContain(
      'spec.strategy.canary.steps[0]: unknown field "setweight"; known fields: setWeight, pause, analysis',
    );
    expect(problems({ canary: { steps: [{ setWeight: 20 }], maxSurge: 1 } })).toEqual([
      'spec.strategy.canary: unknown field "maxSurge"; known fields: steps, trafficRouting, scaleDownDelay',
    ]);
    expect(problems(canary([{ setWeight: 20 }, { pause: { duration: '1m', reason: 'x' } }]))).toEqual([
      'spec.strategy.canary.steps[1].pause: unknown field "reason"; known fields: duration',
    ]);
  });

  it('refuses a pause duration that does not parse', () => {
    for (const duration of ['10 minutes', '1h30m', '0s', 600])
      expect(problems(canary([{ setWeight: 20 }, { pause: { duration } }]))).toEqual([
        expect.stringMatching(/^spec\.strategy\.canary\.steps\[1\]\.pause\.duration: /),
      ]);
    expect(problems(canary([{ setWeight: 20 }, { pause: { duration: '10 minutes' } }]))).toEqual([
      'spec.strategy.canary.steps[1].pause.duration: must be a positive duration such as "10m" (units: ms, s, m, h)',
    ]);
  });

  it('refuses traffic routing with a field missing, naming it and what it is for', () => {
    const routing = (gatewayAPI: unknown) => canary([{ setWeight: 20 }], { trafficRouting: { gatewayAPI } });
    expect(problems(routing({ httpRoute: 'web', stableService: 'web-stable' }))).toEqual([
      'spec.strategy.canary.trafficRouting.gatewayAPI.canaryService: is required: the Service of the new revision, referenced by the HTTPRoute',
    ]);
    expect(problems(routing({ stableService: 'a', canaryService: 'b' }))).toEqual([
      'spec.strategy.canary.trafficRouting.gatewayAPI.httpRoute: is required: the HTTPRoute whose backendRefs weights rollguard sets',
    ]);
    expect(problems(routing({ httpRoute: 'web', stableService: 'web', canaryService: 'web' }))).toEqual([
      'spec.strategy.canary.trafficRouting.gatewayAPI.canaryService: stableService and canaryService must be different Services',
    ]);
    expect(problems(canary([{ setWeight: 20 }], { trafficRouting: {} }))).toEqual([
      'spec.strategy.canary.trafficRouting.gatewayAPI: is required: the HTTPRoute and the two Services it sends to',
    ]);
  });

  it('refuses more than one strategy, or none named', () => {
    const one = 'spec.strategy: set exactly one of rolling, canary or blueGreen';
    expect(problems({ ...canary([{ setWeight: 20 }]), blueGreen: { activeService: 'web' } })).toEqual([one]);
    expect(problems({})).toEqual([one]);
  });

  it('refuses a blue-green rollout without the Service it switches', () => {
    expect(problems({ blueGreen: {} })).toEqual([
      'spec.strategy.blueGreen.activeService: is required: the Service whose selector rollguard switches to the new revision',
    ]);
    expect(problems({ blueGreen: { activeService: 'web', previewService: 'web' } })).toEqual([
      'spec.strategy.blueGreen.previewService: previewService and activeService must be different Services',
    ]);
  });

  it('is read the same way by a workflow (releaseSpecSchema), which checks it as admission does', () => {
    const spec = withStrategy(canary([{ setWeight: 50 }, { setWeight: 10 }])).spec;
    expect(releaseSpecSchema.safeParse(spec).success).toBe(false);
    const { strategy: _none, ...old } = withStrategy(undefined).spec as Record<string, unknown>;
    expect(releaseSpecSchema.parse(old)).not.toHaveProperty('strategy');
  });
});

describe('the analysis window of a step', () => {
  it('is refused when a health check could never fail within it, naming the step and the check', () => {
    // The sample's prometheus check "error-rate" needs 4 failing rounds 30s apart: 2 minutes.
    expect(problems(canary([{ setWeight: 20 }, { analysis: { window: '1m' } }]))).toEqual([
      'spec.strategy.canary.steps[1].analysis.window: failureThreshold × interval exceeds this window (1m), so prometheus check "error-rate" can never fail in it; lengthen the window, or shorten the check\'s interval or lower its failureThreshold',
    ]);
    expect(problems({ blueGreen: { activeService: 'web', previewAnalysis: { window: '90s' } } })).toEqual([
      expect.stringMatching(
        /^spec\.strategy\.blueGreen\.previewAnalysis\.window: failureThreshold × interval exceeds this window \(90s\)/,
      ),
    ]);
    expect(problems(canary([{ setWeight: 20 }, { analysis: { window: '2m' } }]))).toEqual([]);
  });
});
