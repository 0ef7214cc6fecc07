import type { KubernetesObject } from '@kubernetes/client-node';

/**
 * What `kubectl apply` (client-side) writes on every object it applies: the whole object again, as
 * JSON in one annotation. Nothing in rollguard reads it; a Release applied that way is cached twice.
 */
export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * What every watch cache of rollguard keeps of an object, in place: all of it but the copies of it
 * that rollguard never reads (managedFields below `keptFieldDepth`, kubectl's last applied
 * configuration). A watch cache holds every object it sees for as long as it runs.
 */
export function trimForCache(object: KubernetesObject): void {
  trimManagedFields(object);
  const annotations = object.metadata?.annotations;
  if (annotations && lastAppliedAnnotation in annotations) delete annotations[lastAppliedAnnotation];
}

/**
 * How deep a watch cache keeps each managedFields entry's field set: `f:spec` and its children
 * (`f:spec.f:replicas`, `f:spec.f:template`), which is as deep as rollguard reads them (who owns a
 * Deployment's replica count, whether a foreign manager edited its spec).
 */
export const keptFieldDepth = 2;

/**
 * Cuts the field set of every managedFields entry below `depth`, in place; who wrote (manager,
 * operation, subresource, time) stays whole. A watch cache holds every object it sees for as long as
 * it runs, and a field set repeats the shape of the object for each manager: for a Deployment the
 * whole pod template again, for a Release its template and its status. Most of a cached object was
 * these trees, which nothing reads past the second level (docs/benchmarks.md).
 */
export function trimManagedFields(object: KubernetesObject, depth: number = keptFieldDepth): void {
  for (const entry of object.metadata?.managedFields ?? []) {
    if (entry.fieldsV1 !== undefined) entry.fieldsV1 = pruned(entry.fieldsV1, depth);
  }
}

function pruned(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  if (depth <= 0) return {};
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, pruned(child, depth - 1)]));
}
