import type {
  StrategyState,
  Condition,
  HookRun,
  ReleasePhase,
  RecordedVerdict,
  ReleaseSpec,
  RollbackRecord,
  RollbackTrigger,
} from '../api/index.ts';
import type { ReleaseRef } from './ref.ts';
import type { RevisionTemplate } from './replicas.ts';
import type { StrategyProgress } from './strategy-machine.ts';

/**
 * The records a Release workflow receives and answers with: plain data, shared by the workflow's
 * message definitions (src/workflows/messages.ts), the controller and the CLI.
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
  pendingSpec?: SpecMessage | UncheckedSpecMessage;
}

/** A new generation of the Release's spec, sent by the controller. Older or equal generations are ignored. */
export interface SpecMessage {
  generation: number;
  spec: ReleaseSpec;
}

/** A spec message whose spec is not checked yet (by the readSpec local activity). */
export interface UncheckedSpecMessage {
  generation: number;
  unchecked: object;
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
  lastVerdict?: RecordedVerdict;
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

/** A new generation the controller cannot read (it does not match the schema): recorded as InvalidSpec. */
export interface InvalidSpecMessage {
  generation: number;
  /** Each a field and what is wrong with it. */
  problems: string[];
}

/** Everything a Release workflow knows; plain data, so it crosses continue-as-new as is. */
export interface ReleaseStateData {
  ref: ReleaseRef;
  workflowId: string;
  phase: ReleasePhase;
  generation: number;
  spec?: ReleaseSpec;
  currentRevision?: number;
  stableRevision?: number;
  /** The revision the current spec generation was snapshotted as (may differ from current after a rollback). */
  desiredRevision?: number;
  /** Stable revisions in the order they became stable: "previous" rollbacks walk it back. */
  stableHistory: number[];
  revisions: RevisionSummary[];
  conditions: Condition[];
  lastVerdict?: RecordedVerdict;
  lastRollback?: RollbackRecord;
  progress?: RolloutProgress;
  history: TransitionRecord[];
  pausedBySignal: boolean;
  /** Events recorded so far (keys them, so an Event recorded twice by a retried activity is one). */
  eventSeq?: number;
  /** The id of the last rollback request handled (carried out or refused): the same id is not acted on again. */
  observedRollbackRequest?: string;
  /** The canary (or blue-green) rollout of the newest revision, in flight or ended; absent for rolling. */
  strategy?: StrategyProgress;
  /** The id of the last request handled on each channel (see StrategyRequest.requestId). */
  observedStrategyRequests?: Partial<Record<StrategyChannel, string>>;
  /** The last run of each lifecycle hook. */
  hooks?: HookRun[];
  /** Whether the worker that took the current spec had operator-wide notification sinks. */
  operatorSinks?: boolean;
}

/** A kept revision of a Release: the template it ran, recorded in a ControllerRevision. */
export interface Revision {
  revision: number;
  hash: string;
  images: string[];
  createdAt: string;
  /** Without a replica count: scaling is not a revision (records made before that may hold one). */
  template: RevisionTemplate;
  /** The ControllerRevision's name (absent in records made before names could be shortened). */
  name?: string;
}

/** promote, abort or retry of a canary or blue-green rollout (an Update or a Signal). */
export interface StrategyRequest {
  /** promote only: skip every remaining step and analysis. */
  full?: boolean;
  /** Why (abort requires one; recorded in the Event and status). */
  reason?: string;
  /** Who asked: recorded with the request. */
  by?: string;
  /**
   * Names the request (an annotation's, e.g. "annotation:promote:2"): a request with an id already
   * handled is not acted on again, however often it is delivered (status.observedStrategyRequests).
   */
  requestId?: string;
}

/** The annotations' channels of strategy requests, each with the id it last had handled. */
export type StrategyChannel = 'promote' | 'promoteFull' | 'abort' | 'retry';

/** Where the rollout stands after a promote, abort or retry. */
export interface StrategyOutcome {
  revision: number;
  state: StrategyState;
  /** "3/7" */
  step: string;
  message?: string;
}
