import type { Split } from './traffic-split.ts';

/** What rollguard reads of an HTTPRoute's backendRefs (gateway.networking.k8s.io/v1); other fields are kept. */
export interface BackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  weight?: number;
  [field: string]: unknown;
}
export interface RouteRule {
  backendRefs?: BackendRef[];
  [field: string]: unknown;
}

export interface RouteServices {
  httpRoute: string;
  stableService: string;
  canaryService: string;
}

// A backendRef names a Service when its group is the core group and its kind Service (both defaults).
const refersTo = (ref: BackendRef, service: string, namespace: string): boolean =>
  (ref.group ?? '') === '' &&
  (ref.kind ?? 'Service') === 'Service' &&
  ref.name === service &&
  (ref.namespace ?? namespace) === namespace;

/**
 * The HTTPRoute's rules with the weights of the stable and canary backendRefs set, every other field
 * as it was; or, when the route cannot carry the split, what is wrong with it, naming the rule. Every
 * rule that sends to one of the two Services must send to both, once each: a rule with only the
 * stable Service would never reach the canary, and one with only the canary could never be aborted.
 */
export function weighBackendRefs(
  rules: readonly RouteRule[],
  services: RouteServices,
  weights: Split,
  namespace: string,
): { rules: RouteRule[] } | { problem: string } {
  const { httpRoute, stableService, canaryService } = services;
  let weighed = 0;
  const out: RouteRule[] = [];
  for (const [i, rule] of rules.entries()) {
    const refs = rule.backendRefs ?? [];
    const stable = refs.filter((ref) => refersTo(ref, stableService, namespace)).length;
    const canary = refs.filter((ref) => refersTo(ref, canaryService, namespace)).length;
    if (stable === 0 && canary === 0) {
      out.push(rule);
      continue;
    }
    if (stable !== 1 || canary !== 1) {
      const missing = stable === 0 ? stableService : canary === 0 ? canaryService : undefined;
      return {
        problem: missing
          ? `HTTPRoute ${httpRoute}: rule ${i} sends to ${missing === stableService ? canaryService : stableService} but not to ${missing}; list both Services in its backendRefs`
          : `HTTPRoute ${httpRoute}: rule ${i} lists ${stable > 1 ? stableService : canaryService} more than once in its backendRefs; list each Service once`,
      };
    }
    weighed += 1;
    out.push({
      ...rule,
      backendRefs: refs.map((ref) =>
        refersTo(ref, stableService, namespace)
          ? { ...ref, weight: weights.stable }
          : refersTo(ref, canaryService, namespace)
            ? { ...ref, weight: weights.canary }
            : ref,
      ),
    });
  }
  if (weighed === 0)
    return {
      problem: `HTTPRoute ${httpRoute} has no rule whose backendRefs name the Services ${stableService} and ${canaryService}`,
    };
  return { rules: out };
}
