import type { V1Deployment, V1DeploymentSpec } from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import type { DeploymentTemplate } from '../../domain/api/index.ts';
import { type KubeClients, labelSelector } from '../../kube/client.ts';
import type { DeploymentCache, DeploymentState } from '../../kube/deployment-cache.ts';
import { isConflict, isNotFound } from '../../kube/errors.ts';
import { patchContentType } from '../../kube/patch.ts';
import { canaryDeploymentName, deploymentName, releaseLabelValue } from '../../domain/release/names.ts';
import {
  fieldManager,
  type ReleaseRef,
  releaseLabel,
  revisionAnnotation,
  trackLabel,
} from '../../domain/release/ref.ts';
import type { Role } from '../../domain/release/traffic-split.ts';
import type { CheckResult } from '../../domain/health/types.ts';
import { watchedTime } from '../../domain/health/readiness.ts';
import type { RolloutProgress } from '../../domain/release/records.ts';
import { describeOwner, isEarlierRelease, isOwnedBy, ownerReference } from './owner.ts';
import { sleepUnlessCancelled, throttledHeartbeat } from '../waiting.ts';
import { classifyApiError, foreignObject, refusedOr } from './refusals.ts';
import type { Revision } from '../../domain/release/records.ts';
import { revisionTemplate } from '../../domain/release/replicas.ts';

export interface RolloutResult {
  complete: boolean;
  progress: RolloutProgress;
  /** Why the rollout is not complete: the Deployment's own words when it has some. */
  reason?: string;
  /** The wait failed and applied its fallback revision (an armed rollback). */
  fellBack?: boolean;
}

/**
 * What a wait applies on its own the moment the revision it watches fails, when readiness alone
 * decides that it is rolled back: the stable revision, so the rollback does not wait for the
 * workflow's next task (which, behind hundreds of others, took a minute; docs/benchmarks.md).
 */
export interface Fallback {
  revision: number;
  /**
   * The Release's generation the failed revision is the rollout of: a newer one (a spec sent while
   * the wait had not yet heard of its cancellation) is the user's word, and disarms it.
   */
  generation?: number | undefined;
  replicas?: number | undefined;
  adopt?: boolean | undefined;
}

/**
 * The owned Deployment for a revision, as rollguard server-side-applies it: the template exactly as
 * written, with a replica count only when one is given (when the Deployment is created, or in a dry
 * run). Otherwise the count is applied on its own (`holdReplicas`, `scaleTo`), so that an HPA can own it.
 */
export function deploymentFor(
  ref: ReleaseRef,
  revision: Pick<Revision, 'revision' | 'template'>,
  replicas?: number,
): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: deploymentName(ref.name),
      namespace: ref.namespace,
      labels: { [releaseLabel]: releaseLabelValue(ref.name) },
      annotations: { [revisionAnnotation]: String(revision.revision) },
      ownerReferences: [ownerReference(ref)],
    },
    spec: {
      ...revisionTemplate(revision.template),
      ...(replicas !== undefined ? { replicas } : {}),
    } as V1DeploymentSpec,
  };
}

/**
 * The field manager that alone applies the Deployment's replica count. Kept apart from rollguard's
 * own, so that the template can be applied without the count and the count stays where it is.
 */
export const replicasManager = 'rollguard-replicas';

/** The count a Deployment had when rollguard took hold of it, and whether an HPA scales it. */
interface HeldReplicas {
  current: number | undefined;
  /** Asked of the API server only when the answer matters (the count is to change, or is not ours). */
  autoscaled(): Promise<boolean>;
}

/** Whether rollguard's replicas manager owns the Deployment's count. */
const ownsCount = (deployment: DeploymentState): boolean =>
  (deployment.metadata?.managedFields ?? []).some(
    (entry) =>
      entry.manager === replicasManager &&
      (entry.fieldsV1 as { 'f:spec'?: Record<string, unknown> } | undefined)?.['f:spec']?.['f:replicas'] !== undefined,
  );

const replicasWhat = (ref: ReleaseRef): string =>
  `set the replicas of Deployment ${ref.namespace}/${deploymentName(ref.name)}`;

interface ScaleTarget {
  spec?: { scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string } };
}

/** The Deployment that runs one side of a canary: the Release's own (stable) or its canary, at `replicas` pods. */
export function trackDeploymentFor(
  ref: ReleaseRef,
  role: Role,
  revision: Pick<Revision, 'revision' | 'template'>,
  replicas: number,
): V1Deployment {
  const deployment = deploymentFor(ref, revision, replicas);
  if (role === 'stable') return deployment;
  const spec = deployment.spec!;
  // The canary's pods carry every label of the Release's selector, so the Services that select the
  // stable pods select them too (traffic follows the pods), plus the track label, which keeps the two
  // Deployments' selectors from claiming each other's ReplicaSets.
  const track = { [trackLabel]: 'canary' };
  return {
    ...deployment,
    metadata: {
      ...deployment.metadata,
      name: canaryDeploymentName(ref.name),
      labels: { ...deployment.metadata?.labels, ...track },
    },
    spec: {
      ...spec,
      selector: { ...spec.selector, matchLabels: { ...spec.selector.matchLabels, ...track } },
      template: {
        ...spec.template,
        metadata: { ...spec.template.metadata, labels: { ...spec.template.metadata?.labels, ...track } },
      },
    },
  };
}

/** The name of the Deployment that runs a role. */
const nameOf = (ref: ReleaseRef, role: Role = 'stable'): string =>
  role === 'canary' ? canaryDeploymentName(ref.name) : deploymentName(ref.name);

/** How far a Deployment has rolled out the revision it was given. */
export function rolloutState(deployment: DeploymentState, revision: number): RolloutResult {
  const spec = deployment.spec;
  const s = deployment.status ?? {};
  const desired = spec?.replicas ?? 1;
  const progress = {
    desired,
    updated: s.updatedReplicas ?? 0,
    ready: s.readyReplicas ?? 0,
    available: s.availableReplicas ?? 0,
  };
  const onRevision = deployment.metadata?.annotations?.[revisionAnnotation] === String(revision);
  const observed = (s.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 1);
  const complete =
    onRevision &&
    observed &&
    progress.updated === desired &&
    progress.available === desired &&
    progress.ready === desired &&
    (s.replicas ?? 0) === desired;
  const stalled = s.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
  const reason = complete
    ? undefined
    : (stalled?.message ??
      `${progress.updated}/${desired} pods updated to revision ${revision}; ${progress.ready} Ready counting the old pods still serving`);
  return { complete, progress, ...(reason ? { reason } : {}) };
}

export interface ApplyOptions {
  /** spec.adopt: take over a Deployment of the Release's name that no controller owns. */
  adopt?: boolean | undefined;
}

export interface DeploymentActivityOptions {
  /** How often a rollout looks at its Deployment when nothing wakes it sooner. */
  pollMs?: number;
  /** The worker's shared watch of rollguard's Deployments; without one, every look is a GET. */
  deployments?: DeploymentCache | undefined;
  /**
   * With the watch, a look is still a GET this often while the watch is silent. A watch that delivers
   * events is alive, and so is a quiet one: the client ends a watch that delivered nothing for 30 s
   * and watches again from where it was, which counts as hearing from it. So by default only a watch
   * that has not come back is confirmed; a wait about to fail confirms its copy anyway (`look(true)`).
   */
  confirmEveryMs?: number;
  /** Reads a kept revision, for an armed rollback; without it, waits never fall back themselves. */
  readRevision?: (input: { ref: ReleaseRef; revision: number }) => Promise<Revision>;
}

export function createDeploymentActivities(
  kube: KubeClients,
  { pollMs = 500, deployments, confirmEveryMs = 45_000, readRevision }: DeploymentActivityOptions = {},
) {
  const read = (ref: ReleaseRef, role: Role = 'stable'): Promise<V1Deployment> =>
    kube.apps.readNamespacedDeployment({ name: nameOf(ref, role), namespace: ref.namespace });

  /**
   * One rollout's view of its Deployment. `look` answers from the shared watch while it is current,
   * and from the API server when it is not, when the watch has not seen the Deployment (it may be
   * just created), when the watch has been silent for `confirmEveryMs` and so has this view, or when
   * asked for a `fresh` copy; null when the Deployment does not exist. `fromWatch` says where the last
   * look's answer came from. `wait` sleeps until the Deployment changes or `ms` passes.
   * A thousand rollouts in flight at once GET nothing while the watch streams their changes.
   */
  function view(ref: ReleaseRef, role: Role = 'stable') {
    const name = nameOf(ref, role);
    let readAt = Date.now();
    let fromWatch = false;
    return {
      get fromWatch(): boolean {
        return fromWatch;
      },
      async look(fresh = false): Promise<DeploymentState | null> {
        const trusted =
          !fresh && (Date.now() - readAt < confirmEveryMs || deployments?.heardWithin(ref.namespace, confirmEveryMs));
        const cached = trusted ? deployments?.get(ref.namespace, name) : undefined;
        fromWatch = cached !== undefined && cached !== null;
        if (cached) return cached;
        readAt = Date.now();
        try {
          return await read(ref, role);
        } catch (err) {
          if (isNotFound(err)) return null;
          throw classifyApiError(err, `read Deployment ${ref.namespace}/${name}`);
        }
      },
      async wait(ms: number): Promise<void> {
        const sleep = sleepUnlessCancelled(ms, Context.current().cancellationSignal);
        await (deployments ? Promise.race([sleep, deployments.changed(ref.namespace, name, ms)]) : sleep);
      },
    };
  }

  /**
   * Refuses when a Deployment of the Release's name exists and is not this Release's: one controlled
   * by anything else always, one with no controller unless the Release asks to adopt it. One still
   * owned by an earlier Release of the same name is on its way out (garbage collection): retried.
   * Returns the Deployment it judged (the watch's copy or the API server's), null when there is none.
   */
  async function checkOwnership(
    ref: ReleaseRef,
    { adopt = false }: ApplyOptions,
    role: Role = 'stable',
  ): Promise<DeploymentState | null> {
    const name = nameOf(ref, role);
    // The watch sees only Deployments that carry rollguard's label: one it holds as this Release's is
    // answer enough; anything else (not there, someone else's, the watch down) is asked of the API server.
    const cached = deployments?.get(ref.namespace, name);
    if (cached && isOwnedBy(cached, ref)) return cached;
    let existing: V1Deployment;
    try {
      existing = await read(ref, role);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw classifyApiError(err, `read Deployment ${ref.namespace}/${name}`);
    }
    if (isOwnedBy(existing, ref)) return existing;
    if (isEarlierRelease(existing, ref)) {
      throw new Error(
        `Deployment ${ref.namespace}/${name} still belongs to an earlier Release of this name; waiting for the garbage collector to delete it`,
      );
    }
    const controlled = existing.metadata?.ownerReferences?.some((owner) => owner.controller);
    if (adopt && !controlled && role === 'stable') return existing;
    throw foreignObject(
      `Deployment ${ref.namespace}/${name} already exists and is not this Release's (${describeOwner(existing)}); ` +
        (controlled
          ? 'rollguard never takes an object another controller owns: rename the Release or remove the other owner'
          : 'rollguard does not adopt it unless asked: set spec.adopt: true to take it over, or rename the Release'),
    );
  }

  /** Server-side applies the template as written, unknown fields included, so the API server judges it all. */
  async function apply(
    ref: ReleaseRef,
    revision: Pick<Revision, 'revision' | 'template'>,
    dryRun: boolean,
    body: V1Deployment = deploymentFor(ref, revision),
  ): Promise<void> {
    await kube.custom.patchNamespacedCustomObject(
      {
        group: 'apps',
        version: 'v1',
        plural: 'deployments',
        namespace: ref.namespace,
        name: body.metadata!.name!,
        body,
        fieldManager,
        fieldValidation: 'Strict',
        force: true,
        ...(dryRun ? { dryRun: 'All' } : {}),
      },
      patchContentType.apply,
    );
  }

  /** Whether a HorizontalPodAutoscaler scales the Release's Deployment: then the replica count is the HPA's. */
  async function autoscaled(ref: ReleaseRef): Promise<boolean> {
    const list = (await refusedOr(`list the HorizontalPodAutoscalers of ${ref.namespace}`, () =>
      kube.custom.listNamespacedCustomObject({
        group: 'autoscaling',
        version: 'v2',
        namespace: ref.namespace,
        plural: 'horizontalpodautoscalers',
      }),
    )) as { items?: ScaleTarget[] };
    return (list.items ?? []).some(({ spec }) => {
      const target = spec?.scaleTargetRef;
      return (
        target?.kind === 'Deployment' &&
        target.name === deploymentName(ref.name) &&
        target.apiVersion?.startsWith('apps/')
      );
    });
  }

  async function applyReplicas(ref: ReleaseRef, replicas: number, force: boolean): Promise<void> {
    const name = deploymentName(ref.name);
    await kube.custom.patchNamespacedCustomObject(
      {
        group: 'apps',
        version: 'v1',
        plural: 'deployments',
        namespace: ref.namespace,
        name,
        body: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name, namespace: ref.namespace },
          spec: { replicas },
        },
        fieldManager: replicasManager,
        force,
      },
      patchContentType.apply,
    );
  }

  /**
   * Before rollguard applies a template, which never carries the replica count: takes the count the
   * Deployment has now under rollguard's replicas manager, so that the template's apply cannot reset
   * it to the default of 1 when rollguard's own manager was its only owner (a Deployment created, or
   * applied by an earlier rollguard, with the count). The count is applied as it is, without force; if it
   * moved meanwhile, an HPA's count wins and anyone else's is overwritten. Undefined when the Deployment
   * does not exist yet.
   * `live` is the Deployment the ownership check just judged, null when there is none: the watch's
   * copy of one it holds as the Release's own is recent enough, as the count is only held here and
   * set (or left to an HPA) after the template's apply; so a Release's create reads its missing
   * Deployment once, not twice.
   */
  async function holdReplicas(ref: ReleaseRef, live: DeploymentState | null): Promise<HeldReplicas | undefined> {
    if (live === null) return undefined;
    let listed: Promise<boolean> | undefined;
    const held: HeldReplicas = { current: live.spec?.replicas, autoscaled: () => (listed ??= autoscaled(ref)) };
    const current = held.current;
    if (current !== undefined && !ownsCount(live)) {
      // The count as it is shares its ownership with whoever set it, without force and without a
      // conflict; only when it moved meanwhile does an HPA decide: its count wins, anyone else's does not.
      try {
        await applyReplicas(ref, current, false);
      } catch (err) {
        if (!isConflict(err)) throw classifyApiError(err, replicasWhat(ref), { notFoundIsFinal: true });
        if (!(await held.autoscaled())) await forceReplicas(ref, current);
      }
    }
    return held;
  }

  /** The count applied with force under the replicas manager; what the API server refuses is final. */
  async function forceReplicas(ref: ReleaseRef, replicas: number): Promise<void> {
    await applyReplicas(ref, replicas, true).catch((err: unknown) => {
      throw classifyApiError(err, replicasWhat(ref), { notFoundIsFinal: true });
    });
  }

  /** Then sets the Release's count, after the template, so new pods start at it; under an HPA the count stays the HPA's. */
  async function scaleTo(ref: ReleaseRef, held: HeldReplicas, replicas: number): Promise<void> {
    if (held.current === replicas || (await held.autoscaled())) return;
    await forceReplicas(ref, replicas);
  }

  /**
   * Applies the revision to the Release's Deployment (idempotent); what the API server refuses is
   * final. The replica count is the Release's (`replicas`), never the revision's; a revision recorded
   * before replicas were left out of revisions, applied by a workflow of that time, still has one.
   * With `resourceVersion`, the apply lands only on the Deployment as it was at that version (a 409
   * otherwise).
   */
  async function applyRevision({
    ref,
    revision,
    adopt,
    replicas,
    resourceVersion,
  }: {
    ref: ReleaseRef;
    revision: Revision;
    replicas?: number | undefined;
    resourceVersion?: string | undefined;
  } & ApplyOptions): Promise<void> {
    const judged = await checkOwnership(ref, { adopt });
    const count = replicas ?? (revision.template as { replicas?: number }).replicas;
    // Held even without a count to set (a call from before counts were passed): the count stays as it is.
    const held = await holdReplicas(ref, judged);
    const body = deploymentFor(ref, revision, held ? undefined : count);
    if (resourceVersion !== undefined) body.metadata!.resourceVersion = resourceVersion;
    try {
      // A Deployment not there yet is created with the count.
      await apply(ref, revision, false, body);
    } catch (err) {
      throw classifyApiError(
        err,
        `apply Deployment ${ref.namespace}/${deploymentName(ref.name)} (revision ${revision.revision})`,
        { notFoundIsFinal: true },
      );
    }
    if (held && count !== undefined) await scaleTo(ref, held, count);
  }

  /**
   * An armed rollback: applies the fallback revision when the Release is still at the generation
   * that failed (not deleted, no newer spec) and its Deployment still runs the revision that failed,
   * and only on that very version of it, so a wait that learns late of its cancellation never undoes
   * a newer spec or a rollback someone asked for. `seen` is the wait's last look at the
   * Deployment (the watch's copy, usually current: a 409 reads it afresh). Whether it applied;
   * anything in the way (a pruned revision, an API error) leaves it to the workflow's own rollback,
   * which reports it.
   */
  async function fallBack(
    ref: ReleaseRef,
    failed: number,
    fallback: Fallback,
    seen: DeploymentState | null,
  ): Promise<boolean> {
    if (!readRevision) return false;
    const name = deploymentName(ref.name);
    try {
      const [revision, release] = await Promise.all([
        readRevision({ ref, revision: fallback.revision }),
        kube.releases.get(ref).catch((err: unknown) => {
          if (isNotFound(err)) return undefined;
          throw err;
        }),
      ]);
      const meta = release?.metadata;
      if (
        meta?.uid !== ref.uid ||
        meta.deletionTimestamp !== undefined ||
        (fallback.generation !== undefined && meta.generation !== fallback.generation)
      )
        return false;
      let live = seen;
      for (let attempt = 0; attempt < 5; attempt++) {
        if (attempt > 0)
          live = await read(ref).catch((err: unknown) => {
            if (isNotFound(err)) return null;
            throw err;
          });
        if (!live || !isOwnedBy(live, ref) || live.metadata?.annotations?.[revisionAnnotation] !== String(failed))
          return false;
        try {
          await applyRevision({
            ref,
            revision,
            adopt: fallback.adopt,
            replicas: fallback.replicas,
            resourceVersion: live.metadata?.resourceVersion,
          });
          return true;
        } catch (err) {
          // The Deployment changed since it was read (often only its status): read it again.
          if (!isConflict(err)) throw err;
        }
      }
      return false;
    } catch (err) {
      Context.current().log.warn('armed rollback not applied; the workflow rolls back itself', {
        deployment: `${ref.namespace}/${name}`,
        error: err instanceof Error ? err.message : String(err),
      });
      return false;
    }
  }

  /** Scales the Release's Deployment to a new count without a rollout (or leaves it to its HPA). */
  async function scaleDeployment({
    ref,
    replicas,
    adopt,
  }: { ref: ReleaseRef; replicas: number } & ApplyOptions): Promise<void> {
    const held = await holdReplicas(ref, await checkOwnership(ref, { adopt }));
    if (held) await scaleTo(ref, held, replicas);
  }

  /**
   * Runs `replicas` pods of a revision on one side of a canary: the Release's own Deployment (stable)
   * or its canary Deployment, created when missing. Idempotent; what the API server refuses is final.
   */
  async function scaleTrack({
    ref,
    role,
    revision,
    replicas,
    adopt,
  }: { ref: ReleaseRef; role: Role; revision: Revision; replicas: number } & ApplyOptions): Promise<void> {
    await checkOwnership(ref, { adopt }, role);
    const body = trackDeploymentFor(ref, role, revision, replicas);
    try {
      await apply(ref, revision, false, body);
    } catch (err) {
      throw classifyApiError(
        err,
        `scale Deployment ${ref.namespace}/${body.metadata!.name} to ${replicas} pods of revision ${revision.revision}`,
        { notFoundIsFinal: true },
      );
    }
  }

  /**
   * What the API server would say to the Deployment of a new spec, before anything is written: a
   * server-side dry run of the apply (with strict field validation), and the ownership check. Returns
   * the problems, each a sentence naming the field; errors retrying may fix are thrown.
   */
  async function dryRunTemplate({
    ref,
    template,
    adopt,
  }: { ref: ReleaseRef; template: DeploymentTemplate } & ApplyOptions): Promise<string[]> {
    try {
      await checkOwnership(ref, { adopt });
      await apply(
        ref,
        { revision: 0, template },
        true,
        deploymentFor(ref, { revision: 0, template }, template.replicas),
      );
      return [];
    } catch (err) {
      const refused = classifyApiError(err, 'the Deployment of this spec', { notFoundIsFinal: true });
      if (refused === err && !isFinal(err)) throw err;
      return [(refused as Error).message];
    }
  }

  /**
   * Watches the Deployment until the revision is fully rolled out and available, or the readiness
   * deadline passes. The deadline counts only time rollguard spent watching with the API server
   * answering: an activity waiting in the task queue, a worker too busy to poll (at most two poll
   * intervals count between two looks) or an API outage (the attempt fails and the next carries on)
   * is rollguard's delay, never the revision's. The time watched travels in the heartbeat, so a retry
   * after a worker crash carries on where the last attempt stopped. `deadline` (epoch ms) is what
   * workflows started before this change still send. With `fallback`, the revision it names is
   * applied the moment the deadline passes (`fellBack` says it was).
   */
  async function awaitRollout({
    ref,
    revision,
    deadlineMs,
    deadline,
    role,
    fallback,
  }: {
    ref: ReleaseRef;
    revision: number;
    deadlineMs?: number;
    deadline?: number;
    /** Which Deployment of a canary; the Release's own when absent. */
    role?: Role;
    fallback?: Fallback;
  }): Promise<RolloutResult> {
    const ctx = Context.current();
    const beat = throttledHeartbeat((details) => ctx.heartbeat(details));
    const deployment = view(ref, role);
    let watchedMs = (ctx.info.heartbeatDetails as { watchedMs?: number } | undefined)?.watchedMs ?? 0;
    let lastLook: number | undefined;
    const stateOf = (seen: DeploymentState | null): RolloutResult =>
      seen
        ? rolloutState(seen, revision)
        : {
            complete: false,
            progress: { desired: 0, updated: 0, ready: 0, available: 0 },
            reason: 'the Deployment does not exist',
          };
    for (;;) {
      let seen = await deployment.look();
      let state = stateOf(seen);
      const now = Date.now();
      watchedMs = watchedTime({ watchedMs, lastLook, now, pollMs });
      lastLook = now;
      const remainingMs = deadline !== undefined ? deadline - now : (deadlineMs ?? 0) - watchedMs;
      if (!state.complete && remainingMs <= 0 && deployment.fromWatch) {
        // About to fail on the watch's copy: the API server's has the last word.
        seen = await deployment.look(true);
        state = stateOf(seen);
      }
      // The last heartbeat records a deadline reached, for a retry; a complete rollout's result says it all.
      beat({ ...state.progress, watchedMs }, { key: state.progress, last: !state.complete && remainingMs <= 0 });
      if (state.complete) return state;
      if (remainingMs <= 0)
        return fallback && (await fallBack(ref, revision, fallback, seen)) ? { ...state, fellBack: true } : state;
      await deployment.wait(Math.min(pollMs, remainingMs));
    }
  }

  /**
   * Waits until a Deployment has no pods left (or is gone), for at most `deadlineMs`; whether it got
   * there. What a taken-off canary's Service waits for before it may select every pod again.
   */
  async function awaitNoPods({
    ref,
    role,
    deadlineMs,
  }: {
    ref: ReleaseRef;
    role: Role;
    deadlineMs: number;
  }): Promise<boolean> {
    const ctx = Context.current();
    const beat = throttledHeartbeat((details) => ctx.heartbeat(details));
    const deployment = view(ref, role);
    const until = Date.now() + deadlineMs;
    for (;;) {
      const seen = await deployment.look();
      const none = seen === null || ((seen.status?.replicas ?? 0) === 0 && (seen.spec?.replicas ?? 1) === 0);
      beat();
      if (none) return true;
      if (Date.now() >= until) return false;
      await deployment.wait(Math.min(pollMs, until - Date.now()));
    }
  }

  /** Restarts of the containers of the revision's pods, summed. */
  async function restartsOf(ref: ReleaseRef, matchLabels: Record<string, string>): Promise<number> {
    const pods = await refusedOr(`list the pods of ${ref.namespace}/${ref.name}`, () =>
      kube.core.listNamespacedPod({
        namespace: ref.namespace,
        labelSelector: labelSelector(matchLabels),
      }),
    );
    return pods.items
      .filter((pod) => !pod.metadata?.deletionTimestamp)
      .flatMap((pod) => pod.status?.containerStatuses ?? [])
      .reduce((sum, c) => sum + (c.restartCount ?? 0), 0);
  }

  /**
   * Keeps watching a rolled-out revision for the analysis window: pods that crash a minute after
   * becoming Ready are the most common bad release. Fails as soon as the Deployment has been short of
   * Ready pods for longer than `toleranceMs`, or a container of the revision restarted (its pods are
   * listed every five poll intervals); passes at `until` (epoch ms) otherwise. With `fallback`, the
   * revision it names is applied the moment it fails (`fellBack` says it was).
   */
  async function watchReadiness({
    ref,
    revision,
    matchLabels,
    until,
    toleranceMs,
    weight,
    role,
    fallback,
  }: {
    ref: ReleaseRef;
    revision: number;
    matchLabels: Record<string, string>;
    until: number;
    toleranceMs: number;
    weight: number;
    /** Which Deployment of a canary; the Release's own when absent. */
    role?: Role;
    fallback?: Fallback;
  }): Promise<CheckResult & { fellBack?: boolean }> {
    const failed = async (
      result: CheckResult,
      seen: DeploymentState | null,
    ): Promise<CheckResult & { fellBack?: boolean }> =>
      fallback && (await fallBack(ref, revision, fallback, seen)) ? { ...result, fellBack: true } : result;
    const ctx = Context.current();
    const beat = throttledHeartbeat((details) => ctx.heartbeat(details));
    const base = { name: 'readiness', kind: 'Readiness', weight } as const;
    const deployment = view(ref, role);
    const restartsAtStart = await restartsOf(ref, matchLabels);
    let podsListedAt = Date.now();
    let shortSince: number | undefined;
    const deleted = {
      ...base,
      outcome: 'Fail',
      value: 0,
      reason: 'the Deployment was deleted during the analysis window',
    } as const;
    for (;;) {
      const now = Date.now();
      let seen = await deployment.look();
      if (!seen) return deleted;
      let state = rolloutState(seen, revision);
      shortSince = state.complete ? undefined : (shortSince ?? now);
      if (shortSince !== undefined && now - shortSince >= toleranceMs && deployment.fromWatch) {
        // About to fail on the watch's copy: the API server's has the last word.
        seen = await deployment.look(true);
        if (!seen) return deleted;
        state = rolloutState(seen, revision);
        if (state.complete) shortSince = undefined;
      }
      const { ready, desired } = state.progress;
      beat(state.progress);
      if (shortSince !== undefined && now - shortSince >= toleranceMs) {
        return failed(
          {
            ...base,
            outcome: 'Fail',
            value: ready,
            reason:
              `${ready}/${desired} pods Ready for ${Math.round((now - shortSince) / 1000)}s during the analysis window: ${state.reason ?? ''}`.trim(),
          },
          seen,
        );
      }
      if (now - podsListedAt >= 5 * pollMs || now >= until) {
        podsListedAt = now;
        const restarts = (await restartsOf(ref, matchLabels)) - restartsAtStart;
        if (restarts > 0)
          return failed(
            {
              ...base,
              outcome: 'Fail',
              value: ready,
              reason: `containers of revision ${revision} restarted ${restarts} time(s) during the analysis window`,
            },
            seen,
          );
      }
      if (now >= until)
        return {
          ...base,
          outcome: 'Pass',
          value: ready,
          reason: `${ready}/${desired} pods Ready throughout the analysis window`,
        };
      await deployment.wait(Math.min(pollMs, Math.max(0, until - now)));
    }
  }

  return { applyRevision, scaleDeployment, scaleTrack, dryRunTemplate, awaitRollout, awaitNoPods, watchReadiness };
}

const isFinal = (err: unknown): boolean => (err as { nonRetryable?: boolean }).nonRetryable === true;
