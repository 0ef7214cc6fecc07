import { log, upsertSearchAttributes, uuid4 } from '@temporalio/workflow';
import { ConditionReason as Reason, ConditionType as Type, parseDuration } from '../src/api/index.ts';
import { decideVerdict } from '../src/health/verdict.ts';
import { readinessResult } from '../src/health/readiness.ts';
import type { CheckResult } from '../src/health/types.ts';
import { analysisInput, prometheusAddresses, specProblems, statusVerdict } from '../src/release/analysis-plan.ts';
import type { ReleaseState } from '../src/release/state.ts';
import { releaseRevision } from '../src/temporal/search-attributes.ts';
import type { Revision } from '../activities/release/revisions.ts';
import { enter, kube, local, waits, writeStatus } from './activities.ts';
import type { RollbackOutcome, RollbackRequest, SpecMessage } from './messages.ts';

/** What the rollout in flight has done so far, so a superseded one can be recorded as such. */
export interface Rollout {
  revision: number | undefined;
}

const True = 'True';
const False = 'False';

/**
 * Takes a new spec generation as the desired state. Returns whether it should be rolled out: not
 * when the spec is one rollguard cannot roll out (it says so in an InvalidSpec condition instead).
 */
export async function applyCarriedSpec(state: ReleaseState, message: SpecMessage): Promise<boolean> {
  const now = new Date();
  state.data.generation = message.generation;
  state.data.spec = message.spec;
  const defaults = await local.operatorDefaults();
  const problems = specProblems(message.spec, defaults);
  if (problems.length > 0) {
    state.setCondition({ type: Type.InvalidSpec, status: True, reason: Reason.SpecInvalid, message: problems.join('; ') }, now);
    await kube.recordEvent({ ref: state.data.ref, event: { type: 'Warning', reason: Reason.SpecInvalid, message: problems.join('; '), action: 'Validate' } });
    await writeStatus(state);
    return false;
  }
  if (state.data.conditions.some((c) => c.type === Type.InvalidSpec)) {
    state.setCondition({ type: Type.InvalidSpec, status: False, reason: Reason.SpecValid, message: 'the spec can be rolled out' }, now);
  }
  await checkReachable(state, prometheusAddresses(message.spec, defaults));
  if (state.paused) {
    state.setCondition({ type: Type.Paused, status: True, reason: Reason.PausedBySpec, message: `generation ${message.generation} is held until the Release is resumed` }, now);
    await writeStatus(state);
  }
  return true;
}

/** Says in a condition (and an Event) when a server the checks query does not answer; the rollout goes on. */
async function checkReachable(state: ReleaseState, addresses: { field: string; address: string }[]): Promise<void> {
  const problems = addresses.length > 0 ? await kube.unreachablePrometheus({ addresses }) : [];
  const had = state.data.conditions.some((c) => c.type === Type.ChecksReachable);
  if (problems.length === 0 && !had) return;
  const message = problems.length > 0 ? problems.join('; ') : 'every Prometheus the checks query answers';
  state.setCondition({ type: Type.ChecksReachable, status: problems.length > 0 ? False : True, reason: problems.length > 0 ? Reason.PrometheusUnreachable : Reason.PrometheusReachable, message }, new Date());
  if (problems.length > 0) {
    await kube.recordEvent({ ref: state.data.ref, event: { type: 'Warning', reason: Reason.PrometheusUnreachable, message, action: 'Validate' } });
  }
}

/** Snapshot → apply → await the rollout → analysis → verdict → stable, or roll back. */
export async function rollOut(state: ReleaseState, rollout: Rollout): Promise<void> {
  const spec = state.data.spec;
  if (!spec) return;
  const ref = state.data.ref;
  const generation = state.data.generation;
  state.setCondition({ type: Type.Paused, status: False, reason: Reason.Resumed, message: 'rollouts are not paused' }, new Date());
  state.setCondition({ type: Type.Progressing, status: True, reason: Reason.RolloutStarted, message: `rolling out generation ${generation}` }, new Date());
  await enter(state, 'Progressing', Reason.RolloutStarted, `rolling out generation ${generation}`);

  const revision = await kube.snapshotRevision({ ref, template: spec.template });
  rollout.revision = revision.revision;
  state.data.desiredRevision = revision.revision;
  state.addRevision({ revision: revision.revision, images: revision.images, createdAt: revision.createdAt, outcome: 'InProgress' });
  await kube.applyRevision({ ref, revision });
  state.data.currentRevision = revision.revision;
  upsertSearchAttributes([{ key: releaseRevision, value: revision.revision }]);
  await writeStatus(state);

  const checks = await measure(state, revision);
  const verdict = decideVerdict(checks, spec.analysis.failureWeight);
  state.data.lastVerdict = statusVerdict(verdict, revision.revision, new Date());

  if (verdict.healthy) {
    state.markStable(revision.revision);
    state.setCondition({ type: Type.Ready, status: True, reason: Reason.HealthChecksPassed, message: `revision ${revision.revision}: ${verdict.reason}` }, new Date());
    state.setCondition({ type: Type.Progressing, status: False, reason: Reason.RolloutComplete, message: `revision ${revision.revision} is rolled out and stable` }, new Date());
    clearRolledBack(state);
    await enter(state, 'Ready', Reason.HealthChecksPassed, `revision ${revision.revision} is healthy: ${verdict.reason}`);
    const pruned = await kube.pruneRevisions({ ref, keep: spec.revisionHistoryLimit, protect: [revision.revision, ...(state.data.stableRevision ? [state.data.stableRevision] : [])] });
    state.forgetRevisions(pruned);
    return;
  }

  state.markRevision(revision.revision, 'Failed');
  const readinessFailed = checks.some((c) => c.kind === 'readiness' && c.outcome === 'Fail');
  const reason = readinessFailed ? Reason.ReadinessDeadlineExceeded : Reason.HealthChecksFailed;
  state.setCondition({ type: Type.Ready, status: False, reason, message: `revision ${revision.revision}: ${verdict.reason}` }, new Date());
  state.setCondition({ type: Type.Progressing, status: False, reason, message: `revision ${revision.revision} did not become healthy` }, new Date());
  const stable = state.data.stableRevision;

  if (verdict.status === 'Unhealthy' && spec.rollback.automatic && stable !== undefined && stable !== revision.revision) {
    await rollBackTo(state, stable, { id: rollbackId(), reason: `revision ${revision.revision} is unhealthy: ${verdict.reason}`, trigger: 'Automatic' });
    return;
  }
  const why =
    verdict.status === 'Inconclusive'
      ? 'the verdict is inconclusive, so rollguard neither promotes nor rolls it back'
      : !spec.rollback.automatic
        ? 'automatic rollback is off'
        : `this is the first rollout of the Release: there is no stable revision to return to`;
  if (verdict.status === 'Unhealthy' && spec.rollback.automatic && stable === undefined) {
    state.setCondition({ type: Type.RolledBack, status: False, reason: Reason.NoStableRevision, message: `revision ${revision.revision} failed and ${why}; the Deployment keeps running it. Fix the spec to roll out again.` }, new Date());
  }
  await enter(state, 'Failed', reason, `revision ${revision.revision} failed (${verdict.reason}); ${why}`, { warning: true });
}

/** The readiness gate, then (when the pods are Ready) the analysis window with every other check. */
async function measure(state: ReleaseState, revision: Revision): Promise<CheckResult[]> {
  const spec = state.data.spec!;
  const ref = state.data.ref;
  const deadlineMs = parseDuration(spec.healthChecks.readiness.deadline);
  const result = await waits.awaitRollout({ ref, revision: revision.revision, deadline: Date.now() + deadlineMs });
  state.data.progress = result.progress;
  const weight = spec.healthChecks.readiness.weight;
  if (!result.complete) {
    // The Deployment's ready count includes the old pods still serving, so the wait's verdict decides.
    const reason = `not rolled out within the ${deadlineMs / 1000}s readiness deadline: ${result.reason}`;
    return [{ name: 'readiness', kind: 'readiness', outcome: 'Fail', value: result.progress.updated, weight, reason }];
  }
  const readiness = readinessResult({ ready: result.progress.ready, desired: result.progress.desired, deadlineExceeded: false, deadlineSeconds: deadlineMs / 1000, weight });
  if (spec.healthChecks.http.length === 0 && spec.healthChecks.prometheus.length === 0) return [readiness];

  state.setCondition({ type: Type.Progressing, status: True, reason: Reason.AnalysisRunning, message: `analysing revision ${revision.revision} for ${spec.analysis.window}` }, new Date());
  await writeStatus(state);
  const podIps = spec.healthChecks.http.some((c) => c.port !== undefined) ? await kube.readyPodIps({ ref, revision }) : [];
  const input = analysisInput(spec, { podIps, ...(await local.operatorDefaults()), readiness });
  return (await waits.runAnalysis(input)).checks;
}

const rollbackId = (): string => `rb-${uuid4().slice(0, 8)}`;

function clearRolledBack(state: ReleaseState): void {
  if (!state.data.conditions.some((c) => c.type === Type.RolledBack)) return;
  state.setCondition({ type: Type.RolledBack, status: False, reason: Reason.HealthChecksPassed, message: `revision ${state.data.currentRevision} is rolled out as the spec asks` }, new Date());
}

/** A rollback asked for by a person (Update, Signal, annotation). */
export async function rollBack(state: ReleaseState, request: RollbackRequest): Promise<RollbackOutcome | { refused: string }> {
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
  await kube.recordEvent({ ref: state.data.ref, event: { type: 'Warning', reason: 'RollbackRefused', message: `rollback refused: ${reason}`, action: 'Rollback' } });
}

/** Re-applies a kept revision and awaits it: the compensation of a failed rollout, or a requested rollback. */
async function rollBackTo(state: ReleaseState, to: number, { id, reason, trigger }: { id: string; reason: string; trigger: 'Automatic' | 'Update' | 'Signal' | 'Annotation' }): Promise<void> {
  const ref = state.data.ref;
  const from = state.data.currentRevision ?? to;
  state.data.lastRollback = { id, fromRevision: from, toRevision: to, reason: reason.slice(0, 1024), trigger, time: new Date().toISOString() };
  await enter(state, 'RollingBack', trigger === 'Automatic' ? Reason.AutomaticRollback : Reason.RollbackRequested, `rollback ${id}: revision ${from} → ${to} (${trigger}): ${reason}`, { warning: trigger === 'Automatic', action: 'Rollback' });

  const revision = await kube.readRevision({ ref, revision: to });
  await kube.applyRevision({ ref, revision });
  state.data.currentRevision = to;
  upsertSearchAttributes([{ key: releaseRevision, value: to }]);
  const deadline = Date.now() + parseDuration(state.data.spec?.healthChecks.readiness.deadline ?? '30s');
  const result = await waits.awaitRollout({ ref, revision: to, deadline });
  state.data.progress = result.progress;
  if (from !== to) state.markRevision(from, trigger === 'Automatic' ? 'Failed' : 'RolledBack');

  if (!result.complete) {
    state.setCondition({ type: Type.RolledBack, status: False, reason: Reason.RollbackFailed, message: `rollback ${id} to revision ${to} did not complete: ${result.reason}` }, new Date());
    await enter(state, 'Failed', Reason.RollbackFailed, `rollback ${id} to revision ${to} did not complete: ${result.reason}`, { warning: true, action: 'Rollback' });
    return;
  }
  if (trigger === 'Automatic') {
    const message =
      `rollback ${id} (Automatic): revision ${from} failed and revision ${to} runs again. The spec (generation ${state.data.generation}) ` +
      `still asks for revision ${from}; rollguard will not retry it until the spec changes: fix the spec, or roll forward on purpose with \`rollguard rollback --to-revision ${from}\`.`;
    state.setCondition({ type: Type.RolledBack, status: True, reason: Reason.AutomaticRollback, message }, new Date());
    await enter(state, 'Failed', Reason.AutomaticRollback, message, { warning: true, action: 'Rollback' });
    return;
  }
  state.markStable(to);
  const differs = state.data.desiredRevision !== undefined && state.data.desiredRevision !== to;
  const message =
    `rollback ${id} (${trigger}): revision ${to} runs, from revision ${from}.` +
    (differs ? ` The spec still asks for revision ${state.data.desiredRevision}; change the spec to roll forward.` : '');
  state.setCondition({ type: Type.RolledBack, status: True, reason: Reason.RollbackRequested, message }, new Date());
  state.setCondition({ type: Type.Ready, status: True, reason: Reason.RollbackRequested, message: `revision ${to} is rolled out` }, new Date());
  await enter(state, 'Ready', Reason.RollbackRequested, message, { action: 'Rollback' });
}
