import { ConditionReason, ConditionType, parseDuration } from '../../src/domain/api/index.ts';
import { apiRefusal } from '../../src/kube/errors.ts';
import { deploymentName, releaseLabelValue } from '../../src/domain/release/names.ts';
import { releaseLabel } from '../../src/domain/release/ref.ts';
import type { CaseEnv, Expected, HostileCase } from './hostile-cases.ts';
import type { StoredRelease } from './controller.ts';

/** How one hostile Release ended, as a user would find it with kubectl. */
export type Outcome =
  | { class: 'refused'; code: number; message: string }
  | { class: 'invalid' | 'failed'; reason: string; message: string; sideEffects: string[] }
  | { class: 'ready' }
  /** Valid, rolled out, its analysis window (say, the default 5m) outlasting the test: Progressing=True AnalysisRunning. */
  | { class: 'analysing'; message: string }
  | { class: 'stuck'; status: unknown };

/** Reasons of a Progressing=False condition by which rollguard refuses to roll a spec out. */
const refusalReasons: string[] = [
  ConditionReason.SpecInvalid,
  ConditionReason.SelectorOverlap,
  ConditionReason.ApplyRefused,
  ConditionReason.ForeignObject,
  ConditionReason.Forbidden,
  ConditionReason.RevisionMissing,
];

type Condition = { type: string; status: string; reason: string; message: string };
const conditionOf = (release: StoredRelease, type: string): Condition | undefined =>
  (release.status?.conditions as Condition[] | undefined)?.find((c) => c.type === type);

/** Where a Release stands: undefined while rollguard is still at work on it. */
function settled(release: StoredRelease): Exclude<Outcome, { class: 'refused' | 'stuck' }> | undefined {
  const invalid = conditionOf(release, ConditionType.InvalidSpec);
  const progressing = conditionOf(release, ConditionType.Progressing);
  const phase = release.status?.phase as string | undefined;
  if (invalid?.status === 'True')
    return { class: 'invalid', reason: invalid.reason, message: invalid.message, sideEffects: [] };
  if (phase === 'Failed' && progressing?.status === 'False' && refusalReasons.includes(progressing.reason)) {
    return { class: 'invalid', reason: progressing.reason, message: progressing.message, sideEffects: [] };
  }
  if (phase === 'Failed') {
    const ready = conditionOf(release, ConditionType.Ready);
    const checks = (release.status?.lastVerdict?.checks ?? []) as { name: string; reason?: string }[];
    const why = [ready?.message, ...checks.map((c) => `${c.name}: ${c.reason ?? ''}`)].filter(Boolean).join('; ');
    return { class: 'failed', reason: ready?.reason ?? '', message: why, sideEffects: [] };
  }
  if (
    progressing?.status === 'True' &&
    progressing.reason === ConditionReason.AnalysisRunning &&
    parseDuration(release.spec.analysis.window) > 60_000
  ) {
    return { class: 'analysing', message: progressing.message };
  }
  const ready = conditionOf(release, ConditionType.Ready);
  if (
    phase === 'Ready' &&
    ready?.status === 'True' &&
    release.status?.observedGeneration === release.metadata.generation
  )
    return { class: 'ready' };
  return undefined;
}

/** What a Release rollguard refused left behind that is its own: a Deployment, ControllerRevisions. */
async function sideEffects(env: CaseEnv, release: StoredRelease): Promise<string[]> {
  const uid = release.metadata.uid as string;
  const name = release.metadata.name as string;
  const owned = (o: { metadata?: { ownerReferences?: { uid: string }[] } }) =>
    (o.metadata?.ownerReferences ?? []).some((r) => r.uid === uid);
  const found: string[] = [];
  const deployment = await env.clients.apps
    .readNamespacedDeployment({ name: deploymentName(name), namespace: env.namespace })
    .catch(() => undefined);
  if (deployment && owned(deployment)) found.push(`Deployment ${deployment.metadata?.name}`);
  const revisions = await env.clients.apps.listNamespacedControllerRevision({
    namespace: env.namespace,
    labelSelector: `${releaseLabel}=${releaseLabelValue(name)}`,
  });
  for (const r of revisions.items.filter(owned)) found.push(`ControllerRevision ${r.metadata?.name}`);
  return found;
}

/** Creates the Release as `kubectl create` does (strict field validation) and follows it to its end. */
export async function runCase(
  env: CaseEnv,
  c: HostileCase,
  { deadlineMs, pollMs = 1000 }: { deadlineMs: number; pollMs?: number },
): Promise<Outcome> {
  await c.setup?.(env);
  let created: StoredRelease;
  try {
    created = await env.clients.releases.create(env.namespace, c.release, { fieldValidation: 'Strict' });
  } catch (err) {
    const refusal = apiRefusal(err);
    if (!refusal) throw err;
    return { class: 'refused', code: refusal.code, message: refusal.message };
  }
  const name = created.metadata.name as string;
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const last: StoredRelease = await env.clients.releases.get({ namespace: env.namespace, name });
    const outcome = settled(last);
    if (outcome) {
      if (outcome.class === 'invalid') outcome.sideEffects = await sideEffects(env, last);
      await c.verify?.(env);
      return outcome;
    }
    if (Date.now() > deadline) return { class: 'stuck', status: last.status ?? null };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether an API server refusal names the field: the field itself, an ancestor at least three levels
 * deep (a CEL rule reports on the object that holds it: a check, a check list), or its last two
 * segments (the window rule names the checks and quotes analysis.window).
 */
export function namesField(message: string, field: string): boolean {
  const segments = field.split(/\.(?![^[]*\])/);
  const candidates = [field];
  for (let n = segments.length - 1; n >= 3; n--) candidates.push(segments.slice(0, n).join('.'));
  for (const f of [...candidates]) {
    const withoutIndex = f.replace(/\[\d+\]$/, '');
    if (withoutIndex !== f) candidates.push(withoutIndex);
  }
  if (segments.length >= 2)
    candidates.push(
      segments
        .slice(-2)
        .join('.')
        .replace(/\[\d+\]/g, ''),
    );
  return candidates.some((f) => new RegExp(`${escape(f)}(?![A-Za-z0-9_])`).test(message));
}

/**
 * The API server's JSON decoder refuses a number past float64 before any schema is consulted, and
 * its message names no field: Kubernetes' limit, not rollguard's.
 */
export const decoderRefusal = (outcome: Outcome): boolean =>
  outcome.class === 'refused' &&
  outcome.code === 400 &&
  /cannot unmarshal number .* into Go value/.test(outcome.message);

/** The last name in a field path: what a condition from the Deployment's own validation mentions. */
export const leafOf = (field: string): string =>
  field
    .replace(/\[\d+\]/g, '')
    .split('.')
    .at(-1) ?? field;

/** One line per case for the report. */
export function describeOutcome(c: HostileCase, outcome: Outcome): string {
  const detail =
    outcome.class === 'refused'
      ? `${outcome.code} ${outcome.message}`
      : outcome.class === 'invalid' || outcome.class === 'failed'
        ? `${outcome.reason}: ${outcome.message}${outcome.sideEffects.length ? ` [left behind: ${outcome.sideEffects.join(', ')}]` : ''}`
        : outcome.class === 'stuck'
          ? JSON.stringify(outcome.status)
          : outcome.class === 'analysing'
            ? outcome.message
            : '';
  return `${c.name} (${c.what}) → ${outcome.class}${detail ? `: ${detail.slice(0, 400)}` : ''}`;
}

export type { Expected };
