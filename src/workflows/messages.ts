import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  InvalidSpecMessage,
  ReleaseSnapshot,
  RollbackOutcome,
  RollbackRequest,
  SpecMessage,
  StrategyOutcome,
  StrategyRequest,
} from '../domain/release/records.ts';

/**
 * Every message a Release workflow accepts, defined once: the controller, the CLI and the tests
 * import these definitions (the records they carry are in src/domain/release/records.ts).
 */

export const specSignal = defineSignal<[SpecMessage]>('spec');

/** A new generation the controller cannot read (it does not match the schema): recorded as InvalidSpec. */
export const invalidSpecSignal = defineSignal<[InvalidSpecMessage]>('invalid-spec');
/** The Release is being deleted: stop, clean up, complete. */
export const deleteSignal = defineSignal('delete');
/** Roll back without waiting for the outcome (the Temporal UI, the annotation path). */
export const rollbackSignal = defineSignal<[RollbackRequest]>('rollback');
/** Roll back and wait: refused before it enters history when the revision is unknown. */
export const rollbackUpdate = defineUpdate<RollbackOutcome, [RollbackRequest]>('rollback');
export const pauseSignal = defineSignal('pause');
/** Someone else wrote the Release's status: write rollguard's again (the controller sends it). */
export const restoreStatusSignal = defineSignal<[{ reason?: string }?]>('restore-status');
export const resumeSignal = defineSignal('resume');
export const statusQuery = defineQuery<ReleaseSnapshot>('status');

/**
 * A canary or blue-green rollout: go past the pause in force (`full`: past every remaining step),
 * take it off (all traffic and pods back on stable), or run an aborted or held one again from step 1.
 * The Updates are validated first: a request with nothing to act on is refused before it enters
 * history. The Signals of the same names carry the same payload, for the Temporal UI and CLI.
 */
export const promoteUpdate = defineUpdate<StrategyOutcome, [StrategyRequest]>('promote');
export const abortUpdate = defineUpdate<StrategyOutcome, [StrategyRequest]>('abort');
export const retryUpdate = defineUpdate<StrategyOutcome, [StrategyRequest]>('retry');
export const promoteSignal = defineSignal<[StrategyRequest]>('promote');
export const abortSignal = defineSignal<[StrategyRequest]>('abort');
export const retrySignal = defineSignal<[StrategyRequest]>('retry');
