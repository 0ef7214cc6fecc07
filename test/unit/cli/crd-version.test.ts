import { describe, expect, it } from 'vitest';
import { crdMismatches, describeVersions, type ClusterCrd } from '../../../src/cli/crd-version.ts';

const client = { version: '0.2.0', apiVersion: 'rollguard.dev/v1alpha1' };
const v1alpha1 = { name: 'v1alpha1', served: true, storage: true };
const crd = (over: Partial<ClusterCrd>): ClusterCrd => ({
  name: 'releases.rollguard.dev',
  rollguardVersion: '0.2.0',
  versions: [v1alpha1],
  ...over,
});

describe("whether the cluster's Release CRD is this rollguard's", () => {
  it.each([
    ['the same rollguard version, serving v1alpha1', crd({}), []],
    [
      'another rollguard version',
      crd({ rollguardVersion: '0.1.0' }),
      ["it is rollguard 0.1.0's, this is rollguard 0.2.0"],
    ],
    [
      'a CRD that records no version',
      crd({ rollguardVersion: undefined }),
      ['it records no rollguard version (no rollguard.dev/version annotation)'],
    ],
    [
      'v1alpha1 no longer served',
      crd({
        rollguardVersion: '0.3.0',
        versions: [
          { ...v1alpha1, served: false, storage: false },
          { name: 'v1beta1', served: true, storage: true },
        ],
      }),
      [
        'it does not serve v1alpha1, the version this rollguard uses (it serves v1beta1)',
        "it is rollguard 0.3.0's, this is rollguard 0.2.0",
      ],
    ],
    [
      'v1alpha1 served beside a newer storage version',
      crd({
        versions: [
          { ...v1alpha1, storage: false },
          { name: 'v1beta1', served: true, storage: true },
        ],
      }),
      [],
    ],
  ])('%s', (_case, cluster, reasons) => {
    expect(crdMismatches(client, cluster)).toEqual(reasons);
  });

  it('names each version with its roles', () => {
    expect(describeVersions([v1alpha1, { name: 'v1alpha0', served: true, storage: false }])).toBe(
      'v1alpha1 (served, storage), v1alpha0 (served)',
    );
  });
});
