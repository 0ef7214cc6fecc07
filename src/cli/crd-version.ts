import { crdVersionAnnotation } from '../domain/api/crd.ts';

/** One version of the Release API a CRD declares. */
export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
}

/** What the cluster's Release CRD says about itself. */
export interface ClusterCrd {
  name: string;
  /** The rollguard version it belongs to (its rollguard.dev/version annotation); unset on a CRD that records none. */
  rollguardVersion: string | undefined;
  versions: CrdVersion[];
}

/** This rollguard: its version, and the Release API version it reads and writes (rollguard.dev/v1alpha1). */
export interface ClientVersion {
  version: string;
  apiVersion: string;
}

/** Why the cluster's CRD is not this rollguard's, one reason each; none when it is. */
export function crdMismatches(client: ClientVersion, crd: ClusterCrd): string[] {
  const reasons: string[] = [];
  const version = client.apiVersion.split('/').at(-1);
  if (!crd.versions.some((v) => v.name === version && v.served)) {
    const served = crd.versions.filter((v) => v.served).map((v) => v.name);
    reasons.push(
      `it does not serve ${version}, the version this rollguard uses (it serves ${served.join(', ') || 'none'})`,
    );
  }
  if (crd.rollguardVersion === undefined) {
    reasons.push(`it records no rollguard version (no ${crdVersionAnnotation} annotation)`);
  } else if (crd.rollguardVersion !== client.version) {
    reasons.push(`it is rollguard ${crd.rollguardVersion}'s, this is rollguard ${client.version}`);
  }
  return reasons;
}

/** `v1alpha1 (served, storage), v1alpha0 (served)`. */
export const describeVersions = (versions: CrdVersion[]): string =>
  versions
    .map((v) => {
      const roles = [...(v.served ? ['served'] : []), ...(v.storage ? ['storage'] : [])];
      return `${v.name}${roles.length > 0 ? ` (${roles.join(', ')})` : ''}`;
    })
    .join(', ');
