import type { Condition, ConditionReason, ConditionStatus, ConditionType } from '../api/index.ts';

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
export function setCondition(conditions: readonly Condition[], update: ConditionUpdate, now: Date, generation: number): Condition[] {
  const existing = conditions.find((c) => c.type === update.type);
  const lastTransitionTime =
    existing && existing.status === update.status ? existing.lastTransitionTime : now.toISOString();
  const next: Condition = { ...update, lastTransitionTime, observedGeneration: generation };
  return [...conditions.filter((c) => c.type !== update.type), next].sort((a, b) => a.type.localeCompare(b.type));
}

export const findCondition = (conditions: readonly Condition[], type: ConditionType): Condition | undefined =>
  conditions.find((c) => c.type === type);
