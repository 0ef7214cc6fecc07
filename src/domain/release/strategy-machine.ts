import type { StrategyState, StrategyType } from '../api/index.ts';
import { samePlan, type StrategyPlan } from './strategy-plan.ts';

/**
 * Where one revision's canary or blue-green rollout stands, and the decisions on it: plain data and
 * pure functions, so the workflow's Update validators can ask `decide` whether a request is refused
 * before it enters history, and its handlers apply the same answer.
 */
export interface StrategyProgress {
  type: StrategyType;
  /** The revision being introduced. */
  revision: number;
  /** The step in force, from 0; steps.length once every step has passed. */
  stepIndex: number;
  state: StrategyState;
  /** When the step in force began (RFC 3339), from the workflow's clock: pauses and analyses end relative to it. */
  stepStartedAt: string;
  /** Why it is held or was aborted, or who promoted it. */
  message?: string;
}

/** What may happen to a rollout in flight: the workflow reports a step's end, people ask for the rest. */
export type StrategyCommand =
  /** The step in force is done: its pods are Ready and weights set, its pause ran out, its analysis passed. */
  | { kind: 'stepPassed' }
  /** The step's analysis failed; with automatic rollback off, the rollout is held for a person to decide. */
  | { kind: 'stepFailed'; reason: string; automaticRollback: boolean }
  /** End the pause in force (next step), or with `full` skip every remaining step and analysis. */
  | { kind: 'promote'; full?: boolean; by?: string }
  | { kind: 'abort'; reason: string; by?: string }
  /** Run an aborted or held rollout of the same revision again, from its first step. */
  | { kind: 'retry'; by?: string };

export type Decision = { ok: true; progress: StrategyProgress } | { ok: false; refused: string };

const inFlight = (p: StrategyProgress): boolean => p.state === 'Progressing' || p.state === 'Held';
const position = (plan: StrategyPlan, p: StrategyProgress): string =>
  `step ${Math.min(p.stepIndex + 1, plan.steps.length)}/${plan.steps.length}`;
const byWhom = (by: string | undefined): string => (by ? ` by ${by}` : '');

/** The first step of a new revision's rollout. */
export function startProgress(plan: StrategyPlan, revision: number, now: Date): StrategyProgress {
  return { type: plan.type, revision, stepIndex: 0, state: 'Progressing', stepStartedAt: now.toISOString() };
}

/** Why `command` cannot apply now, for people: the refusal an Update validator returns. */
function refusal(
  plan: StrategyPlan | undefined,
  p: StrategyProgress | undefined,
  command: StrategyCommand,
): string | undefined {
  const verb = command.kind === 'stepPassed' || command.kind === 'stepFailed' ? 'advance' : command.kind;
  const nothing = `nothing to ${verb}`;
  if (!plan) return `${nothing}: the Release uses the rolling strategy (spec.strategy)`;
  if (!p) return `${nothing}: no ${plan.type === 'Canary' ? 'canary' : 'blue-green'} rollout has started`;
  const which = `the ${p.type === 'Canary' ? 'canary' : 'blue-green rollout'} of revision ${p.revision}`;
  if (p.state === 'Promoted' && command.kind !== 'retry') return `${nothing}: ${which} was promoted`;
  if (p.state === 'Aborted' && command.kind !== 'retry')
    return `${nothing}: ${which} was aborted${command.kind === 'abort' ? '' : '; retry runs it again'}`;
  switch (command.kind) {
    case 'stepPassed':
    case 'stepFailed':
      return p.state === 'Held' ? `${nothing}: ${which} is held at ${position(plan, p)}` : undefined;
    case 'promote': {
      if (command.full) return undefined;
      if (p.state === 'Held')
        return `nothing to promote: ${which} is held at ${position(plan, p)} after a failed analysis; promote --full accepts it anyway, retry runs it again, abort ends it`;
      const step = plan.steps[p.stepIndex];
      return step?.kind === 'pause'
        ? undefined
        : `nothing to promote: the Release is not paused (${position(plan, p)} is ${step?.kind ?? 'done'}); promote --full skips the remaining steps`;
    }
    case 'abort':
      return undefined;
    case 'retry':
      return inFlight(p) && p.state !== 'Held'
        ? `nothing to retry: ${which} is in progress at ${position(plan, p)}`
        : p.state === 'Promoted'
          ? `nothing to retry: ${which} was promoted`
          : undefined;
  }
}

/**
 * The rollout after `command`, or why it is refused. `now` is when the command is applied (the
 * workflow's clock); it starts the next step's pause or analysis.
 */
export function decide(
  plan: StrategyPlan | undefined,
  progress: StrategyProgress | undefined,
  command: StrategyCommand,
  now: Date,
): Decision {
  const refused = refusal(plan, progress, command);
  if (refused !== undefined || !plan || !progress) return { ok: false, refused: refused ?? 'nothing to do' };
  const at = now.toISOString();
  const { message: _previous, ...p } = progress;
  const next = (stepIndex: number, extra: Partial<StrategyProgress> = {}): Decision => ({
    ok: true,
    progress: {
      ...p,
      stepIndex,
      stepStartedAt: at,
      state: stepIndex >= plan.steps.length ? 'Promoted' : 'Progressing',
      ...extra,
    },
  });
  switch (command.kind) {
    case 'stepPassed':
      return next(p.stepIndex + 1);
    case 'stepFailed':
      return command.automaticRollback
        ? { ok: true, progress: { ...p, state: 'Aborted', message: command.reason } }
        : { ok: true, progress: { ...p, state: 'Held', message: command.reason } };
    case 'promote':
      return command.full
        ? next(plan.steps.length, { message: `promoted in full${byWhom(command.by)} at ${position(plan, p)}` })
        : next(p.stepIndex + 1, { message: `promoted${byWhom(command.by)} past the pause at ${position(plan, p)}` });
    case 'abort':
      return {
        ok: true,
        progress: { ...p, state: 'Aborted', message: `aborted${byWhom(command.by)}: ${command.reason}` },
      };
    case 'retry':
      return next(0, { message: `retried${byWhom(command.by)}` });
  }
}

/** What a new spec generation does to the rollout in flight. */
export type SpecChange =
  /** Roll out as the rolling strategy does; first end the rollout of `abandoned` (traffic back to stable). */
  | { kind: 'rolling'; abandoned?: number; reason: string }
  /** Begin a rollout at its first step; `superseded` is the revision whose rollout it replaces. */
  | { kind: 'start'; progress: StrategyProgress; superseded?: number; reason: string }
  /** Nothing moves: the rollout in flight (or its end) stands. */
  | { kind: 'keep'; reason: string };

/**
 * A newer spec while a rollout may be in flight. A new revision supersedes the one mid-rollout: the
 * stable revision keeps its traffic and the new one starts at step 1. The same revision with other
 * steps starts over at step 1 (a step list is a plan; half of one and half of another is neither).
 * Anything else (a changed health check, say) keeps the rollout where it is. A finished rollout of
 * the same revision is not redone: a promoted revision stays promoted, an aborted one aborted until
 * retried. The first revision of a Release has no stable revision to compare against, so it rolls out
 * as with the rolling strategy.
 */
export function onNewSpec(
  previous: { plan?: StrategyPlan | undefined; progress?: StrategyProgress | undefined },
  next: { plan?: StrategyPlan | undefined; revision: number; hasStable: boolean },
  now: Date,
): SpecChange {
  const { progress } = previous;
  const flying = progress && inFlight(progress) ? progress : undefined;
  if (!next.plan || !next.hasStable) {
    const reason = next.plan
      ? `revision ${next.revision} is the first of the Release: there is no stable revision to compare it with`
      : 'the Release uses the rolling strategy';
    return flying ? { kind: 'rolling', abandoned: flying.revision, reason } : { kind: 'rolling', reason };
  }
  const start = (reason: string, superseded?: number): SpecChange => ({
    kind: 'start',
    progress: startProgress(next.plan!, next.revision, now),
    ...(superseded !== undefined ? { superseded } : {}),
    reason,
  });
  if (!progress || progress.revision !== next.revision)
    return flying
      ? start(`revision ${next.revision} supersedes revision ${flying.revision} mid-rollout`, flying.revision)
      : start(`revision ${next.revision} is new`);
  if (!flying)
    return {
      kind: 'keep',
      reason: `revision ${next.revision} was already ${progress.state === 'Promoted' ? 'promoted' : 'aborted; retry runs it again'}`,
    };
  if (!samePlan(previous.plan, next.plan)) return start(`the steps of revision ${next.revision} changed`);
  return { kind: 'keep', reason: `revision ${next.revision} goes on at its step` };
}
