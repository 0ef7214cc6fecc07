import { CancellationScope, log, patched, upsertSearchAttributes, uuid4 } from '@temporalio/workflow';
import { ConditionReason as Reason, ConditionType as Type } from '../domain/api/conditions.ts';
import { parseDuration } from '../domain/api/durations.ts';
import { decideVerdict } from '../domain/health/verdict.ts';
import { readinessResult } from '../domain/health/readiness.ts';
import { type CheckResult, withCheckKind } from '../domain/health/types.ts';
import { analysisInput, prometheusAddresses, specProblems, statusVerdict } from '../domain/release/analysis-plan.ts';
import { checkSecretRefs } from '../domain/release/header-sources.ts';
import { EventAction, EventMessage, EventReason } from '../domain/release/events.ts';
import { RefusalType } from '../domain/release/refusal.ts';
import type { ReleaseState } from '../domain/release/state.ts';
import { templateProblems } from '../domain/release/template-checks.ts';
import { judgeRollout, verdictSummary } from '../domain/release/verdict-summary.ts';
import { releaseRevision } from './search-attributes.ts';
import type { Revision } from '../domain/release/records.ts';
import { type CanaryInFlight, rollOutCanary, type StrategyInbox, takeCanaryOff } from './canary.ts';
import type { Fallback } from '../activities/cluster/deployment.ts';
import type { StrategyProgress } from '../domain/release/strategy-machine.ts';
import { strategyPlan } from '../domain/release/strategy-plan.ts';
import { enter, kube, local, lookups, recordEvent, type Refusal, refusalOf, waits, writeStatus } from './proxies.ts';
import { onRollbackHooks, postRolloutHooks, preRolloutHooks } from './hooks.ts';
import type { RollbackOutcome, RollbackRequest, SpecMessage } from '../domain/release/records.ts';

/**
 * The patch under which a rollout takes fewer steps one after another: independent steps at once,
 * and no pruning step with nothing to prune (docs/benchmarks.md).
 */
export const fewerSteps = 'fewer-sequential-steps';

/** What the worker's flags set for every Release (rollguard run --default-prometheus, --notifications). */
export type OperatorDefaults = Awaited<ReturnType<typeof local.operatorDefaults>>;

/** What the rollout in flight has done so far, so a superseded one can be recorded as such. */
export interface Rollout {
  revision: number | undefined;
  /** Where promote, abort and retry reach a canary in flight. */
  inbox?: StrategyInbox;
  /** A retried canary: its first step, as the retry decided it. */
  retried?: StrategyProgress;
  /** Set while a canary runs: the two revisions, so a superseded canary can be taken off. */
  canary?: CanaryInFlight;
}

const True = 'True';
const False = 'False';

/**
 * Takes a new spec generation as the desired state. Returns whether it should be rolled out: not
 * when the spec is one rollguard cannot roll out (it says so in an InvalidSpec condition instead).
 */
export async function applyCarriedSpec(
  state: ReleaseState,
  message: SpecMessage,
  knownDefaults?: OperatorDefaults,
): Promise<boolean> {
  const now = new Date();
  state.data.generation = message.generation;
  state.data.spec = message.spec;
  const defaults = knownDefaults ?? (await local.operatorDefaults());
  state.data.operatorSinks = defaults.operatorSinks === true;
  const routing = strategyPlan(message.spec)?.routing;
  const routed = routing !== undefined && routing.kind !== 'replicas' && patched('routed-strategies');
  const problems = [...specProblems(message.spec, { ...defaults, routed }), ...templateProblems(message.spec.template)];
  // What only the cluster can judge: the Deployment this spec makes (a server-side dry run), whose
  // object is in the way, and whose pods the selector would also select.
  if (problems.length === 0 && patched('admission-checks')) {
    const dryRun = () =>
      kube.dryRunTemplate({ ref: state.data.ref, template: message.spec.template, adopt: message.spec.adopt });
    const conflicts = () =>
      kube.selectorConflicts({ ref: state.data.ref, matchLabels: message.spec.template.selector.matchLabels });
    // Patched in: the two checks are independent, and run at once.
    const found = patched(fewerSteps)
      ? await Promise.all([dryRun(), conflicts()])
      : [await dryRun(), await conflicts()];
    problems.push(...found.flat());
  }
  // The Secrets the checks' headers read: a typo in a name or key, or a missing grant, is refused here
  // naming the field, rather than failing every check and rolling the revision back. Only the
  // references cross the workflow; the activity reads the Secrets itself.
  const secrets = checkSecretRefs(message.spec, state.data.ref.namespace);
  if (problems.length === 0 && secrets.length > 0 && patched('check-secrets')) {
    problems.push(...(await lookups.unreadableCheckSecrets({ secrets })));
  }
  // The HTTPRoute and Services a routed rollout writes to: they exist and the route sends to both.
  if (problems.length === 0 && routed) problems.push(...(await kube.routeProblems({ ref: state.data.ref, routing })));
  if (problems.length > 0) {
    await refuseSpec(state, problems);
    return false;
  }
  if (state.data.conditions.some((c) => c.type === Type.InvalidSpec)) {
    state.setCondition(
      { type: Type.InvalidSpec, status: False, reason: Reason.SpecValid, message: 'the spec can be rolled out' },
      now,
    );
  }
  await checkReachable(state, prometheusAddresses(message.spec, { ...defaults, namespace: state.data.ref.namespace }));
  if (state.paused) {
    const reason = state.data.pausedBySignal ? Reason.PausedBySignal : Reason.PausedBySpec;
    state.setCondition(
      {
        type: Type.Paused,
        status: True,
        reason,
        message: `generation ${message.generation} is held until the Release is resumed`,
      },
      now,
    );
    await writeStatus(state);
  }
  return true;
}

/** A spec rollguard cannot roll out: an InvalidSpec condition naming each problem, an Event, and nothing written. */
export async function refuseSpec(state: ReleaseState, problems: string[]): Promise<void> {
  const message = problems.join('; ');
  state.setCondition({ type: Type.InvalidSpec, status: True, reason: Reason.SpecInvalid, message }, new Date());
  if (patched('admission-checks')) {
    const running =
      state.data.currentRevision !== undefined ? `; revision ${state.data.currentRevision} keeps running` : '';
    state.setCondition(
      {
        type: Type.Progressing,
        status: False,
        reason: Reason.SpecInvalid,
        message: `generation ${state.data.generation} cannot be rolled out${running}`,
      },
      new Date(),
    );
    await enter(
      state,
      'Failed',
      Reason.SpecInvalid,
      `generation ${state.data.generation} cannot be rolled out: ${message}`,
      { warning: true, action: EventAction.Validate },
    );
    return;
  }
  await kube.recordEvent({
    ref: state.data.ref,
    event: { type: 'Warning', reason: EventReason.SpecInvalid, message, action: EventAction.Validate },
  });
  await writeStatus(state);
}

/** Says in a condition (and an Event) when a server the checks query does not answer; the rollout goes on. */
async function checkReachable(
  state: ReleaseState,
  addresses: Parameters<typeof lookups.unreachablePrometheus>[0]['addresses'],
): Promise<void> {
  const problems = addresses.length > 0 ? await lookups.unreachablePrometheus({ addresses }) : [];
  const had = state.data.conditions.some((c) => c.type === Type.ChecksReachable);
  if (problems.length === 0 && !had) return;
  const message = problems.length > 0 ? problems.join('; ') : 'every Prometheus the checks query answers';
  state.setCondition(
    {
      type: Type.ChecksReachable,
      status: problems.length > 0 ? False : True,
      reason: problems.length > 0 ? Reason.PrometheusUnreachable : Reason.PrometheusReachable,
      message,
    },
    new Date(),
  );
  if (problems.length > 0)
    await recordEvent(state, {
      type: 'Warning',
      reason: EventReason.PrometheusUnreachable,
      message,
      action: EventAction.Validate,
    });
}

/** Snapshot → apply → await the rollout → analysis → verdict → stable, or roll back. */
export async function rollOut(state: ReleaseState, rollout: Rollout): Promise<void> {
  const spec = state.data.spec;
  if (!spec) return;
  const ref = state.data.ref;
  const generation = state.data.generation;
  state.setCondition(
    { type: Type.Paused, status: False, reason: Reason.Resumed, message: 'rollouts are not paused' },
    new Date(),
  );
  state.setCondition(
    {
      type: Type.Progressing,
      status: True,
      reason: Reason.RolloutStarted,
      message: `rolling out generation ${generation}`,
    },
    new Date(),
  );
  // Patched in: without preRollout hooks to wait for, the revision is recorded while the phase is.
  const early =
    !spec.hooks?.preRollout?.length && patched(fewerSteps)
      ? kube.snapshotRevision({ ref, template: spec.template })
      : undefined;
  // Awaited in the try below; handled here too, so a refusal that lands first is not an unhandled rejection.
  early?.catch(() => undefined);
  await enter(state, 'Progressing', Reason.RolloutStarted, `rolling out generation ${generation}`);
  if (!(await preRolloutHooks(state))) return;

  let revision: Revision;
  try {
    revision = await (early ?? kube.snapshotRevision({ ref, template: spec.template }));
    rollout.revision = revision.revision;
    state.data.desiredRevision = revision.revision;
    state.addRevision({
      revision: revision.revision,
      images: revision.images,
      createdAt: revision.createdAt,
      outcome: 'InProgress',
    });
    if (await canaryOf(state, revision, rollout)) return;
    await kube.applyRevision({ ref, revision, adopt: spec.adopt, replicas: spec.template.replicas });
  } catch (err) {
    const refusal = refusalOf(err);
    if (!refusal) throw err;
    if (rollout.canary) await takeCanaryOff(state, rollout.canary);
    await refuseRollout(state, refusal, rollout.revision);
    return;
  }
  state.data.currentRevision = revision.revision;
  upsertSearchAttributes([{ key: releaseRevision, value: revision.revision }]);
  await writeStatus(state);

  const { checks, rolledOut, fellBack } = await measure(state, revision);
  const verdict = judgeRollout(decideVerdict(checks, spec.analysis.failureWeight), rolledOut);
  state.data.lastVerdict = statusVerdict(verdict, revision.revision, new Date());
  const summary = verdictSummary(verdict);

  if (verdict.healthy) {
    state.markStable(revision.revision);
    state.setCondition(
      {
        type: Type.Ready,
        status: True,
        reason: Reason.HealthChecksPassed,
        message: `revision ${revision.revision}: ${verdict.reason}`,
      },
      new Date(),
    );
    state.setCondition(
      {
        type: Type.Progressing,
        status: False,
        reason: Reason.RolloutComplete,
        message: `revision ${revision.revision} is rolled out and stable`,
      },
      new Date(),
    );
    clearRolledBack(state);
    await enter(state, 'Ready', Reason.HealthChecksPassed, `revision ${revision.revision} is healthy: ${summary}`);
    await postRolloutHooks(state, revision.revision);
    // Patched in: no step when the Release keeps no more revisions than the limit (the workflow
    // records each revision it makes, and forgets each it prunes).
    if (state.data.revisions.length <= spec.revisionHistoryLimit && patched(fewerSteps)) return;
    const pruned = await kube.pruneRevisions({
      ref,
      keep: spec.revisionHistoryLimit,
      protect: [revision.revision, ...(state.data.stableRevision ? [state.data.stableRevision] : [])],
    });
    state.forgetRevisions(pruned);
    return;
  }

  state.markRevision(revision.revision, 'Failed');
  const readinessFailed = checks.some((c) => c.kind === 'Readiness' && c.outcome === 'Fail');
  const reason =
    !rolledOut && verdict.status !== 'Unhealthy'
      ? Reason.RolloutIncomplete
      : readinessFailed
        ? Reason.ReadinessDeadlineExceeded
        : Reason.HealthChecksFailed;
  state.setCondition(
    { type: Type.Ready, status: False, reason, message: `revision ${revision.revision}: ${verdict.reason}` },
    new Date(),
  );
  state.setCondition(
    { type: Type.Progressing, status: False, reason, message: `revision ${revision.revision} did not become healthy` },
    new Date(),
  );
  const stable = state.data.stableRevision;

  if (
    verdict.status === 'Unhealthy' &&
    spec.rollback.automatic &&
    stable !== undefined &&
    stable !== revision.revision
  ) {
    await rollBackTo(state, stable, {
      id: rollbackId(),
      reason: `revision ${revision.revision} is unhealthy: ${verdict.reason}`,
      trigger: 'Automatic',
      applied: fellBack === true,
    });
    return;
  }
  const why =
    verdict.status === 'Inconclusive'
      ? rolledOut
        ? 'the verdict is inconclusive, so rollguard neither promotes nor rolls it back'
        : `it is not fully rolled out, so it is never promoted, and nothing failed enough to roll it back; roll back with \`rollguard rollback\` or fix the spec`
      : !spec.rollback.automatic
        ? 'automatic rollback is off'
        : `this is the first rollout of the Release: there is no stable revision to return to`;
  if (verdict.status === 'Unhealthy' && spec.rollback.automatic && stable === undefined) {
    state.setCondition(
      {
        type: Type.RolledBack,
        status: False,
        reason: Reason.NoStableRevision,
        message: `revision ${revision.revision} failed and ${why}; the Deployment keeps running it. Fix the spec to roll out again.`,
      },
      new Date(),
    );
  }
  await enter(state, 'Failed', reason, `revision ${revision.revision} failed (${summary}); ${why}`, { warning: true });
}

/**
 * Rolls the revision out as a canary (or blue-green) when the spec asks for one and it can: there is a stable
 * revision, running now, to compare the new one with (the first revision of a Release, or one after
 * a failed rollout that left another revision running, rolls out as with the rolling strategy).
 * Returns false when it does not apply (docs/strategies.md).
 */
async function canaryOf(state: ReleaseState, revision: Revision, rollout: Rollout): Promise<boolean> {
  const plan = state.data.spec ? strategyPlan(state.data.spec) : undefined;
  const stable = state.data.stableRevision;
  if (
    plan === undefined ||
    stable === undefined ||
    stable === revision.revision ||
    state.data.currentRevision !== stable ||
    !rollout.inbox ||
    !patched('canary-steps')
  )
    return false;
  const stableRevision = await kube.readRevision({ ref: state.data.ref, revision: stable });
  rollout.canary = { revision, stable: stableRevision, routing: plan.routing };
  const retried = rollout.retried?.revision === revision.revision ? rollout.retried : undefined;
  await rollOutCanary(state, plan, revision, stableRevision, rollout.inbox, retried);
  return true;
}

const refusalReasons = {
  [RefusalType.ApplyRefused]: Reason.ApplyRefused,
  [RefusalType.ForeignObject]: Reason.ForeignObject,
  [RefusalType.Forbidden]: Reason.Forbidden,
  [RefusalType.NotFound]: Reason.RevisionMissing,
} as const;

/**
 * What the API server (or an owner) refused for good: a condition with its words, a Warning Event,
 * Failed, and back to the stable revision when something else runs now. Nothing is retried.
 */
export async function refuseRollout(
  state: ReleaseState,
  refusal: Refusal,
  revision: number | undefined,
): Promise<void> {
  const reason = refusalReasons[refusal.type as RefusalType] ?? Reason.ApplyRefused;
  if (revision !== undefined) state.markRevision(revision, 'Failed');
  state.setCondition({ type: Type.Progressing, status: False, reason, message: refusal.message }, new Date());
  state.setCondition(
    {
      type: Type.Ready,
      status: False,
      reason,
      message: `generation ${state.data.generation} was not rolled out: ${refusal.message}`,
    },
    new Date(),
  );
  const stable = state.data.stableRevision;
  if (stable !== undefined && state.data.currentRevision !== undefined && state.data.currentRevision !== stable) {
    await rollBackTo(state, stable, { id: rollbackId(), reason: refusal.message, trigger: 'Automatic' });
    return;
  }
  const running =
    state.data.currentRevision !== undefined ? ` Revision ${state.data.currentRevision} keeps running.` : '';
  await enter(
    state,
    'Failed',
    reason,
    `generation ${state.data.generation} was not rolled out: ${refusal.message}.${running} Fix the spec (or the object in the way) to roll out again.`,
    { warning: true },
  );
}

/**
 * The stable revision a readiness wait applies itself the moment readiness fails (an armed
 * rollback), when nothing but readiness weighs in and its failure alone rolls the revision back
 * automatically; undefined otherwise. Patched in: runs that began without it wait as they did.
 */
function armedRollback(state: ReleaseState, revision: Revision): Fallback | undefined {
  const spec = state.data.spec!;
  const stable = state.data.stableRevision;
  const readinessAlone = spec.healthChecks.http.length === 0 && spec.healthChecks.prometheus.length === 0;
  const failing: CheckResult = {
    name: 'readiness',
    kind: 'Readiness',
    outcome: 'Fail',
    weight: spec.healthChecks.readiness.weight,
    reason: 'not Ready',
  };
  if (
    !readinessAlone ||
    !spec.rollback.automatic ||
    stable === undefined ||
    stable === revision.revision ||
    decideVerdict([failing], spec.analysis.failureWeight).status !== 'Unhealthy' ||
    !patched('armed-rollback')
  )
    return undefined;
  return { revision: stable, generation: state.data.generation, adopt: spec.adopt, replicas: spec.template.replicas };
}

/**
 * The readiness gate, then the analysis window with every other check (and readiness watched
 * throughout). `fellBack`: the wait that failed already applied the stable revision (armedRollback).
 */
async function measure(
  state: ReleaseState,
  revision: Revision,
): Promise<{ checks: CheckResult[]; rolledOut: boolean; fellBack?: boolean }> {
  const spec = state.data.spec!;
  const ref = state.data.ref;
  const deadlineMs = parseDuration(spec.healthChecks.readiness.deadline);
  const fallback = armedRollback(state, revision);
  const result = await waits.awaitRollout({
    ref,
    revision: revision.revision,
    deadlineMs,
    ...(fallback ? { fallback } : {}),
  });
  state.data.progress = result.progress;
  const weight = spec.healthChecks.readiness.weight;
  const hasChecks = spec.healthChecks.http.length > 0 || spec.healthChecks.prometheus.length > 0;
  if (!result.complete) {
    // The Deployment's ready count includes the old pods still serving, so the wait's verdict decides.
    const reason = `not rolled out within the ${deadlineMs / 1000}s readiness deadline: ${result.reason}`;
    const readiness: CheckResult = {
      name: 'readiness',
      kind: 'Readiness',
      outcome: 'Fail',
      value: result.progress.updated,
      weight,
      reason,
    };
    // A revision that is not fully rolled out is never promoted; the other checks still weigh in, so
    // that the weights decide whether it is rolled back, as they do for a complete rollout.
    if (!hasChecks || !patched('incomplete-rollout-analysed'))
      return { checks: [readiness], rolledOut: false, ...(result.fellBack ? { fellBack: true } : {}) };
    return { checks: await analyse(state, revision, readiness), rolledOut: false };
  }
  const readiness = readinessResult({
    ready: result.progress.ready,
    desired: result.progress.desired,
    deadlineExceeded: false,
    deadlineSeconds: deadlineMs / 1000,
    weight,
  });
  if (!patched('readiness-window')) {
    if (!hasChecks) return { checks: [readiness], rolledOut: true };
    return { checks: await analyse(state, revision, readiness), rolledOut: true };
  }
  // Pods that crash a minute after becoming Ready are the most common bad release: readiness is
  // watched for the whole window, beside the other checks.
  const until = Date.now() + parseDuration(spec.analysis.window);
  const threshold = spec.analysis.failureWeight;
  const watchScope = new CancellationScope();
  const watch = watchScope.run(() =>
    waits.watchReadiness({
      ref,
      revision: revision.revision,
      matchLabels: spec.template.selector.matchLabels,
      until,
      toleranceMs: deadlineMs,
      weight,
      ...(fallback ? { fallback } : {}),
    }),
  );
  // Handled at once: if a step below is cancelled first (a newer spec), the watch's own cancellation
  // must not surface as an unhandled rejection, which fails the workflow task for good.
  watch.catch(() => undefined);
  if (!hasChecks) {
    announceAnalysis(state, revision, spec.analysis.window);
    await writeStatus(state);
    const { fellBack, ...watched } = await watch;
    return { checks: [withCheckKind(watched)], rolledOut: true, ...(fellBack ? { fellBack: true } : {}) };
  }
  const analysisScope = new CancellationScope();
  const analysis = analysisScope.run(() => analyse(state, revision, readiness));
  analysis.catch(() => undefined);
  // Whichever ends first may already decide the verdict: then the other is cancelled, not awaited.
  const first = await Promise.race([
    watch.then((r) => ({ watched: withCheckKind(r) })),
    analysis.then((checks) => ({ checks })),
  ]);
  if ('watched' in first && first.watched.outcome === 'Fail' && first.watched.weight >= threshold) {
    analysisScope.cancel();
    await analysis.catch(() => undefined);
    return { checks: [first.watched], rolledOut: true };
  }
  if ('checks' in first && decideVerdict(first.checks, threshold).status === 'Unhealthy') {
    watchScope.cancel();
    await watch.catch(() => undefined);
    return { checks: first.checks, rolledOut: true };
  }
  const [watched, checks] = await Promise.all([watch, analysis]);
  return { checks: [withCheckKind(watched), ...checks.filter((c) => c.kind !== 'Readiness')], rolledOut: true };
}

function announceAnalysis(state: ReleaseState, revision: Revision, window: string): void {
  state.setCondition(
    {
      type: Type.Progressing,
      status: True,
      reason: Reason.AnalysisRunning,
      message: `analysing revision ${revision.revision} for ${window}`,
    },
    new Date(),
  );
}

/** The analysis window with every HTTP and Prometheus check of the spec. */
async function analyse(state: ReleaseState, revision: Revision, readiness: CheckResult): Promise<CheckResult[]> {
  const spec = state.data.spec!;
  announceAnalysis(state, revision, spec.analysis.window);
  await writeStatus(state);
  const podIps = spec.healthChecks.http.some((c) => c.port !== undefined)
    ? await kube.readyPodIps({ ref: state.data.ref, revision })
    : [];
  const input = analysisInput(spec, {
    podIps,
    ...(await local.operatorDefaults()),
    readiness,
    namespace: state.data.ref.namespace,
    queryVariables: { revision: String(revision.revision) },
  });
  return (await waits.runAnalysis(input)).checks.map(withCheckKind);
}

const rollbackId = (): string => `rb-${uuid4().slice(0, 8)}`;

function clearRolledBack(state: ReleaseState): void {
  if (!state.data.conditions.some((c) => c.type === Type.RolledBack)) return;
  state.setCondition(
    {
      type: Type.RolledBack,
      status: False,
      reason: Reason.HealthChecksPassed,
      message: `revision ${state.data.currentRevision} is rolled out as the spec asks`,
    },
    new Date(),
  );
}

/** A rollback asked for by a person (Update, Signal, annotation). */
export async function rollBack(
  state: ReleaseState,
  request: RollbackRequest,
): Promise<RollbackOutcome | { refused: string }> {
  const target = state.rollbackTarget(request.toRevision);
  if ('refused' in target) {
    await refuseRollback(state, target.refused);
    return target;
  }
  const id = rollbackId();
  const from = state.data.currentRevision;
  const reason = request.reason ?? `requested by ${request.trigger ?? 'Signal'}`;
  await rollBackTo(state, target.to, { id, reason, trigger: request.trigger ?? 'Signal' });
  return { rollbackId: id, ...(from !== undefined ? { from } : {}), to: target.to, phase: state.data.phase };
}

/** A rollback signal that cannot be carried out: said where people look (an Event, the log). */
export async function refuseRollback(state: ReleaseState, reason: string): Promise<void> {
  log.warn('rollback refused', { reason });
  await recordEvent(state, {
    type: 'Warning',
    reason: EventReason.RollbackRefused,
    message: EventMessage.rollbackRefused(reason),
    action: EventAction.Rollback,
  });
}

/** Applies a kept revision with the Release's replica count, not the one it once ran with; what was refused, if anything. */
async function applyKept(state: ReleaseState, to: number): Promise<Refusal | undefined> {
  const ref = state.data.ref;
  try {
    const revision = await kube.readRevision({ ref, revision: to });
    await kube.applyRevision({
      ref,
      revision,
      adopt: state.data.spec?.adopt,
      replicas: state.data.spec?.template.replicas,
    });
    return undefined;
  } catch (err) {
    const refusal = refusalOf(err);
    if (!refusal) throw err;
    return refusal;
  }
}

/** Re-applies a kept revision and awaits it: the compensation of a failed rollout, or a requested rollback. */
async function rollBackTo(
  state: ReleaseState,
  to: number,
  {
    id,
    reason,
    trigger,
    applied = false,
  }: {
    id: string;
    reason: string;
    trigger: 'Automatic' | 'Update' | 'Signal' | 'Annotation';
    /** The failed wait already applied the revision (an armed rollback): only awaited here. */
    applied?: boolean;
  },
): Promise<void> {
  const ref = state.data.ref;
  // Back to the revision that runs: the one taken off is the canary or blue-green's, just ended.
  const strategy = state.data.strategy;
  const from =
    to === state.data.currentRevision && strategy !== undefined && strategy.revision !== to
      ? strategy.revision
      : (state.data.currentRevision ?? to);
  state.data.lastRollback = {
    id,
    fromRevision: from,
    toRevision: to,
    reason: reason.slice(0, 1024),
    trigger,
    time: new Date().toISOString(),
  };
  await enter(
    state,
    'RollingBack',
    trigger === 'Automatic' ? Reason.AutomaticRollback : Reason.RollbackRequested,
    `rollback ${id}: revision ${from} → ${to} (${trigger}): ${reason}` +
      (applied ? `; the readiness wait applied revision ${to} the moment it failed` : ''),
    { warning: trigger === 'Automatic', action: EventAction.Rollback },
  );

  const refusal = applied ? undefined : await applyKept(state, to);
  if (refusal) {
    const message = `rollback ${id} to revision ${to} was refused: ${refusal.message}`;
    state.setCondition({ type: Type.RolledBack, status: False, reason: Reason.RollbackFailed, message }, new Date());
    await enter(state, 'Failed', Reason.RollbackFailed, message, { warning: true, action: EventAction.Rollback });
    return;
  }
  state.data.currentRevision = to;
  upsertSearchAttributes([{ key: releaseRevision, value: to }]);
  const deadlineMs = parseDuration(state.data.spec?.healthChecks.readiness.deadline ?? '30s');
  const result = await waits.awaitRollout({ ref, revision: to, deadlineMs });
  state.data.progress = result.progress;
  if (from !== to) state.markRevision(from, trigger === 'Automatic' ? 'Failed' : 'RolledBack');

  if (!result.complete) {
    state.setCondition(
      {
        type: Type.RolledBack,
        status: False,
        reason: Reason.RollbackFailed,
        message: `rollback ${id} to revision ${to} did not complete: ${result.reason}`,
      },
      new Date(),
    );
    await enter(
      state,
      'Failed',
      Reason.RollbackFailed,
      `rollback ${id} to revision ${to} did not complete: ${result.reason}`,
      { warning: true, action: EventAction.Rollback },
    );
    return;
  }
  await onRollbackHooks(state, { id, fromRevision: from, toRevision: to });
  if (trigger === 'Automatic') {
    const message =
      `rollback ${id} (Automatic): revision ${from} failed and revision ${to} runs again. The spec (generation ${state.data.generation}) ` +
      `still asks for revision ${from}; rollguard will not retry it until the spec changes: fix the spec, or roll forward on purpose with \`rollguard rollback --to-revision ${from}\`.`;
    state.setCondition({ type: Type.RolledBack, status: True, reason: Reason.AutomaticRollback, message }, new Date());
    await enter(state, 'Failed', Reason.AutomaticRollback, message, { warning: true, action: EventAction.Rollback });
    return;
  }
  state.markStable(to);
  const differs = state.data.desiredRevision !== undefined && state.data.desiredRevision !== to;
  const message =
    `rollback ${id} (${trigger}): revision ${to} runs, from revision ${from}.` +
    (differs
      ? ` The spec still asks for revision ${state.data.desiredRevision}; change the spec to roll forward.`
      : '');
  state.setCondition({ type: Type.RolledBack, status: True, reason: Reason.RollbackRequested, message }, new Date());
  state.setCondition(
    { type: Type.Ready, status: True, reason: Reason.RollbackRequested, message: `revision ${to} is rolled out` },
    new Date(),
  );
  await enter(state, 'Ready', Reason.RollbackRequested, message, { action: EventAction.Rollback });
}
