import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { V1Job, V1JobSpec } from '@kubernetes/client-node';
import { parseDuration, releaseResource, type Hook, type HookStage } from '../../domain/api/index.ts';
import { headerSources } from '../../domain/release/header-sources.ts';
import { redactValues } from '../../domain/health/check-headers.ts';
import {
  HookFailure,
  hookJobName,
  hookKeyAnnotation,
  hookLabel,
  type HookContext,
} from '../../domain/release/hooks.ts';
import { releaseLabel, type ReleaseRef } from '../../domain/release/ref.ts';
import type { KubeClients } from '../../kube/client.ts';
import { isConflict } from '../../kube/errors.ts';
import { createHeaderResolver, type ReadSecret } from '../checks/secret-headers.ts';
import type { EgressGuard } from '../checks/egress.ts';
import { classifyApiError, foreignObject } from '../cluster/refusals.ts';
import { sleepUnlessCancelled, throttledHeartbeat } from '../waiting.ts';
import { OutboundFailure, sendOutbound } from '../outbound/request.ts';

export interface HookRunInput {
  ref: ReleaseRef;
  stage: HookStage;
  hook: Hook;
  /** The same for every attempt of this run of the hook: its Idempotency-Key, and its Job's name. */
  key: string;
  context: HookContext;
}

export interface HookDeps {
  kube: KubeClients;
  readSecret: ReadSecret;
  /** Hooks are written by a Release's author: held to the checks' egress policy. */
  egress: EgressGuard;
  /** How often a Job hook's Job is read while it runs (default 1 s). */
  jobPollMs?: number;
}

const permanent = (type: string, message: string): ApplicationFailure =>
  ApplicationFailure.create({ type, message, nonRetryable: true });

export function createHookActivities({ kube, readSecret, egress, jobPollMs = 1000 }: HookDeps) {
  /**
   * One attempt of an HTTP hook. The body says which Release, stage and revision it is about; the
   * Idempotency-Key header is the same on every attempt. Throws on a status it does not expect.
   */
  async function runHttpHook({ ref, stage, hook, key, context }: HookRunInput): Promise<{ status: number }> {
    const call = hook.http;
    if (!call) throw permanent(HookFailure.HookMisconfigured, `hook ${hook.name} has no http call`);
    const headers = await createHeaderResolver(readSecret).resolve(
      headerSources(call.headers, ref.namespace).headers ?? [],
    );
    if (!headers.ok) {
      const message = `hook ${hook.name}: ${headers.problem}`;
      if (headers.transient) throw new Error(message);
      throw permanent(HookFailure.HookMisconfigured, message);
    }
    const body =
      call.method === 'GET'
        ? undefined
        : JSON.stringify({ release: ref, stage, hook: hook.name, idempotencyKey: key, ...context });
    let status: number;
    try {
      status = await sendOutbound({
        url: call.url,
        method: call.method,
        headers: {
          ...headers.headers,
          'idempotency-key': key,
          'x-rollguard-hook': `${stage}/${hook.name}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body } : {}),
        timeoutMs: parseDuration(call.timeout),
        egress,
      });
    } catch (err) {
      const message = redactValues(`hook ${hook.name}: ${(err as Error).message}`, headers.secretValues);
      if (err instanceof OutboundFailure && err.permanent) throw permanent(HookFailure.HookMisconfigured, message);
      throw ApplicationFailure.create({ type: HookFailure.HookFailed, message });
    }
    const expected = call.expectedStatus ?? [];
    const ok = expected.length > 0 ? expected.includes(status) : status >= 200 && status < 300;
    if (ok) return { status };
    const wanted = expected.length > 0 ? expected.join(', ') : '2xx';
    throw ApplicationFailure.create({
      type: HookFailure.HookFailed,
      message: `hook ${hook.name}: answered ${status}, expected ${wanted}`,
    });
  }

  /** Creates the hook's Job, or finds the one an earlier attempt created (its name is the run's own). */
  async function ensureJob(input: HookRunInput, name: string): Promise<V1Job> {
    const { ref, hook, key, stage } = input;
    const template = (hook.job?.template ?? {}) as { template?: { spec?: object } };
    const podSpec = template.template?.spec;
    const body: V1Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: ref.namespace,
        labels: { [releaseLabel]: ref.name, [hookLabel]: `${stage}.${hook.name}` },
        annotations: { [hookKeyAnnotation]: key },
        ownerReferences: [
          { apiVersion: releaseResource.apiVersion, kind: releaseResource.kind, name: ref.name, uid: ref.uid },
        ],
      },
      // A Job's pods must not restart for ever: Never unless the template says OnFailure.
      spec: {
        ...template,
        template: { ...template.template, spec: { restartPolicy: 'Never', ...podSpec } },
      } as V1JobSpec,
    };
    try {
      return await kube.batch.createNamespacedJob({ namespace: ref.namespace, body });
    } catch (err) {
      if (!isConflict(err)) throw classifyApiError(err, `creating Job ${name} of hook ${hook.name}`);
    }
    const existing = await kube.batch.readNamespacedJob({ namespace: ref.namespace, name });
    if (existing.metadata?.annotations?.[hookKeyAnnotation] !== key)
      throw foreignObject(`Job ${ref.namespace}/${name} exists and is not this run of hook ${hook.name}`);
    return existing;
  }

  /**
   * A Job hook, run to completion: the Job is created once under a name derived from the run (a
   * retry after a crash finds it and waits for it rather than starting it again), then read until
   * it completes, fails, or its timeout (counted from the Job's creation) passes. Heartbeats.
   */
  async function runJobHook(input: HookRunInput): Promise<{ job: string }> {
    const { ref, hook } = input;
    if (!hook.job) throw permanent(HookFailure.HookMisconfigured, `hook ${hook.name} has no job`);
    const name = hookJobName(ref, input.stage, hook.name, input.key);
    const created = await ensureJob(input, name);
    const start = created.metadata?.creationTimestamp
      ? new Date(created.metadata.creationTimestamp).getTime()
      : Date.now();
    const deadline = start + parseDuration(hook.job.timeout);
    const ctx = Context.current();
    const beat = throttledHeartbeat((details) => ctx.heartbeat(details));
    for (;;) {
      const job = await kube.batch.readNamespacedJob({ namespace: ref.namespace, name }).catch((err: unknown) => {
        throw classifyApiError(err, `reading Job ${name}`, { notFoundIsFinal: true });
      });
      const conditions = job.status?.conditions ?? [];
      const holds = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');
      if (holds('Complete')) return { job: name };
      const failed = holds('Failed');
      if (failed)
        throw permanent(
          HookFailure.HookFailed,
          `hook ${hook.name}: Job ${name} failed: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim(),
        );
      if (Date.now() > deadline)
        throw permanent(
          HookFailure.HookTimedOut,
          `hook ${hook.name}: Job ${name} did not complete within ${hook.job.timeout}`,
        );
      beat({ job: name });
      await sleepUnlessCancelled(jobPollMs, ctx.cancellationSignal);
    }
  }

  return { runHttpHook, runJobHook };
}
