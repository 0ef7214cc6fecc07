import { ConditionReason, ConditionType } from '../domain/api/conditions.ts';
import type { ReleaseState } from '../domain/release/state.ts';
import { writeStatus } from './proxies.ts';

/** pause / resume signals: hold the next rollout (the one in flight finishes) until resumed. */
export async function setPaused(state: ReleaseState, paused: boolean): Promise<void> {
  if (state.data.pausedBySignal === paused) return;
  state.data.pausedBySignal = paused;
  const update = state.paused
    ? {
        status: 'True',
        reason: paused ? ConditionReason.PausedBySignal : ConditionReason.PausedBySpec,
        message: 'the next rollout waits until the Release is resumed',
      }
    : { status: 'False', reason: ConditionReason.Resumed, message: 'rollouts are not paused' };
  state.setCondition(
    { type: ConditionType.Paused, ...update } as Parameters<ReleaseState['setCondition']>[0],
    new Date(),
  );
  if (state.data.phase !== 'Pending' || state.data.generation > 0) await writeStatus(state);
}
