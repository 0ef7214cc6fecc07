import type { StrategyPlan, TrafficRouting } from './strategy-plan.ts';
import { weightAt } from './strategy-plan.ts';

/** The two revisions a canary or blue-green rollout runs side by side. */
export type Role = 'stable' | 'canary';
export interface Split {
  stable: number;
  canary: number;
}

/** What one moment of a rollout asks for: the traffic weights (percent) and each revision's pods. */
export interface TrafficTarget {
  weights: Split;
  replicas: Split;
}

/** ceil(percent × replicas / 100), in whole numbers (no floating point near the boundaries). */
const share = (percent: number, replicas: number): number => Math.floor((percent * replicas + 99) / 100);

/**
 * The pods each revision gets while the new one has `weight` percent of traffic, out of `replicas`
 * desired pods:
 * - by pod counts (no router): each revision gets enough pods to carry its share of the load at
 *   full size, rounded up: canary ceil(w·r/100), stable ceil((100−w)·r/100). Their sum is r, or r + 1
 *   when w·r/100 is not whole, so capacity never drops below what the user asked for, and the share of
 *   pods (which is the share of traffic behind one Service) is as close to w as whole pods allow.
 *   Stable keeps at least one pod for any w below 100.
 * - with an HTTPRoute: the canary gets ceil(w·r/100) pods and stable keeps all r, so an abort is one
 *   write of the route's weights, onto pods that never stopped serving.
 * - blue-green: both revisions at full size until the old one is scaled down after the switch.
 */
export function replicaSplit(routing: TrafficRouting, weight: number, replicas: number): Split {
  switch (routing.kind) {
    case 'replicas':
      return { canary: share(weight, replicas), stable: share(100 - weight, replicas) };
    case 'gatewayAPI':
      return { canary: share(weight, replicas), stable: replicas };
    case 'service':
      return { canary: replicas, stable: replicas };
  }
}

const weights = (canary: number): Split => ({ stable: 100 - canary, canary });

/** The target while step `stepIndex` is in force, before promotion. */
export function stepTarget(plan: StrategyPlan, stepIndex: number, replicas: number): TrafficTarget {
  const weight = weightAt(plan, Math.min(stepIndex, plan.steps.length - 1));
  return { weights: weights(weight), replicas: replicaSplit(plan.routing, weight, replicas) };
}

/**
 * The target once every step has passed (or promote --full): all traffic and all pods on the new
 * revision; the old revision keeps its pods for the plan's scaleDownDelayMs, then none (`retired`).
 */
export function promotedTarget(plan: StrategyPlan, replicas: number, { retired }: { retired: boolean }): TrafficTarget {
  const kept = plan.routing.kind === 'replicas' || retired ? 0 : replicas;
  return { weights: weights(100), replicas: { canary: replicas, stable: kept } };
}

/** The target of an abort: all traffic and all pods back on the stable revision, none on the new one. */
export function abortedTarget(replicas: number): TrafficTarget {
  return { weights: weights(0), replicas: { canary: 0, stable: replicas } };
}

/** The new revision's share of pods, in percent: its share of traffic when no router sets weights. */
export function podShare(split: Split): number {
  const total = split.stable + split.canary;
  return total === 0 ? 0 : Math.round((100 * split.canary) / total);
}

/** One thing the workflow does to move from one target to the next, in order. */
export type TrafficAction =
  | { kind: 'scale'; role: Role; replicas: number }
  /** Wait until this many pods of the role are Ready (the rollout's readiness deadline applies). */
  | { kind: 'awaitReady'; role: Role; replicas: number }
  /** Write the router's weights: the HTTPRoute's backendRefs, or the active Service's selector (0 or 100). */
  | { kind: 'setWeights'; weights: Split };

const roles: Role[] = ['canary', 'stable'];

/**
 * How to move between two targets without losing capacity or sending traffic to pods that are not
 * Ready: grow the revisions that need more pods and wait for them, then move the weights, then
 * shrink. Without a router the weights follow the pods, so there is no weight to write.
 */
export function moveActions(routing: TrafficRouting, from: TrafficTarget, to: TrafficTarget): TrafficAction[] {
  const grow = roles.filter((role) => to.replicas[role] > from.replicas[role]);
  const shrink = roles.filter((role) => to.replicas[role] < from.replicas[role]);
  const routed = routing.kind !== 'replicas';
  const reweigh = routed && (to.weights.canary !== from.weights.canary || to.weights.stable !== from.weights.stable);
  return [
    ...grow.map((role): TrafficAction => ({ kind: 'scale', role, replicas: to.replicas[role] })),
    ...grow.map((role): TrafficAction => ({ kind: 'awaitReady', role, replicas: to.replicas[role] })),
    ...(reweigh ? [{ kind: 'setWeights', weights: to.weights } as const] : []),
    ...shrink.map((role): TrafficAction => ({ kind: 'scale', role, replicas: to.replicas[role] })),
  ];
}

/**
 * An abort takes traffic off the new revision first and waits for nothing: with a router, one write
 * of the weights onto stable pods that kept serving; without one, the new revision's pods go at once
 * while stable is scaled back to full size (stable runs short of capacity, by the canary's share, until
 * its new pods are Ready: the price of a canary without a router; docs/strategies.md).
 */
export function abortActions(routing: TrafficRouting, from: TrafficTarget, replicas: number): TrafficAction[] {
  const to = abortedTarget(replicas);
  return [
    ...(routing.kind !== 'replicas' && from.weights.canary > 0
      ? [{ kind: 'setWeights', weights: to.weights } as const]
      : []),
    ...(from.replicas.canary > 0 ? [{ kind: 'scale', role: 'canary', replicas: 0 } as const] : []),
    ...(from.replicas.stable !== replicas ? [{ kind: 'scale', role: 'stable', replicas } as const] : []),
  ];
}
