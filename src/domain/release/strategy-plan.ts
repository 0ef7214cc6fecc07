import type { ReleaseSpec, StepAnalysis, StrategyType } from '../api/index.ts';
// Not from the index: workflow code plans the steps, and loads no schema library.
import { parseDuration } from '../api/durations.ts';

/**
 * A Release's canary or blue-green strategy, read once into the steps the workflow walks. Blue-green is
 * written as steps too (preview, its analysis, a pause when it is not promoted automatically, the
 * switch), so both strategies share one state machine (strategy-machine.ts) and one status.
 */
export type PlannedStep =
  | { kind: 'setWeight'; weight: number }
  /** Without durationMs: until promoted. */
  | { kind: 'pause'; durationMs?: number }
  | { kind: 'analysis'; windowMs: number; failureWeight: number }
  /** Blue-green: the new revision at full size beside the old one, with no user traffic. */
  | { kind: 'preview' }
  /** Blue-green: all traffic to the new revision at once. */
  | { kind: 'switch' };

/** How traffic moves between the revisions. */
export type TrafficRouting =
  /** By pod counts: both revisions' pods behind the same Service. */
  | { kind: 'replicas' }
  /** By the backendRefs weights of an HTTPRoute. */
  | { kind: 'gatewayAPI'; httpRoute: string; stableService: string; canaryService: string }
  /** Blue-green: by the selector of the active Service, all at once. */
  | { kind: 'service'; activeService: string; previewService?: string };

export interface StrategyPlan {
  type: StrategyType;
  steps: PlannedStep[];
  routing: TrafficRouting;
  /** How long the old revision keeps its pods after the new one has all traffic. */
  scaleDownDelayMs: number;
}

/**
 * After a canary's HTTPRoute sends all traffic to the new revision, the old pods are kept this long
 * unless canary.scaleDownDelay says otherwise, so that gateways still applying the previous weights
 * have somewhere to send requests (Argo Rollouts waits the same 30 s by default). Without a router, traffic follows the pods and nothing needs to wait.
 */
export const routedCanaryScaleDownDelayMs = 30_000;

/** The plan of a Release's strategy; undefined for the rolling strategy (also when spec.strategy is absent). */
export function strategyPlan(spec: Pick<ReleaseSpec, 'strategy' | 'analysis'>): StrategyPlan | undefined {
  const analysis = (step: StepAnalysis): PlannedStep => ({
    kind: 'analysis',
    windowMs: parseDuration(step.window ?? spec.analysis.window),
    failureWeight: step.failureWeight ?? spec.analysis.failureWeight,
  });
  const { canary, blueGreen } = spec.strategy ?? {};
  if (canary) {
    const gateway = canary.trafficRouting?.gatewayAPI;
    return {
      type: 'Canary',
      steps: canary.steps.map((step): PlannedStep => {
        if (step.setWeight !== undefined) return { kind: 'setWeight', weight: step.setWeight };
        if (step.analysis !== undefined) return analysis(step.analysis);
        const duration = step.pause?.duration;
        return duration === undefined ? { kind: 'pause' } : { kind: 'pause', durationMs: parseDuration(duration) };
      }),
      routing: gateway ? { kind: 'gatewayAPI', ...gateway } : { kind: 'replicas' },
      scaleDownDelayMs: gateway
        ? canary.scaleDownDelay === undefined
          ? routedCanaryScaleDownDelayMs
          : parseDuration(canary.scaleDownDelay)
        : 0,
    };
  }
  if (blueGreen) {
    return {
      type: 'BlueGreen',
      steps: [
        { kind: 'preview' },
        ...(blueGreen.previewAnalysis ? [analysis(blueGreen.previewAnalysis)] : []),
        ...(blueGreen.autoPromote ? [] : [{ kind: 'pause' } as const]),
        { kind: 'switch' },
      ],
      routing: {
        kind: 'service',
        activeService: blueGreen.activeService,
        ...(blueGreen.previewService ? { previewService: blueGreen.previewService } : {}),
      },
      scaleDownDelayMs: parseDuration(blueGreen.scaleDownDelay),
    };
  }
  return undefined;
}

/**
 * The new revision's share of traffic, in percent, while `stepIndex` is in force: the last weight set
 * at or before it (0 before the first). Every step passed (stepIndex = steps.length) means 100.
 */
export function weightAt(plan: StrategyPlan, stepIndex: number): number {
  if (stepIndex >= plan.steps.length) return 100;
  let weight = 0;
  for (const step of plan.steps.slice(0, stepIndex + 1)) {
    if (step.kind === 'setWeight') weight = step.weight;
    if (step.kind === 'switch') weight = 100;
  }
  return weight;
}

/** True when the two plans walk the same steps the same way: a new spec with an equal plan keeps its place. */
export function samePlan(a: StrategyPlan | undefined, b: StrategyPlan | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
