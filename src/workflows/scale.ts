import { EventAction, EventMessage, EventReason } from '../domain/release/events.ts';
import { ConditionType } from '../domain/api/conditions.ts';
import { needsNoRollout } from '../domain/release/replicas.ts';
import type { SpecMessage } from '../domain/release/records.ts';
import type { ReleaseState } from '../domain/release/state.ts';
import { kube, recordEvent, writeStatus } from './proxies.ts';

/**
 * Whether a new generation can be taken without a rollout: it differs from the spec in force only in
 * the replica count (an HPA scaling the Release, `kubectl scale release`) or the deletion policy, and
 * the Release is settled on a revision (nothing in flight or held, its spec valid).
 */
export function takesWithoutRollout(state: ReleaseState, message: SpecMessage, rolloutPending: boolean): boolean {
  const { spec, phase, currentRevision, conditions } = state.data;
  if (!spec || rolloutPending || currentRevision === undefined) return false;
  if (phase !== 'Ready' && phase !== 'Failed') return false;
  if (conditions.some((c) => c.type === ConditionType.InvalidSpec && c.status === 'True')) return false;
  return needsNoRollout(spec, message.spec);
}

/** Scaling is not a rollout: the Deployment gets the new count, the revision and the phase stay. */
export async function takeWithoutRollout(state: ReleaseState, message: SpecMessage): Promise<void> {
  state.data.generation = message.generation;
  state.data.spec = message.spec;
  // What the conditions say still holds for the new generation.
  state.data.conditions = state.data.conditions.map((c) =>
    c.observedGeneration === undefined ? c : { ...c, observedGeneration: message.generation },
  );
  const replicas = message.spec.template.replicas;
  await kube.scaleDeployment({ ref: state.data.ref, replicas, adopt: message.spec.adopt });
  await writeStatus(state);
  await recordEvent(state, {
    type: 'Normal',
    reason: EventReason.Scaled,
    message: EventMessage.scaled(message.generation, replicas, state.data.currentRevision ?? 0),
    action: EventAction.Scale,
  });
}
