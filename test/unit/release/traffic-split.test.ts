import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { strategyPlan, type StrategyPlan, type TrafficRouting } from '../../../src/domain/release/strategy-plan.ts';
import {
  abortActions,
  abortedTarget,
  moveActions,
  podShare,
  promotedTarget,
  replicaSplit,
  stepTarget,
  type Split,
  type TrafficAction,
  type TrafficTarget,
} from '../../../src/domain/release/traffic-split.ts';

const byPods: TrafficRouting = { kind: 'replicas' };
const byRoute: TrafficRouting = {
  kind: 'gatewayAPI',
  httpRoute: 'web',
  stableService: 'stable',
  canaryService: 'canary',
};
const weight = fc.integer({ min: 0, max: 100 });
const replicas = fc.integer({ min: 0, max: 10_000 });

const canaryPlan = (weights: number[], routing: TrafficRouting = byPods): StrategyPlan => ({
  type: 'Canary',
  steps: weights.map((w) => ({ kind: 'setWeight', weight: w })),
  routing,
  scaleDownDelayMs: 0,
});

describe('the pods of each revision at a canary step, without a router', () => {
  it('gives 10 replicas at 20 % two canary pods and eight stable ones', () => {
    expect(replicaSplit(byPods, 20, 10)).toEqual({ canary: 2, stable: 8 });
  });

  it('rounds both sides up, so 3 replicas at 10 % run one canary pod beside all three stable ones', () => {
    expect(replicaSplit(byPods, 10, 3)).toEqual({ canary: 1, stable: 3 });
    expect(replicaSplit(byPods, 50, 3)).toEqual({ canary: 2, stable: 2 });
  });

  it('gives a single replica one pod on each side at any weight strictly between 0 and 100', () => {
    for (const w of [1, 50, 99]) expect(replicaSplit(byPods, w, 1)).toEqual({ canary: 1, stable: 1 });
  });

  it('runs no canary pod at weight 0 and no stable pod at weight 100', () => {
    expect(replicaSplit(byPods, 0, 5)).toEqual({ canary: 0, stable: 5 });
    expect(replicaSplit(byPods, 100, 5)).toEqual({ canary: 5, stable: 0 });
  });

  it('runs nothing for a Release scaled to 0', () => {
    for (const w of [0, 30, 100]) expect(replicaSplit(byPods, w, 0)).toEqual({ canary: 0, stable: 0 });
  });

  it('never runs fewer pods than the user asked for, and at most one more', () => {
    fc.assert(
      fc.property(weight, replicas, (w, r) => {
        const { canary, stable } = replicaSplit(byPods, w, r);
        expect(canary + stable).toBeGreaterThanOrEqual(r);
        expect(canary + stable).toBeLessThanOrEqual(r + 1);
      }),
    );
  });

  it('gives each revision enough pods for its share of the load, and no more than all of it', () => {
    fc.assert(
      fc.property(weight, replicas, (w, r) => {
        const { canary, stable } = replicaSplit(byPods, w, r);
        expect(canary * 100).toBeGreaterThanOrEqual(w * r);
        expect(stable * 100).toBeGreaterThanOrEqual((100 - w) * r);
        expect(canary).toBe(Math.ceil((w * r) / 100));
        expect(canary).toBeLessThanOrEqual(r);
        expect(stable).toBeLessThanOrEqual(r);
      }),
    );
  });

  it('keeps stable serving at every weight below 100, and a canary pod at every weight above 0', () => {
    fc.assert(
      fc.property(weight, fc.integer({ min: 1, max: 10_000 }), (w, r) => {
        const { canary, stable } = replicaSplit(byPods, w, r);
        if (w < 100) expect(stable).toBeGreaterThanOrEqual(1);
        if (w > 0) expect(canary).toBeGreaterThanOrEqual(1);
      }),
    );
  });

  it('sends the canary a share of traffic (its share of pods) within one pod of the weight', () => {
    fc.assert(
      fc.property(weight, fc.integer({ min: 1, max: 10_000 }), (w, r) => {
        const split = replicaSplit(byPods, w, r);
        const total = split.canary + split.stable;
        expect(Math.abs((split.canary / total) * 100 - w)).toBeLessThanOrEqual(100 / total + 1e-9);
        expect(podShare(split)).toBe(Math.round((100 * split.canary) / total));
      }),
    );
  });

  it('never takes a pod from the canary as the weights of a canary grow', () => {
    fc.assert(
      fc.property(fc.array(weight, { minLength: 1, maxLength: 10 }), replicas, (ws, r) => {
        const plan = canaryPlan([...ws].sort((a, b) => a - b));
        const pods = plan.steps.map((_, i) => stepTarget(plan, i, r).replicas.canary);
        expect(pods).toEqual([...pods].sort((a, b) => a - b));
      }),
    );
  });
});

describe('the pods of each revision with a Gateway API HTTPRoute', () => {
  it('keeps stable at full size at every step, so an abort is one write of the weights', () => {
    fc.assert(
      fc.property(weight, replicas, (w, r) => {
        expect(replicaSplit(byRoute, w, r)).toEqual({ canary: Math.ceil((w * r) / 100), stable: r });
      }),
    );
  });

  it('sets the route weights to the step weight and its complement', () => {
    const plan = canaryPlan([20, 50, 100], byRoute);
    expect([0, 1, 2].map((i) => stepTarget(plan, i, 4))).toEqual([
      { weights: { stable: 80, canary: 20 }, replicas: { stable: 4, canary: 1 } },
      { weights: { stable: 50, canary: 50 }, replicas: { stable: 4, canary: 2 } },
      { weights: { stable: 0, canary: 100 }, replicas: { stable: 4, canary: 4 } },
    ]);
  });
});

describe('the targets around the steps', () => {
  it('holds the last weight set through pauses and analyses, and 0 before the first', () => {
    const plan = strategyPlan({
      strategy: {
        canary: { steps: [{ pause: {} }, { setWeight: 30 }, { analysis: {} }, { pause: { duration: '1m' } }] },
      },
      analysis: { window: '5m', failureWeight: 3 },
    })!;
    expect([0, 1, 2, 3].map((i) => stepTarget(plan, i, 10).weights.canary)).toEqual([0, 30, 30, 30]);
  });

  it('promotes to all pods and traffic on the new revision; a routed canary keeps the old pods until they are retired', () => {
    expect(promotedTarget(canaryPlan([50]), 6, { retired: false })).toEqual({
      weights: { stable: 0, canary: 100 },
      replicas: { stable: 0, canary: 6 },
    });
    const routed = canaryPlan([50], byRoute);
    expect(promotedTarget(routed, 6, { retired: false }).replicas).toEqual({ stable: 6, canary: 6 });
    expect(promotedTarget(routed, 6, { retired: true }).replicas).toEqual({ stable: 0, canary: 6 });
  });

  it('aborts to all pods and traffic on stable', () => {
    expect(abortedTarget(4)).toEqual({ weights: { stable: 100, canary: 0 }, replicas: { stable: 4, canary: 0 } });
  });
});

/**
 * Plays the actions from `from`, assuming every awaitReady ends with the pods Ready (the workflow
 * fails the step otherwise), and records what is Ready and which weights are in force after each.
 */
function play(routing: TrafficRouting, from: TrafficTarget, actions: TrafficAction[]) {
  let ready: Split = { ...from.replicas };
  let running: Split = { ...from.replicas };
  let weights: Split = { ...from.weights };
  const moments: { ready: Split; weights: Split }[] = [{ ready, weights }];
  for (const action of actions) {
    if (action.kind === 'scale') {
      running = { ...running, [action.role]: action.replicas };
      // Pods going away stop serving at once; new ones only once waited for.
      ready = { ...ready, [action.role]: Math.min(ready[action.role], action.replicas) };
    } else if (action.kind === 'awaitReady') {
      expect(running[action.role]).toBe(action.replicas);
      ready = { ...ready, [action.role]: action.replicas };
    } else {
      expect(routing.kind).not.toBe('replicas');
      weights = action.weights;
    }
    moments.push({ ready, weights });
  }
  return { moments, end: { ready, running, weights } };
}

describe('moving from one step to the next', () => {
  const stepPair = fc
    .tuple(weight, weight, fc.integer({ min: 0, max: 500 }), fc.constantFrom(byPods, byRoute))
    .map(([a, b, r, routing]) => ({ from: Math.min(a, b), to: Math.max(a, b), r, routing }));

  it('ends at the target of the next step', () => {
    fc.assert(
      fc.property(stepPair, ({ from, to, r, routing }) => {
        const plan = canaryPlan([from, to], routing);
        const [a, b] = [stepTarget(plan, 0, r), stepTarget(plan, 1, r)];
        const { end } = play(routing, a, moveActions(routing, a, b));
        expect(end.running).toEqual(b.replicas);
        expect(end.ready).toEqual(b.replicas);
        if (routing.kind !== 'replicas') expect(end.weights).toEqual(b.weights);
      }),
    );
  });

  it('never has fewer Ready pods than the user asked for on the way', () => {
    fc.assert(
      fc.property(stepPair, ({ from, to, r, routing }) => {
        const plan = canaryPlan([from, to], routing);
        const [a, b] = [stepTarget(plan, 0, r), stepTarget(plan, 1, r)];
        for (const { ready } of play(routing, a, moveActions(routing, a, b)).moments)
          expect(ready.stable + ready.canary).toBeGreaterThanOrEqual(r);
      }),
    );
  });

  it('with a router, never weighs a revision above what its Ready pods can carry', () => {
    fc.assert(
      fc.property(stepPair, ({ from, to, r }) => {
        const plan = canaryPlan([from, to], byRoute);
        const [a, b] = [stepTarget(plan, 0, r), stepTarget(plan, 1, r)];
        for (const { ready, weights } of play(byRoute, a, moveActions(byRoute, a, b)).moments) {
          expect(ready.canary * 100).toBeGreaterThanOrEqual(weights.canary * r);
          expect(ready.stable * 100).toBeGreaterThanOrEqual(weights.stable * r);
        }
      }),
    );
  });

  it('scales the canary up, waits for it, then moves the weights', () => {
    const plan = canaryPlan([20, 50], byRoute);
    expect(moveActions(byRoute, stepTarget(plan, 0, 10), stepTarget(plan, 1, 10))).toEqual([
      { kind: 'scale', role: 'canary', replicas: 5 },
      { kind: 'awaitReady', role: 'canary', replicas: 5 },
      { kind: 'setWeights', weights: { stable: 50, canary: 50 } },
    ]);
  });

  it('without a router, scales the canary up and waits before scaling stable down', () => {
    const plan = canaryPlan([20, 50]);
    expect(moveActions(byPods, stepTarget(plan, 0, 10), stepTarget(plan, 1, 10))).toEqual([
      { kind: 'scale', role: 'canary', replicas: 5 },
      { kind: 'awaitReady', role: 'canary', replicas: 5 },
      { kind: 'scale', role: 'stable', replicas: 5 },
    ]);
  });

  it('does nothing between two steps with the same target', () => {
    const plan = canaryPlan([30, 30], byRoute);
    expect(moveActions(byRoute, stepTarget(plan, 0, 7), stepTarget(plan, 1, 7))).toEqual([]);
  });
});

describe('an abort', () => {
  it('with a router, is one write of the weights before the canary pods go', () => {
    const plan = canaryPlan([40], byRoute);
    expect(abortActions(byRoute, stepTarget(plan, 0, 10), 10)).toEqual([
      { kind: 'setWeights', weights: { stable: 100, canary: 0 } },
      { kind: 'scale', role: 'canary', replicas: 0 },
    ]);
  });

  it('without a router, removes the canary pods at once and brings stable back to full size', () => {
    const plan = canaryPlan([40]);
    expect(abortActions(byPods, stepTarget(plan, 0, 10), 10)).toEqual([
      { kind: 'scale', role: 'canary', replicas: 0 },
      { kind: 'scale', role: 'stable', replicas: 10 },
    ]);
  });

  it('ends with no canary pod and no canary weight, from any step', () => {
    fc.assert(
      fc.property(weight, replicas, fc.constantFrom(byPods, byRoute), (w, r, routing) => {
        const from = stepTarget(canaryPlan([w], routing), 0, r);
        const { end } = play(routing, from, abortActions(routing, from, r));
        expect(end.running).toEqual({ canary: 0, stable: r });
        if (routing.kind !== 'replicas') expect(end.weights.canary).toBe(0);
      }),
    );
  });

  it('of a blue-green rollout after the switch, is a switch back: no new pods', () => {
    const service: TrafficRouting = { kind: 'service', activeService: 'web' };
    const switched = promotedTarget({ type: 'BlueGreen', steps: [], routing: service, scaleDownDelayMs: 30_000 }, 3, {
      retired: false,
    });
    expect(abortActions(service, switched, 3)).toEqual([
      { kind: 'setWeights', weights: { stable: 100, canary: 0 } },
      { kind: 'scale', role: 'canary', replicas: 0 },
    ]);
  });
});
