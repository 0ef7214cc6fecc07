import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Condition, ReleasePhase, ReleaseSpec, RollbackRecord, RollbackTrigger, Verdict } from '../src/api/index.ts';
import type { ReleaseRef } from '../src/release/ref.ts';
import type { ReleaseStateData } from '../src/release/state.ts';

/**
 * Every message a Release workflow accepts, defined once: the controller, the CLI and the tests
 * import these definitions.
 */

/** How a Release workflow starts: which Release, and what its status already records (self-healing). */
export interface ReleaseWorkflowInput {
  ref: ReleaseRef;
  /**
   * Revisions the Release's status reported when the controller started this workflow for an
   * existing Release. For people reading the start event in the Temporal UI: the workflow itself
   * re-reads the Release's status when it starts (recover.ts), which is newer.
   */
  recovered?: { currentRevision?: number; stableRevision?: number };
  /** State carried across continue-as-new. */
  carried?: ReleaseStateData;
  /** A spec message that arrived but was not yet acted on when the workflow continued as new. */
  pendingSpec?: SpecMessage;
}

/** A new generation of the Release's spec, sent by the controller. Older or equal generations are ignored. */
export interface SpecMessage {
  generation: number;
  spec: ReleaseSpec;
}

export interface RollbackRequest {
  /** A kept revision number; the previous stable revision when absent. */
  toRevision?: number;
  reason?: string;
  /** Who asked; a signal sent from the Temporal UI without one counts as "Signal". */
  trigger?: Exclude<RollbackTrigger, 'Automatic'>;
  /**
   * Makes the request idempotent: a request whose id the Release already handled (its status says
   * so in observedRollbackRequest) is not acted on again, however often it is delivered.
   */
  requestId?: string;
}

export interface RollbackOutcome {
  rollbackId: string;
  from?: number;
  to: number;
  phase: ReleasePhase;
}

export interface RolloutProgress {
  desired: number;
  updated: number;
  ready: number;
  available: number;
}

export interface RevisionSummary {
  revision: number;
  images: string[];
  createdAt: string;
  outcome?: 'Stable' | 'Failed' | 'RolledBack' | 'Superseded' | 'InProgress';
}

export interface TransitionRecord {
  at: string;
  from: ReleasePhase;
  to: ReleasePhase;
  reason: string;
  message: string;
  revision?: number;
}

/** What the `status` query returns: everything `rollguard status` shows. */
export interface ReleaseSnapshot {
  ref: ReleaseRef;
  phase: ReleasePhase;
  generation: number;
  currentRevision?: number;
  stableRevision?: number;
  paused: boolean;
  progress?: RolloutProgress;
  lastVerdict?: Verdict;
  lastRollback?: RollbackRecord;
  conditions: Condition[];
  revisions: RevisionSummary[];
  history: TransitionRecord[];
}

/**
 * Memo on the workflow, readable without a worker (describe) and shown by the Temporal UI: the last
 * spec generation it accepted, and since the last phase change, that phase and why.
 */
export interface ReleaseMemo {
  generation: number;
  phase?: ReleasePhase;
  message?: string;
  currentRevision?: number;
  stableRevision?: number;
}

export const specSignal = defineSignal<[SpecMessage]>('spec');

/** A new generation the controller cannot read (it does not match the schema): recorded as InvalidSpec. */
export interface InvalidSpecMessage {
  generation: number;
  /** Each a field and what is wrong with it. */
  problems: string[];
}
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
