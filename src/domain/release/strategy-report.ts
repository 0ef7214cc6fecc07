import type { StrategyStatus } from '../api/index.ts';
import type { StrategyProgress } from './strategy-machine.ts';
import type { PlannedStep, StrategyPlan } from './strategy-plan.ts';
import { promotedTarget, stepTarget } from './traffic-split.ts';

/** "1h5m", "1m20s", "45s", "0s": time left, rounded up to the second so it reaches 0s only when it is over. */
export function formatTimeLeft(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m > 0 ? `${m}m` : ''}`;
  if (m > 0) return `${m}m${s > 0 ? `${s}s` : ''}`;
  return `${s}s`;
}

const endOf = (startedAt: string, ms: number): string => new Date(Date.parse(startedAt) + ms).toISOString();
const stepMs = (step: PlannedStep | undefined): number | undefined =>
  step?.kind === 'pause' ? step.durationMs : step?.kind === 'analysis' ? step.windowMs : undefined;

/** status.strategy for the rollout in flight: the step, weights and pods in force, and when its wait ends. */
export function strategyStatus(plan: StrategyPlan, progress: StrategyProgress, replicas: number): StrategyStatus {
  const { stepIndex, stepStartedAt } = progress;
  const step = plan.steps[stepIndex];
  const target =
    progress.state === 'Promoted'
      ? promotedTarget(plan, replicas, { retired: false })
      : stepTarget(plan, stepIndex, replicas);
  const ms = stepMs(step);
  const waiting = progress.state === 'Progressing';
  return {
    type: plan.type,
    revision: progress.revision,
    state: progress.state,
    currentStepIndex: stepIndex,
    stepCount: plan.steps.length,
    step: `${Math.min(stepIndex + 1, plan.steps.length)}/${plan.steps.length}`,
    weights: target.weights,
    replicas: target.replicas,
    ...(waiting && step?.kind === 'pause'
      ? { pause: { startTime: stepStartedAt, ...(ms !== undefined ? { endTime: endOf(stepStartedAt, ms) } : {}) } }
      : {}),
    ...(waiting && step?.kind === 'analysis' && ms !== undefined
      ? { analysis: { startTime: stepStartedAt, endTime: endOf(stepStartedAt, ms) } }
      : {}),
    ...(progress.message !== undefined ? { message: progress.message.slice(0, 1024) } : {}),
  };
}

/** What traffic the new revision has, in the words of its strategy. */
function exposure(status: StrategyStatus): string {
  const weight = status.weights.canary;
  if (status.type === 'Canary') return `setWeight ${weight}`;
  return weight === 100 ? 'switched' : 'preview';
}

/**
 * One line for people, such as "step 3/7: setWeight 40, analysis 1m20s left", from status.strategy
 * (what `rollguard status` reads from the Release) and the time now.
 */
export function describeStrategy(plan: StrategyPlan, status: StrategyStatus, now: Date): string {
  const at = `step ${status.step}`;
  const left = (end: string): string => formatTimeLeft(Date.parse(end) - now.getTime());
  switch (status.state) {
    case 'Promoted':
      return `promoted${status.message ? `: ${status.message}` : ''}`;
    case 'Aborted':
      return `aborted at ${at}${status.message ? `: ${status.message}` : ''}`;
    case 'Held':
      return `held at ${at}: ${exposure(status)}${status.message ? `, ${status.message}` : ''}`;
    case 'Progressing': {
      const step = plan.steps[status.currentStepIndex];
      const doing = status.pause
        ? status.pause.endTime
          ? `paused, ${left(status.pause.endTime)} left`
          : 'paused until promoted'
        : status.analysis
          ? `analysis ${left(status.analysis.endTime)} left`
          : step?.kind === 'switch'
            ? `the old pods kept ${formatTimeLeft(plan.scaleDownDelayMs)} after the switch, for a switch back`
            : step?.kind === 'setWeight' || step?.kind === 'preview'
              ? `${status.replicas.canary} pods of revision ${status.revision} coming up`
              : undefined;
      return `${at}: ${exposure(status)}${doing ? `, ${doing}` : ''}`;
    }
  }
}
