import type { HookRun, ReleasePhase, ReleaseStatus } from '../api/index.ts';
import type { ReleaseSnapshot, ReleaseStateData, RevisionSummary, TransitionRecord } from './records.ts';
import { type ConditionUpdate, kstatusConditions, setCondition } from './conditions.ts';
import { transition } from './phases.ts';
import type { ReleaseRef } from './ref.ts';
import { strategyPlan } from './strategy-plan.ts';
import { strategyStatus } from './strategy-report.ts';

const historyLimit = 20;

/** A label selector in the string form the /scale subresource reports (app=web,tier=front). */
const selectorString = (matchLabels: Record<string, string>): string =>
  Object.entries(matchLabels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');

/** The state of one Release workflow and the pure decisions about it; the workflow only orchestrates. */
export class ReleaseState {
  data: ReleaseStateData;

  constructor(data: ReleaseStateData) {
    this.data = data;
  }

  static initial(ref: ReleaseRef, workflowId: string): ReleaseState {
    return new ReleaseState({
      ref,
      workflowId,
      phase: 'Pending',
      generation: 0,
      stableHistory: [],
      revisions: [],
      conditions: [],
      history: [],
      pausedBySignal: false,
    });
  }

  get paused(): boolean {
    return this.data.pausedBySignal || (this.data.spec?.paused ?? false);
  }

  /** Moves to a phase the table allows (it throws for one it does not) and records why. */
  moveTo(to: ReleasePhase, reason: string, message: string, now: Date): TransitionRecord {
    const { from } = transition(this.data.phase, to);
    const record: TransitionRecord = {
      at: now.toISOString(),
      from,
      to,
      reason,
      message,
      ...(this.data.currentRevision ? { revision: this.data.currentRevision } : {}),
    };
    this.data.phase = to;
    this.data.history = [...this.data.history, record].slice(-historyLimit);
    for (const condition of kstatusConditions(to, reason, message)) this.setCondition(condition, now);
    return record;
  }

  nextEventSeq(): number {
    this.data.eventSeq = (this.data.eventSeq ?? 0) + 1;
    return this.data.eventSeq;
  }

  setCondition(update: ConditionUpdate, now: Date): void {
    this.data.conditions = setCondition(this.data.conditions, update, now, this.data.generation);
  }

  addRevision(summary: RevisionSummary): void {
    this.data.revisions = [...this.data.revisions.filter((r) => r.revision !== summary.revision), summary].sort(
      (a, b) => a.revision - b.revision,
    );
  }

  markRevision(revision: number, outcome: NonNullable<RevisionSummary['outcome']>): void {
    this.data.revisions = this.data.revisions.map((r) => (r.revision === revision ? { ...r, outcome } : r));
  }

  markStable(revision: number): void {
    this.data.stableRevision = revision;
    this.data.stableHistory = [...this.data.stableHistory.filter((r) => r !== revision), revision];
    this.markRevision(revision, 'Stable');
  }

  /** Keeps the last run of each hook (by stage and name). */
  recordHook(run: HookRun): void {
    const others = (this.data.hooks ?? []).filter((h) => h.stage !== run.stage || h.name !== run.name);
    this.data.hooks = [...others, run].slice(-24);
  }

  forgetRevisions(deleted: number[]): void {
    this.data.revisions = this.data.revisions.filter((r) => !deleted.includes(r.revision));
    this.data.stableHistory = this.data.stableHistory.filter((r) => !deleted.includes(r));
  }

  /**
   * Where a rollback goes: the named revision, or else the last stable revision other than the one
   * running now. Returns a reason instead when there is no such revision.
   */
  rollbackTarget(toRevision: number | undefined): { to: number } | { refused: string } {
    const kept = this.data.revisions.map((r) => r.revision);
    if (toRevision !== undefined) {
      if (!kept.includes(toRevision)) {
        return { refused: `revision ${toRevision} does not exist; kept revisions: ${kept.join(', ') || 'none'}` };
      }
      return { to: toRevision };
    }
    const previous = this.data.stableHistory.filter((r) => r !== this.data.currentRevision && kept.includes(r)).at(-1);
    if (previous === undefined) return { refused: 'there is no earlier stable revision to roll back to' };
    return { to: previous };
  }

  status(): ReleaseStatus {
    const d = this.data;
    return {
      phase: d.phase,
      observedGeneration: d.generation,
      ...(d.currentRevision !== undefined ? { currentRevision: d.currentRevision } : {}),
      ...(d.stableRevision !== undefined ? { stableRevision: d.stableRevision } : {}),
      conditions: d.conditions,
      ...(d.lastVerdict ? { lastVerdict: d.lastVerdict } : {}),
      ...(d.lastRollback ? { lastRollback: d.lastRollback } : {}),
      ...(d.hooks?.length ? { hooks: d.hooks } : {}),
      workflowId: d.workflowId,
      ...(d.observedRollbackRequest !== undefined ? { observedRollbackRequest: d.observedRollbackRequest } : {}),
      ...(d.observedStrategyRequests ? { observedStrategyRequests: d.observedStrategyRequests } : {}),
      ...this.strategyStatus(),
      ...(d.spec ? { selector: selectorString(d.spec.template.selector.matchLabels) } : {}),
    };
  }

  /** status.strategy, while the spec has a canary or blue-green strategy and a rollout of it has begun. */
  private strategyStatus(): Pick<ReleaseStatus, 'strategy'> {
    const { spec, strategy } = this.data;
    const plan = spec && strategy ? strategyPlan(spec) : undefined;
    if (!plan || !strategy || plan.type !== strategy.type) return {};
    return { strategy: strategyStatus(plan, strategy, spec?.template.replicas ?? 1) };
  }

  snapshot(): ReleaseSnapshot {
    const d = this.data;
    return {
      ref: d.ref,
      phase: d.phase,
      generation: d.generation,
      ...(d.currentRevision !== undefined ? { currentRevision: d.currentRevision } : {}),
      ...(d.stableRevision !== undefined ? { stableRevision: d.stableRevision } : {}),
      paused: this.paused,
      ...(d.progress ? { progress: d.progress } : {}),
      ...(d.lastVerdict ? { lastVerdict: d.lastVerdict } : {}),
      ...(d.lastRollback ? { lastRollback: d.lastRollback } : {}),
      conditions: d.conditions,
      revisions: d.revisions,
      history: d.history,
    };
  }
}
