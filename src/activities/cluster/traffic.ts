import type { V1ReplicaSet, V1Service } from '@kubernetes/client-node';
import { type KubeClients, labelSelector } from '../../kube/client.ts';
import { apiStatus, isConflict, isNotFound } from '../../kube/errors.ts';
import { patchContentType } from '../../kube/patch.ts';
import { deploymentName } from '../../domain/release/names.ts';
import { type ReleaseRef, trackLabel } from '../../domain/release/ref.ts';
import { type RouteRule, weighBackendRefs } from '../../domain/release/route-weights.ts';
import type { TrafficRouting } from '../../domain/release/strategy-plan.ts';
import type { Split } from '../../domain/release/traffic-split.ts';
import { cannotCarry, classifyApiError, refusedOr } from './refusals.ts';

const route = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' } as const;

/** The label the Deployment controller gives each ReplicaSet's pods; a Service is pinned to the stable pods by it. */
export const podTemplateHashLabel = 'pod-template-hash';

/** How traffic moves when something other than pod counts moves it. */
export type Router = Exclude<TrafficRouting, { kind: 'replicas' }>;

interface HttpRoute {
  metadata?: { resourceVersion?: string };
  spec?: { rules?: RouteRule[] };
}

/** The Services a router narrows while a rollout runs: the one that serves stable until the end, and the new revision's. */
function servicesOf(routing: Router): {
  stable: string;
  canary?: string;
  field: string;
  stableAt: string;
  canaryAt: string;
} {
  return routing.kind === 'gatewayAPI'
    ? {
        stable: routing.stableService,
        canary: routing.canaryService,
        field: 'spec.strategy.canary.trafficRouting.gatewayAPI',
        stableAt: 'stableService',
        canaryAt: 'canaryService',
      }
    : {
        stable: routing.activeService,
        ...(routing.previewService ? { canary: routing.previewService } : {}),
        field: 'spec.strategy.blueGreen',
        stableAt: 'activeService',
        canaryAt: 'previewService',
      };
}

/**
 * The router's side of a canary or blue-green rollout: an HTTPRoute's backendRefs weights, or the
 * selector of a blue-green's active Service, and the selectors of the Services that must see one
 * revision only. rollguard never creates or deletes these objects (they are the user's, and usually
 * a GitOps tool's); it writes only the weights and its own keys of each selector.
 */
export function createTrafficActivities(kube: KubeClients) {
  const readRoute = (ref: ReleaseRef, name: string): Promise<HttpRoute> =>
    kube.custom.getNamespacedCustomObject({ ...route, namespace: ref.namespace, name }) as Promise<HttpRoute>;

  const readService = (ref: ReleaseRef, name: string): Promise<V1Service> =>
    kube.core.readNamespacedService({ name, namespace: ref.namespace });

  /** What a 404 or a 403 on one of the routing objects means to the person who wrote the spec; others are thrown. */
  function missing(err: unknown, what: string, at: string): string {
    if (isNotFound(err)) return `${at}: ${what} does not exist`;
    if (apiStatus(err) === 403)
      return `${at}: rollguard may not read ${what} (grant get and patch on it: docs/strategies.md)`;
    throw err;
  }

  /**
   * Why the spec's HTTPRoute and Services cannot carry the rollout, each a sentence naming the field:
   * an object that does not exist, a Service without a selector, or a route whose rules do not send
   * to both Services. Empty when they can. Errors that retrying may fix (the API server down) are thrown.
   */
  async function routeProblems({ ref, routing }: { ref: ReleaseRef; routing: Router }): Promise<string[]> {
    const problems: string[] = [];
    const services = servicesOf(routing);
    if (routing.kind === 'gatewayAPI') {
      const at = `${services.field}.httpRoute`;
      try {
        const found = await readRoute(ref, routing.httpRoute);
        const weighed = weighBackendRefs(found.spec?.rules ?? [], routing, { stable: 100, canary: 0 }, ref.namespace);
        if ('problem' in weighed) problems.push(`${at}: ${weighed.problem}`);
      } catch (err) {
        problems.push(missing(err, `HTTPRoute ${ref.namespace}/${routing.httpRoute}`, at));
      }
    }
    const named: [string, string | undefined][] = [
      [services.stableAt, services.stable],
      [services.canaryAt, services.canary],
    ];
    for (const [field, name] of named) {
      if (name === undefined) continue;
      const at = `${services.field}.${field}`;
      try {
        const service = await readService(ref, name);
        if (!service.spec?.selector || Object.keys(service.spec.selector).length === 0)
          problems.push(
            `${at}: Service ${ref.namespace}/${name} has no selector; rollguard narrows a selector to one revision's pods, so it needs one`,
          );
      } catch (err) {
        problems.push(missing(err, `Service ${ref.namespace}/${name}`, at));
      }
    }
    return problems;
  }

  /**
   * Sets the weights of the stable and canary backendRefs in every rule that sends to them, in one
   * write, leaving the rest of the route as it is. The write names the version it read, so a
   * concurrent edit makes it read again (a 409, retried) rather than be overwritten.
   */
  async function weighRoute(ref: ReleaseRef, routing: Extract<Router, { kind: 'gatewayAPI' }>, weights: Split) {
    const what = `set the weights of HTTPRoute ${ref.namespace}/${routing.httpRoute} to ${weights.stable}/${weights.canary}`;
    let found: HttpRoute;
    try {
      found = await readRoute(ref, routing.httpRoute);
    } catch (err) {
      // A route deleted (its namespace going, say) sends nothing to the canary: all there is to do.
      if (isNotFound(err) && weights.canary === 0) return;
      throw classifyApiError(err, what, { notFoundIsFinal: true });
    }
    const weighed = weighBackendRefs(found.spec?.rules ?? [], routing, weights, ref.namespace);
    // The route was edited since admission so that it no longer sends to both Services.
    if ('problem' in weighed) throw cannotCarry(`${what}: ${weighed.problem}`);
    try {
      await kube.custom.patchNamespacedCustomObject(
        {
          ...route,
          namespace: ref.namespace,
          name: routing.httpRoute,
          body: { metadata: { resourceVersion: found.metadata?.resourceVersion }, spec: { rules: weighed.rules } },
        },
        patchContentType.merge,
      );
    } catch (err) {
      if (isConflict(err)) throw err; // someone else wrote it since: read again
      if (isNotFound(err) && weights.canary === 0) return;
      throw classifyApiError(err, what, { notFoundIsFinal: true });
    }
  }

  /**
   * The pod-template-hash of the stable Deployment's current ReplicaSet: its pods, and no canary's.
   * Undefined when the Deployment is gone (its namespace being deleted, say): no pods to pin to.
   */
  async function stableHash(ref: ReleaseRef): Promise<string | undefined> {
    const name = deploymentName(ref.name);
    const what = `read the ReplicaSets of Deployment ${ref.namespace}/${name}`;
    let deployment;
    try {
      deployment = await kube.apps.readNamespacedDeployment({ name, namespace: ref.namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw classifyApiError(err, what);
    }
    const current = deployment.metadata?.annotations?.['deployment.kubernetes.io/revision'];
    const sets = await refusedOr(what, () =>
      kube.apps.listNamespacedReplicaSet({
        namespace: ref.namespace,
        labelSelector: labelSelector(deployment.spec?.selector.matchLabels ?? {}),
      }),
    );
    const owned = (rs: V1ReplicaSet) => rs.metadata?.ownerReferences?.some((o) => o.uid === deployment.metadata?.uid);
    const hash = sets.items.find(
      (rs) => owned(rs) && rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === current,
    )?.metadata?.labels?.[podTemplateHashLabel];
    // The Deployment controller has not caught up with the Deployment yet: asked again.
    if (!hash) throw new Error(`Deployment ${ref.namespace}/${name} has no current ReplicaSet yet`);
    return hash;
  }

  /**
   * Sets (or, with null, removes) rollguard's keys of a Service's selector; the Service's own keys
   * stay. A Service that is gone has no keys to remove: only setting one fails for it.
   */
  async function patchSelector(ref: ReleaseRef, name: string, selector: Record<string, string | null>) {
    try {
      await kube.core.patchNamespacedService(
        { name, namespace: ref.namespace, body: { spec: { selector } } },
        patchContentType.merge,
      );
    } catch (err) {
      if (isNotFound(err) && Object.values(selector).every((value) => value === null)) return;
      throw classifyApiError(err, `set the selector of Service ${ref.namespace}/${name}`, { notFoundIsFinal: true });
    }
  }

  const onlyStable = async (ref: ReleaseRef) => ({
    [podTemplateHashLabel]: (await stableHash(ref)) ?? null,
    [trackLabel]: null,
  });
  const onlyCanary = { [podTemplateHashLabel]: null, [trackLabel]: 'canary' };

  /**
   * Moves traffic to the weights: an HTTPRoute's backendRefs, in one write; or, for blue-green, the
   * active Service's selector, all at once to the new revision's pods (any canary weight) or back to
   * the stable ones (none).
   */
  async function setTrafficWeights({
    ref,
    routing,
    weights,
  }: {
    ref: ReleaseRef;
    routing: Router;
    weights: Split;
  }): Promise<void> {
    if (routing.kind === 'gatewayAPI') return weighRoute(ref, routing, weights);
    if (weights.canary > 0) return patchSelector(ref, routing.activeService, onlyCanary);
    // Back to the stable pods; a Service that is gone sends nothing anywhere.
    const active = await readService(ref, routing.activeService).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw classifyApiError(err, `read Service ${ref.namespace}/${routing.activeService}`);
    });
    if (active) await patchSelector(ref, routing.activeService, await onlyStable(ref));
  }

  /**
   * Narrows each Service to one revision for the length of a rollout: the new revision's Service
   * (canaryService, previewService) to the canary Deployment's pods (the track label), the stable
   * one (stableService, activeService) to the stable Deployment's current ReplicaSet (its
   * pod-template-hash), since the canary's pods carry every label the stable ones do.
   */
  async function pinServices({ ref, routing }: { ref: ReleaseRef; routing: Router }): Promise<void> {
    const services = servicesOf(routing);
    if (services.canary !== undefined) await patchSelector(ref, services.canary, onlyCanary);
    await patchSelector(ref, services.stable, await onlyStable(ref));
  }

  /**
   * Lets the stable (or active) Service select every pod of the Release again once no canary runs, so
   * that a rollback or a rolling update of the Release's Deployment (new pods, a new hash) keeps it served.
   */
  async function unpinServices({ ref, routing }: { ref: ReleaseRef; routing: Router }): Promise<void> {
    await patchSelector(ref, servicesOf(routing).stable, { [podTemplateHashLabel]: null, [trackLabel]: null });
  }

  return { routeProblems, setTrafficWeights, pinServices, unpinServices };
}
