import type { CustomObjectsApi, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { releaseResource } from '../domain/api/index.ts';
import { patchContentType, type PatchKind } from './patch.ts';

const { group, version, plural } = releaseResource;

/** One Release, by where it lives. */
export interface ReleaseKey {
  namespace: string;
  name: string;
}

/** Query parameters of a write, passed on only when given. */
export interface WriteOptions {
  fieldManager?: string;
  force?: boolean;
  dryRun?: 'All';
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

/** Releases through the custom objects API: the one place that names their group, version and plural. */
export interface ReleaseApi {
  get(key: ReleaseKey): Promise<KubernetesObject>;
  /** The Releases of one namespace, or of all when none is given; only those a label selector matches, when given. */
  list(namespace?: string, options?: { labelSelector?: string }): Promise<KubernetesListObject<KubernetesObject>>;
  create(namespace: string, body: object, options?: WriteOptions): Promise<KubernetesObject>;
  replace(key: ReleaseKey, body: object): Promise<KubernetesObject>;
  patch(key: ReleaseKey, kind: PatchKind, body: object, options?: WriteOptions): Promise<KubernetesObject>;
  /** A patch of the /status subresource. */
  patchStatus(key: ReleaseKey, kind: PatchKind, body: object, options?: WriteOptions): Promise<KubernetesObject>;
  delete(key: ReleaseKey): Promise<unknown>;
}

/** The API path of the Releases of one namespace, or of all: what a list-watch follows. */
export const releasesPath = (namespace?: string): string =>
  namespace ? `/apis/${group}/${version}/namespaces/${namespace}/${plural}` : `/apis/${group}/${version}/${plural}`;

export function releaseApi(custom: CustomObjectsApi): ReleaseApi {
  const at = ({ namespace, name }: ReleaseKey) => ({ group, version, plural, namespace, name });
  return {
    get: (key) => custom.getNamespacedCustomObject(at(key)),
    list: (namespace, options = {}) =>
      namespace
        ? custom.listNamespacedCustomObject({ group, version, plural, namespace, ...options })
        : custom.listClusterCustomObject({ group, version, plural, ...options }),
    create: (namespace, body, options = {}) =>
      custom.createNamespacedCustomObject({ group, version, plural, namespace, body, ...options }),
    replace: (key, body) => custom.replaceNamespacedCustomObject({ ...at(key), body }),
    patch: (key, kind, body, options = {}) =>
      custom.patchNamespacedCustomObject({ ...at(key), body, ...options }, patchContentType[kind]),
    patchStatus: (key, kind, body, options = {}) =>
      custom.patchNamespacedCustomObjectStatus({ ...at(key), body, ...options }, patchContentType[kind]),
    delete: (key) => custom.deleteNamespacedCustomObject(at(key)),
  };
}
