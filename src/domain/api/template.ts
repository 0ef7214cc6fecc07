import { z } from 'zod';
import { withRules } from './rules.ts';

/** Label maps are bounded so the API server can bound the cost of the CEL rules that read them. */
const maxLabels = 64;
const labelValue = z
  .string()
  .max(63)
  .regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, { message: 'must be a valid label value' });

const labelMap = (description: string) =>
  z
    .record(z.string(), labelValue)
    .refine((labels) => Object.keys(labels).length <= maxLabels, { message: `at most ${maxLabels} labels` })
    .refine((labels) => Object.keys(labels).length >= 1, { message: 'at least one label is required' })
    .meta({ description, minProperties: 1, maxProperties: maxLabels });

// A container keeps every field the user wrote (the API server validates them when rollguard writes the
// Deployment); rollguard itself reads only the name and the image.
const container = z
  .looseObject({
    name: z.string().min(1).max(63).meta({ description: 'Name of the container, unique within the pod.' }),
    image: z.string().min(1).max(1024).meta({ description: 'Container image; changing it starts a new revision.' }),
  })
  .meta({
    description: 'A container, exactly as in a Pod spec; fields other than name and image are kept as written.',
  });

const podSpec = z
  .looseObject({
    containers: z.array(container).min(1).max(32).meta({ description: 'The containers of each pod (at least one).' }),
  })
  .meta({ description: 'The Pod spec, exactly as in a Deployment; it is passed through unchanged to the Deployment.' });

const podTemplate = z
  .object({
    metadata: z
      .object({
        labels: labelMap('Labels of each pod; they must include every label of spec.template.selector.matchLabels.'),
        annotations: z.record(z.string(), z.string()).optional().meta({ description: 'Annotations of each pod.' }),
      })
      .meta({ description: 'Labels and annotations given to each pod.' }),
    spec: podSpec,
  })
  .meta({ description: 'The pod template of the Deployment.' });

const int32Max = 2_147_483_647;

const intOrPercent = (description: string) =>
  z
    // int32, as the Deployment reads it: a larger number would be refused only when rollguard writes it.
    .union([
      z.int().min(0).max(int32Max),
      z
        .string()
        .max(8)
        .regex(/^[0-9]+%$/),
    ])
    .optional()
    .meta({
      description: `${description} A number of pods or a percentage of the desired replicas (e.g. "25%").`,
      'x-kubernetes-int-or-string': true,
      // Bounds the string case, so the API server can bound the cost of the CEL rule below.
      maxLength: 8,
      'x-kubernetes-validations': [
        {
          rule: `type(self) == int ? self >= 0 && self <= ${int32Max} : self.matches('^[0-9]+%$')`,
          message: `must be a number from 0 to ${int32Max} or a percentage such as "25%"`,
        },
      ],
    });

const strategy = withRules(
  z.object({
    type: z
      .enum(['RollingUpdate', 'Recreate'])
      .default('RollingUpdate')
      .meta({ description: 'How old pods are replaced by new ones.' }),
    rollingUpdate: z
      .object({
        maxSurge: intOrPercent('How many pods may be created above the desired replicas during an update.'),
        maxUnavailable: intOrPercent('How many pods may be unavailable during an update.'),
      })
      .optional()
      .meta({ description: 'Rolling update parameters (type RollingUpdate only).' }),
  }),
  [
    {
      cel: "!has(self.type) || self.type == 'RollingUpdate' || !has(self.rollingUpdate)",
      message: 'rollingUpdate may only be set when type is RollingUpdate',
      field: '.rollingUpdate',
      holds: (s) => s.type === 'RollingUpdate' || s.rollingUpdate === undefined,
    },
  ],
).meta({ description: 'The Deployment strategy used to roll out each revision.' });

/** What a Release rolls out: the spec of the Deployment it owns (revision history and pausing are the Release's own). */
export const deploymentTemplateSchema = withRules(
  z.object({
    replicas: z.int().min(0).max(10_000).default(1).meta({ description: 'Desired number of pods.' }),
    selector: z
      .object({ matchLabels: labelMap('Label selector of the pods the Deployment owns; fixed once created.') })
      .meta({
        description: 'Which pods belong to the Deployment.',
        // A transition rule, so only the API server can check it (parseRelease never sees the old object).
        'x-kubernetes-validations': [
          {
            rule: 'self == oldSelf',
            message: 'selector cannot change once the Release exists (a Deployment selector is immutable)',
          },
        ],
      }),
    template: podTemplate,
    strategy: strategy.optional(),
    minReadySeconds: z
      .int()
      .min(0)
      .max(3600)
      .optional()
      .meta({ description: 'Seconds a new pod must be Ready before it counts as available.' }),
    progressDeadlineSeconds: z
      .int()
      .min(1)
      .max(86_400)
      .optional()
      .meta({ description: 'Seconds the Deployment may take to make progress before Kubernetes reports it stalled.' }),
  }),
  [
    {
      cel: 'self.selector.matchLabels.all(k, k in self.template.metadata.labels && self.template.metadata.labels[k] == self.selector.matchLabels[k])',
      message: 'selector.matchLabels must match the labels of template.metadata.labels',
      field: '.selector.matchLabels',
      holds: (d) =>
        Object.entries(d.selector?.matchLabels ?? {}).every(
          ([key, value]) => d.template?.metadata?.labels?.[key] === value,
        ),
    },
  ],
).meta({ description: 'The Deployment to roll out, written as the spec of an apps/v1 Deployment.' });

export type DeploymentTemplate = z.infer<typeof deploymentTemplateSchema>;
