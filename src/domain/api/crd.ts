import { stringify } from 'yaml';
import { z } from 'zod';
import { releaseResource } from './release.ts';
import { releaseSpecSchema } from './spec.ts';
import { releaseStatusSchema } from './status.ts';
import { toStructural, type JsonSchema } from './structural.ts';

/** Where the generated CRD is committed (scripts/generate-crd.ts writes it, a unit test compares it). */
export const releaseCrdFile = new URL('../../../deploy/crd/release.yaml', import.meta.url);
/** The same CRD in the Helm chart, which installs what its crds/ folder holds before anything else. */
export const chartCrdFile = new URL('../../../charts/rollguard/crds/release.yaml', import.meta.url);

/** The version of rollguard whose CRD this is, on the CRD itself: `rollguard version` compares it with its own. */
export const crdVersionAnnotation = 'rollguard.dev/version';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date';
  jsonPath: string;
  description: string;
}

export interface ReleaseCrd {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; annotations: Record<string, string> };
  spec: {
    group: string;
    scope: 'Namespaced';
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never>; scale: ScaleSubresource };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: JsonSchema };
    }[];
  };
}

interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath: string;
}

// `io: 'input'` describes what a user may write: fields with defaults are optional and carry `default`,
// which the API server then applies itself. `reused: 'inline'` keeps `$ref` out.
const openApi = (schema: z.ZodType): JsonSchema =>
  toStructural(z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', reused: 'inline' }));

const printerColumns: PrinterColumn[] = [
  { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Where the Release is in its rollout.' },
  { name: 'Current', type: 'integer', jsonPath: '.status.currentRevision', description: 'The revision running now.' },
  {
    name: 'Stable',
    type: 'integer',
    jsonPath: '.status.stableRevision',
    description: 'The last revision that passed its health checks.',
  },
  {
    name: 'Step',
    type: 'string',
    jsonPath: '.status.strategy.step',
    description: 'The step of a canary or blue-green rollout in force, as "3/7".',
  },
  {
    name: 'Weight',
    type: 'integer',
    jsonPath: '.status.strategy.weights.canary',
    description: "The new revision's share of traffic during a canary or blue-green rollout, in percent.",
  },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'When the Release was created.' },
];

/** The Release CustomResourceDefinition of that rollguard version, derived from the zod schema. */
export function releaseCrd(rollguardVersion: string): ReleaseCrd {
  const { group, version, kind, listKind, plural, singular, shortNames } = releaseResource;
  const openAPIV3Schema: JsonSchema = {
    description: 'A Release rolls out a Deployment, watches its health, and rolls it back when it turns unhealthy.',
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: { description: 'The versioned schema of this object (rollguard.dev/v1alpha1).', type: 'string' },
      kind: { description: 'The kind of this object (Release).', type: 'string' },
      metadata: { type: 'object' },
      spec: openApi(releaseSpecSchema),
      status: openApi(releaseStatusSchema),
    },
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}`, annotations: { [crdVersionAnnotation]: rollguardVersion } },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind, listKind, plural, singular, shortNames: [...shortNames], categories: ['rollguard'] },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: {
            status: {},
            // An HPA (or `kubectl scale release`) scales the Release itself; the workflow scales the
            // Deployment to it without a rollout (replicas are not part of a revision).
            scale: {
              specReplicasPath: '.spec.template.replicas',
              statusReplicasPath: '.status.replicas',
              labelSelectorPath: '.status.selector',
            },
          },
          additionalPrinterColumns: printerColumns,
          schema: { openAPIV3Schema },
        },
      ],
    },
  };
}

/** The CRD as committed in deploy/crd/release.yaml, of that rollguard version (package.json's). */
export function renderReleaseCrd(rollguardVersion: string): string {
  const header =
    '# Generated from the zod schema in src/domain/api by `node scripts/generate-crd.ts`. Do not edit by hand.\n';
  return header + stringify(releaseCrd(rollguardVersion), { lineWidth: 0 });
}
