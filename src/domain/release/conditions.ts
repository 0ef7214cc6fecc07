import type { Condition, ConditionReason, ConditionStatus, ConditionType, ReleasePhase } from '../api/index.ts';
import { ConditionType as Type } from '../api/conditions.ts';

export interface ConditionUpdate {
  type: ConditionType;
  status: ConditionStatus;
  reason: ConditionReason;
  message: string;
}

/**
 * Sets one condition, keeping its lastTransitionTime unless its status changes (metav1.Condition
 * semantics). Pure: the workflow passes its own deterministic clock.
 */
export function setCondition(
  conditions: readonly Condition[],
  update: ConditionUpdate,
  now: Date,
  generation: number,
): Condition[] {
  const existing = conditions.find((c) => c.type === update.type);
  const lastTransitionTime =
    existing && existing.status === update.status ? existing.lastTransitionTime : now.toISOString();
  const next: Condition = { ...update, lastTransitionTime, observedGeneration: generation };
  return [...conditions.filter((c) => c.type !== update.type), next].sort((a, b) => a.type.localeCompare(b.type));
}

export const findCondition = (conditions: readonly Condition[], type: ConditionType): Condition | undefined =>
  conditions.find((c) => c.type === type);

/**
 * The two conditions generic tools read (kstatus: Flux, kubectl wait, cli-utils): Reconciling while
 * a rollout or rollback is in flight, Stalled when rollguard cannot reach the spec without a change
 * from a person. Set on every phase change, from the phase and its reason.
 */
export function kstatusConditions(phase: ReleasePhase, why: string, message: string): ConditionUpdate[] {
  const reason = why as ConditionReason;
  const busy = phase === 'Progressing' || phase === 'RollingBack';
  const stalled = phase === 'Failed';
  return [
    { type: Type.Reconciling, status: busy ? 'True' : 'False', reason, message: busy ? message : `phase ${phase}` },
    { type: Type.Stalled, status: stalled ? 'True' : 'False', reason, message: stalled ? message : `phase ${phase}` },
  ];
}
