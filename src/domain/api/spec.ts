import { z } from 'zod';
import { analysisTimingRules } from './admission.ts';
import { analysisSchema, healthChecksSchema, rollbackPolicySchema } from './health-checks.ts';
import { admissionValidations } from './rules.ts';
import { strategySchema } from './strategy.ts';
import { hooksSchema } from './hooks.ts';
import { notificationsSchema } from './notifications.ts';
import { deploymentTemplateSchema } from './template.ts';

/** Orphan is the default: deleting a Release (or the CRD, or pruning it in a GitOps tool) never takes its pods down. */
export const deletionPolicies = ['Orphan', 'Delete'] as const;
export type DeletionPolicy = (typeof deletionPolicies)[number];

/** What the user declares: the workload to roll out, how to judge it, and what to do when it is unhealthy. */
export const releaseSpecSchema = z
  .object({
    template: deploymentTemplateSchema,
    // Optional without a default: a spec recorded before strategies existed parses to the same object.
    strategy: strategySchema.optional(),
    healthChecks: healthChecksSchema,
    analysis: analysisSchema,
    rollback: rollbackPolicySchema,
    revisionHistoryLimit: z
      .int()
      .min(1)
      .max(100)
      .default(10)
      .meta({ description: 'How many past revisions are kept to roll back to (default 10).' }),
    paused: z
      .boolean()
      .default(false)
      .meta({ description: 'While true, a new spec is recorded but not rolled out (default false).' }),
    // Optional without defaults, as strategy: a spec recorded before they existed parses to the same object.
    notifications: notificationsSchema.optional(),
    hooks: hooksSchema.optional(),
    adopt: z
      .boolean()
      .optional()
      .meta({
        description:
          "Take over an existing Deployment of the Release's name that no controller owns (one created by kubectl or a chart). " +
          'Without it rollguard refuses to touch such a Deployment; one owned by another controller is never taken.',
      }),
    deletionPolicy: z
      .enum(deletionPolicies)
      .optional()
      .meta({
        description:
          'What happens to the Deployment when the Release is deleted: Orphan (the default) leaves it running, ' +
          'no longer owned by anything (a Release created again with adopt: true takes it back); Delete deletes it, ' +
          'and so its pods, with the Release. The ControllerRevisions go with the Release either way.',
      }),
  })
  .meta({ description: 'The desired state of the Release.', ...admissionValidations(analysisTimingRules) });

export type ReleaseSpec = z.infer<typeof releaseSpecSchema>;
/** A spec as a user writes it: every field with a default may be left out. */
export type ReleaseSpecInput = z.input<typeof releaseSpecSchema>;
