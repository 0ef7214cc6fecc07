import type { DeploymentTemplate, ReleaseSpec } from '../api/index.ts';

/**
 * What a revision is: the template without its replica count. Scaling is not a rollout, and a
 * rollback restores the pods of a revision, never the number of them it once ran with.
 */
export type RevisionTemplate = Omit<DeploymentTemplate, 'replicas'>;

export function revisionTemplate(template: DeploymentTemplate | RevisionTemplate): RevisionTemplate {
  const { replicas: _replicas, ...rest } = template as DeploymentTemplate;
  return rest;
}

/** The same JSON whatever the key order: two values are equal when their canonical forms are. */
export function canonicalJson(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(canonical(value));
}

/**
 * The part of a spec a rollout acts on: everything but the replica count (the Deployment is scaled
 * to it without a rollout) and the deletion policy (read only when the Release is deleted).
 */
function rolloutPart(spec: ReleaseSpec): unknown {
  const { deletionPolicy: _policy, template, ...rest } = spec;
  return { ...rest, template: revisionTemplate(template) };
}

/** Whether going from one spec to the next needs no rollout: they differ at most in replicas and deletionPolicy. */
export function needsNoRollout(previous: ReleaseSpec, next: ReleaseSpec): boolean {
  return canonicalJson(rolloutPart(previous)) === canonicalJson(rolloutPart(next));
}
