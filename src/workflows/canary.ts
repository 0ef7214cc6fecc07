import { CancellationScope, condition, isCancellation, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { ConditionReason as Reason, ConditionType as Type } from '../domain/api/conditions.ts';
import { parseDuration } from '../domain/api/durations.ts';
import { decideVerdict } from '../domain/health/verdict.ts';
import { type CheckResult, withCheckKind } from '../domain/health/types.ts';
import { analysisInput, statusVerdict } from '../domain/release/analysis-plan.ts';
import { EventAction, EventReason } from '../domain/release/events.ts';
import type { ReleaseMemo, Revision, StrategyChannel, StrategyOutcome } from '../domain/release/records.ts';
import type { StrategyRequestCommand } from '../domain/release/requests.ts';
import type { ReleaseState } from '../domain/release/state.ts';
import { decide, type Decision, startProgress, type StrategyProgress } from '../domain/release/strategy-machine.ts';
import type { PlannedStep, StrategyPlan, TrafficRouting } from '../domain/release/strategy-plan.ts';
import { describeStrategy } from '../domain/release/strategy-report.ts';
import {
  moveActions,
  type Split,
  stepTarget,
  type TrafficAction,
  type TrafficTarget,
} from '../domain/release/traffic-split.ts';
import { verdictSummary } from '../domain/release/verdict-summary.ts';
import { onRollbackHooks, postRolloutHooks } from './hooks.ts';
import { enter, kube, local, recordEvent, waits, writeStatus } from './proxies.ts';
import { releaseRevision } from './search-attributes.ts';

const True = 'True';
const False = 'False';

/** A promote, abort or retry on its way to the rollout in flight, and the answer once it was applied. */
export interface StrategyLetter {
  command: StrategyRequestCommand;
  /** An annotation's request: acted on once (status.observedStrategyRequests). */
  requestId?: string;
  answer?: Decision;
}

/** The channel a request's id is recorded under: promote --full apart from promote, as their annotations are. */
const channelOf = (command: StrategyRequestCommand): StrategyChannel =>
  command.kind === 'promote' && command.full ? 'promoteFull' : command.kind;

/**
 * Answers a letter. One that names its request (an annotation's: nobody waits for the answer) is
 * recorded as handled in status, and when refused the refusal is a Warning Event, where a
 * kubectl-only user looks.
 */
export async function settle(
  state: ReleaseState,
  inbox: StrategyInbox,
  letter: StrategyLetter,
  decision: Decision,
): Promise<void> {
  inbox.answer(letter, decision);
  if (letter.requestId === undefined) return;
  state.data.observedStrategyRequests = {
    ...state.data.observedStrategyRequests,
    [channelOf(letter.command)]: letter.requestId,
  };
  if (!decision.ok)
    await recordEvent(state, {
      type: 'Warning',
      reason: EventReason.StrategyRequestRefused,
      message: `${letter.command.kind} (${letter.requestId}) refused: ${decision.refused}`,
      action: EventAction.Rollout,
    });
  await writeStatus(state);
}

/** The requests the workflow's handlers queue for the canary in flight (or, with none in flight, for the main loop). */
export class StrategyInbox {
  letters: StrategyLetter[] = [];
  /** True while a canary or blue-green rollout reads the inbox. */
  reading = false;

  /** Whether a request with the letter's id was handled already, or is queued. */
  seen(state: ReleaseState, letter: StrategyLetter): boolean {
    const id = letter.requestId;
    return (
      state.data.observedStrategyRequests?.[channelOf(letter.command)] === id ||
      this.letters.some((l) => l.requestId === id && channelOf(l.command) === channelOf(letter.command))
    );
  }

  unanswered(): StrategyLetter | undefined {
    return this.letters.find((l) => l.answer === undefined);
  }

  /** Answers a letter and drops it: its handler, waiting on the answer, replies. */
  answer(letter: StrategyLetter, decision: Decision): void {
    letter.answer = decision;
    this.letters = this.letters.filter((l) => l !== letter);
  }
}

/** What the caller of promote / abort / retry gets back. */
export function outcomeOf(plan: StrategyPlan, progress: StrategyProgress): StrategyOutcome {
  return {
    revision: progress.revision,
    state: progress.state,
    step: `${Math.min(progress.stepIndex + 1, plan.steps.length)}/${plan.steps.length}`,
    ...(progress.message !== undefined ? { message: progress.message } : {}),
  };
}

/** A canary in flight: its revision, the stable one beside it, and how traffic moves between them. */
export interface CanaryInFlight {
  revision: Revision;
  stable: Revision;
  routing: TrafficRouting;
}

/**
 * Moves traffic to the weights: an HTTPRoute's, or a blue-green's active Service; without a router
 * traffic follows the pods, and there is nothing to write.
 */
async function setWeights(state: ReleaseState, routing: TrafficRouting, weights: Split): Promise<void> {
  if (routing.kind !== 'replicas') await kube.setTrafficWeights({ ref: state.data.ref, routing, weights });
}

/** The two sides before the first step: everything on stable. */
const allStable = (replicas: number): TrafficTarget => ({
  weights: { stable: 100, canary: 0 },
  replicas: { stable: replicas, canary: 0 },
});

/**
 * A canary of `revision` beside `stable`, step by step: each step's pods (and weights) first, then its
 * pause or analysis. Ends promoted (the new revision on the Release's own Deployment, stable), aborted
 * (everything back on stable, Failed), or by cancellation (a newer spec or a rollback: the caller
 * takes the canary off with `takeCanaryOff`). A pause is a durable timer, so a restart of rollguard
 * resumes it with the time it had left.
 */
export async function rollOutCanary(
  state: ReleaseState,
  plan: StrategyPlan,
  revision: Revision,
  stable: Revision,
  inbox: StrategyInbox,
  retried?: StrategyProgress,
): Promise<void> {
  const spec = state.data.spec!;
  const ref = state.data.ref;
  const replicas = spec.template.replicas ?? 1;
  const deadlineMs = parseDuration(spec.healthChecks.readiness.deadline);
  let progress = retried ?? startProgress(plan, revision.revision, new Date());
  let current = allStable(replicas);

  const save = (next: StrategyProgress): void => {
    progress = next;
    state.data.strategy = next;
  };
  save(progress);
  if (plan.routing.kind !== 'replicas') {
    // All traffic on stable whatever the route said before, then each Service narrowed to its side.
    await setWeights(state, plan.routing, current.weights);
    await kube.pinServices({ ref, routing: plan.routing });
  }

  /** Moves pods (and weights) from `current` to `target`; a reason when the new pods were not Ready in time. */
  async function move(actions: TrafficAction[], target: TrafficTarget): Promise<string | undefined> {
    for (const action of actions) {
      if (action.kind === 'setWeights') {
        await setWeights(state, plan.routing, action.weights);
        continue;
      }
      const side = action.role === 'canary' ? revision : stable;
      if (action.kind === 'scale') {
        await kube.scaleTrack({ ref, role: action.role, revision: side, replicas: action.replicas, adopt: spec.adopt });
      } else {
        const result = await waits.awaitRollout({ ref, revision: side.revision, deadlineMs, role: action.role });
        if (!result.complete)
          return `${action.role} pods of revision ${side.revision} not Ready within the ${deadlineMs / 1000}s readiness deadline: ${result.reason}`;
      }
    }
    current = target;
    return undefined;
  }

  /** The step in force, run until it passes, fails, or a person's request takes over. */
  async function runStep(step: PlannedStep): Promise<{ passed: true } | { failed: string }> {
    switch (step.kind) {
      case 'setWeight':
      case 'preview':
        return { passed: true };
      case 'switch': {
        // The old revision keeps its pods for scaleDownDelay: an abort or a rollback until then
        // switches the active Service back to them.
        const left = plan.scaleDownDelayMs - (Date.now() - Date.parse(progress.stepStartedAt));
        if (left > 0) await sleepFor(left);
        return { passed: true };
      }
      case 'pause': {
        if (step.durationMs === undefined) {
          await condition(() => false); // until promoted (the request cancels this wait)
          return { passed: true };
        }
        const left = step.durationMs - (Date.now() - Date.parse(progress.stepStartedAt));
        if (left > 0) await sleepFor(left);
        return { passed: true };
      }
      case 'analysis': {
        const checks = await analyseCanary(state, revision, step, deadlineMs);
        // The canary's pods are up (the step awaited them): its checks alone judge it.
        const verdict = decideVerdict(checks, step.failureWeight);
        state.data.lastVerdict = statusVerdict(verdict, revision.revision, new Date());
        return verdict.status === 'Unhealthy'
          ? { failed: `analysis at step ${progress.stepIndex + 1}: ${verdictSummary(verdict)}` }
          : { passed: true };
      }
    }
  }

  /** Applies a person's request to the rollout; answers it either way. */
  async function take(letter: StrategyLetter): Promise<void> {
    const decision = decide(plan, progress, letter.command, new Date());
    await settle(state, inbox, letter, decision);
    if (!decision.ok) return;
    save(decision.progress);
    const { command } = letter;
    const reason =
      command.kind === 'promote'
        ? EventReason.Promoted
        : command.kind === 'abort'
          ? EventReason.Aborted
          : EventReason.Retried;
    await recordEvent(state, {
      type: command.kind === 'abort' ? 'Warning' : 'Normal',
      reason,
      message: `revision ${revision.revision}: ${decision.progress.message ?? command.kind}`,
      action: EventAction.Rollout,
    });
  }

  let announced: StrategyProgress | undefined;
  inbox.reading = true;
  try {
    for (;;) {
      const waiting = inbox.unanswered();
      if (waiting) {
        await take(waiting);
        continue;
      }
      if (progress.state === 'Promoted' || progress.state === 'Aborted') break;
      if (progress.state === 'Held') {
        if (announced !== progress) await announce(state, plan, Reason.RolloutHeld, EventReason.RolloutHeld);
        announced = progress;
        await condition(() => inbox.unanswered() !== undefined);
        continue;
      }
      const step = plan.steps[progress.stepIndex]!;
      const target = stepTarget(plan, progress.stepIndex, replicas);
      const at = progress;
      if (announced !== progress) await announce(state, plan, Reason.StepInProgress, EventReason.StepStarted);
      announced = progress;
      // The step runs in a scope of its own: a request that changes the rollout (abort, promote,
      // retry) cancels it, and the loop goes on from where the request left the rollout.
      const scope = new CancellationScope();
      const work = scope.run(async () => {
        const short = await move(moveActions(plan.routing, current, target), target);
        if (short !== undefined) return { failed: short };
        await writeStatus(state);
        return runStep(step);
      });
      work.catch(() => undefined);
      let done = false;
      void work.then(
        () => (done = true),
        () => (done = true),
      );
      await condition(() => done || inbox.unanswered() !== undefined);
      if (!done) {
        const letter = inbox.unanswered()!;
        if (decide(plan, progress, letter.command, new Date()).ok) {
          scope.cancel();
          await work.catch((err) => {
            if (!isCancellation(err)) throw err;
          });
        }
        await take(letter);
        continue;
      }
      const outcome = await work; // rethrows what failed the step for good (a refusal)
      if (progress !== at) continue; // a request already moved the rollout on
      if ('failed' in outcome) {
        const decision = decide(
          plan,
          progress,
          { kind: 'stepFailed', reason: outcome.failed, automaticRollback: spec.rollback.automatic },
          new Date(),
        );
        if (decision.ok) save(decision.progress);
        continue;
      }
      const next = decide(plan, progress, { kind: 'stepPassed' }, new Date());
      if (next.ok) save(next.progress);
    }
  } finally {
    inbox.reading = false;
  }

  if (progress.state === 'Promoted') {
    await promote(state, plan, revision, stable, current, deadlineMs);
    return;
  }
  await abort(state, { revision, stable, routing: plan.routing }, deadlineMs);
}

/** Waits `ms` on a durable timer (a restart of rollguard resumes it with the time it had left). */
async function sleepFor(ms: number): Promise<void> {
  await condition(() => false, ms);
}

/** Says where the rollout stands: the Progressing condition, the memo, an Event, status. */
async function announce(
  state: ReleaseState,
  plan: StrategyPlan,
  reason: typeof Reason.StepInProgress | typeof Reason.RolloutHeld,
  event: typeof EventReason.StepStarted | typeof EventReason.RolloutHeld,
): Promise<void> {
  const progress = state.data.strategy!;
  const status = state.status().strategy;
  const message = status
    ? `revision ${progress.revision}, ${describeStrategy(plan, status, new Date())}`
    : `revision ${progress.revision}`;
  state.setCondition({ type: Type.Progressing, status: True, reason, message }, new Date());
  upsertMemo({ generation: state.data.generation, message } satisfies ReleaseMemo);
  await Promise.all([
    writeStatus(state),
    recordEvent(state, {
      type: reason === Reason.RolloutHeld ? 'Warning' : 'Normal',
      reason: event,
      message,
      action: EventAction.Rollout,
    }),
  ]);
}

/** The readiness of the canary's pods watched for the window, beside the spec's other checks run against them. */
async function analyseCanary(
  state: ReleaseState,
  revision: Revision,
  step: Extract<PlannedStep, { kind: 'analysis' }>,
  deadlineMs: number,
): Promise<CheckResult[]> {
  const spec = state.data.spec!;
  const ref = state.data.ref;
  const weight = spec.healthChecks.readiness.weight;
  const watch = waits
    .watchReadiness({
      ref,
      revision: revision.revision,
      matchLabels: spec.template.selector.matchLabels,
      until: Date.now() + step.windowMs,
      toleranceMs: deadlineMs,
      weight,
      role: 'canary',
    })
    .then(withCheckKind);
  const hasChecks = spec.healthChecks.http.length > 0 || spec.healthChecks.prometheus.length > 0;
  if (!hasChecks) return [await watch];
  watch.catch(() => undefined);
  const podIps = spec.healthChecks.http.some((c) => c.port !== undefined)
    ? await kube.readyPodIps({ ref, revision })
    : [];
  const readiness: CheckResult = {
    name: 'readiness',
    kind: 'Readiness',
    outcome: 'Pass',
    value: 1,
    weight,
    reason: 'Ready',
  };
  const input = analysisInput(
    { ...spec, analysis: { ...spec.analysis, window: `${step.windowMs}ms`, failureWeight: step.failureWeight } },
    {
      podIps,
      ...(await local.operatorDefaults()),
      readiness,
      namespace: ref.namespace,
      queryVariables: { revision: String(revision.revision), track: 'canary' },
    },
  );
  const [watched, checks] = await Promise.all([watch, waits.runAnalysis(input)]);
  return [watched, ...checks.checks.map(withCheckKind).filter((c) => c.kind !== 'Readiness')];
}

/** Every step passed: the Release's own Deployment takes the new revision at full size, then the canary goes. */
async function promote(
  state: ReleaseState,
  plan: StrategyPlan,
  revision: Revision,
  stable: Revision,
  current: TrafficTarget,
  deadlineMs: number,
): Promise<void> {
  const spec = state.data.spec!;
  const ref = state.data.ref;
  const replicas = spec.template.replicas ?? 1;
  // The canary serves at full size while the Release's own Deployment takes the new revision: its
  // old pods go first (the canary's carry the traffic), so its new ones start all at once instead of
  // one rolling-update batch at a time.
  if (current.replicas.canary < replicas) {
    await kube.scaleTrack({ ref, role: 'canary', revision, replicas, adopt: spec.adopt });
    await waits.awaitRollout({ ref, revision: revision.revision, deadlineMs, role: 'canary' });
  }
  const routing = plan.routing;
  if (routing.kind !== 'replicas' && current.weights.canary < 100) {
    await setWeights(state, routing, { stable: 0, canary: 100 });
    if (plan.scaleDownDelayMs > 0) await sleepFor(plan.scaleDownDelayMs);
  }
  if (current.replicas.stable > 0)
    await kube.scaleTrack({ ref, role: 'stable', revision: stable, replicas: 0, adopt: spec.adopt });
  await kube.applyRevision({ ref, revision, adopt: spec.adopt, replicas });
  state.data.currentRevision = revision.revision;
  upsertSearchAttributes([{ key: releaseRevision, value: revision.revision }]);
  const result = await waits.awaitRollout({ ref, revision: revision.revision, deadlineMs });
  state.data.progress = result.progress;
  if (routing.kind !== 'replicas') {
    // The stable (or active) Service selects the Release's pods again, now the new revision's.
    await kube.unpinServices({ ref, routing });
  }
  if (routing.kind === 'gatewayAPI') {
    // The route gives the stable Service its traffic back; the canary's pods stay for scaleDownDelay,
    // as the old ones did, for gateways still on the previous weights.
    await setWeights(state, routing, { stable: 100, canary: 0 });
    if (plan.scaleDownDelayMs > 0) await sleepFor(plan.scaleDownDelayMs);
  }
  await kube.scaleTrack({ ref, role: 'canary', revision, replicas: 0, adopt: spec.adopt });
  state.markStable(revision.revision);
  const how = state.data.strategy?.message ? ` (${state.data.strategy.message})` : '';
  state.setCondition(
    {
      type: Type.Ready,
      status: True,
      reason: Reason.HealthChecksPassed,
      message: `revision ${revision.revision} passed every step of its canary${how}`,
    },
    new Date(),
  );
  state.setCondition(
    {
      type: Type.Progressing,
      status: False,
      reason: Reason.RolloutComplete,
      message: `revision ${revision.revision} is promoted and stable`,
    },
    new Date(),
  );
  await enter(
    state,
    'Ready',
    Reason.HealthChecksPassed,
    `revision ${revision.revision} is promoted: ${plan.steps.length} steps${how}`,
  );
  await postRolloutHooks(state, revision.revision);
}

/** The canary is taken off: its pods go at once, stable is back at full size, and the Release says why. */
async function abort(state: ReleaseState, canary: CanaryInFlight, deadlineMs: number): Promise<void> {
  const { revision, stable } = canary;
  const what = canary.routing.kind === 'service' ? 'preview' : 'canary';
  const spec = state.data.spec!;
  const ref = state.data.ref;
  const replicas = spec.template.replicas ?? 1;
  const why = state.data.strategy?.message ?? 'aborted';
  state.markRevision(revision.revision, 'Failed');
  state.data.lastRollback = {
    id: `rb-${revision.revision}-${state.data.history.length}`,
    fromRevision: revision.revision,
    toRevision: stable.revision,
    reason: why.slice(0, 1024),
    trigger: 'Automatic',
    time: new Date().toISOString(),
  };
  await enter(
    state,
    'RollingBack',
    Reason.RolloutAborted,
    `the ${what} of revision ${revision.revision} is taken off: ${why}`,
    { warning: true, action: EventAction.Rollback },
  );
  await takeCanaryOff(state, canary);
  const result = await waits.awaitRollout({ ref, revision: stable.revision, deadlineMs });
  state.data.progress = result.progress;
  const message =
    `the ${what} of revision ${revision.revision} was aborted (${why}); revision ${stable.revision} serves all traffic with ${replicas} pods. ` +
    `The spec still asks for revision ${revision.revision}: \`rollguard retry\` runs its canary again, or change the spec.`;
  state.setCondition({ type: Type.RolledBack, status: True, reason: Reason.RolloutAborted, message }, new Date());
  state.setCondition(
    {
      type: Type.Ready,
      status: False,
      reason: Reason.RolloutAborted,
      message: `revision ${revision.revision}: ${why}`,
    },
    new Date(),
  );
  state.setCondition({ type: Type.Progressing, status: False, reason: Reason.RolloutAborted, message }, new Date());
  await onRollbackHooks(state, {
    id: state.data.lastRollback.id,
    fromRevision: revision.revision,
    toRevision: stable.revision,
  });
  await enter(state, 'Failed', Reason.RolloutAborted, message, { warning: true, action: EventAction.Rollback });
}

/**
 * Everything back on stable. With a router, first all traffic to stable in one write (the route's
 * weights, or a blue-green's active Service switched back): its pods kept full size and never stopped
 * serving. Then the canary's pods go at once (without a router,
 * their traffic goes to the stable pods behind the same Service), and stable is back at full size
 * (not awaited). Every write is made whatever the rollout had reached: a step cancelled halfway may
 * have moved either side. Last, once the canary's pods are gone, the stable (or active) Service
 * selects every pod of the Release again.
 */
export async function takeCanaryOff(state: ReleaseState, { revision, stable, routing }: CanaryInFlight): Promise<void> {
  const spec = state.data.spec!;
  const ref = state.data.ref;
  await setWeights(state, routing, { stable: 100, canary: 0 });
  await kube.scaleTrack({ ref, role: 'canary', revision, replicas: 0, adopt: spec.adopt });
  await kube.scaleTrack({
    ref,
    role: 'stable',
    revision: stable,
    replicas: spec.template.replicas ?? 1,
    adopt: spec.adopt,
  });
  if (routing.kind !== 'replicas') {
    await waits.awaitNoPods({ ref, role: 'canary', deadlineMs: parseDuration(spec.healthChecks.readiness.deadline) });
    await kube.unpinServices({ ref, routing });
  }
}
