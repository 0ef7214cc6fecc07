import { z } from 'zod';
import { checkKinds, checkOutcomes } from './check-fields.ts';
import { ConditionStatus } from './conditions.ts';
import { releasePhases, rollbackTriggers } from './phases.ts';
import { strategyStatusSchema } from './strategy-status.ts';
import { hookStages } from './hooks.ts';

export { releasePhases, rollbackTriggers, type ReleasePhase, type RollbackTrigger } from './phases.ts';

const time = (description: string) =>
  z.iso.datetime({ offset: true }).meta({ description: `${description} (RFC 3339).` });
const revision = (description: string) => z.int().min(1).meta({ description });

// The metav1.Condition shape, with its limits, so generic Kubernetes tooling reads these conditions.
export const conditionSchema = z
  .object({
    type: z
      .string()
      .max(316)
      .regex(
        /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/,
      )
      .meta({ description: 'Type of the condition, such as Ready or RolledBack.' }),
    status: z.enum(ConditionStatus).meta({ description: 'Status of the condition: True, False or Unknown.' }),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
      .meta({ description: 'Why the condition last changed, in CamelCase.' }),
    message: z.string().max(32_768).meta({ description: 'What happened, for people.' }),
    lastTransitionTime: time('When the status of the condition last changed'),
    observedGeneration: z
      .int()
      .min(0)
      .optional()
      .meta({ description: 'The spec generation the condition was set for.' }),
  })
  .meta({ description: 'One aspect of the state of the Release.' });

export const checkResultSchema = z
  .object({
    name: z.string().min(1).max(63).meta({ description: 'Name of the check.' }),
    kind: z.enum(checkKinds).meta({ description: 'Kind of the check: Readiness, HTTP or Prometheus.' }),
    outcome: z.enum(checkOutcomes).meta({ description: 'Pass, Fail or Inconclusive.' }),
    value: z
      .number()
      .optional()
      .meta({ description: 'The measured value: the query result, the HTTP status code or the number of Ready pods.' }),
    weight: z.int().min(0).max(100).meta({ description: 'The weight the check counts with when it fails.' }),
    reason: z.string().max(1024).optional().meta({ description: 'Why the check concluded what it did.' }),
  })
  .meta({ description: 'The result of one health check.' });

export const verdictSchema = z
  .object({
    time: time('When the verdict was reached'),
    revision: revision('The revision judged.'),
    healthy: z.boolean().meta({ description: 'Whether the failing weight stayed below the threshold.' }),
    failingWeight: z.int().min(0).meta({ description: 'Summed weight of the failing checks.' }),
    threshold: z.int().min(1).meta({ description: 'The analysis.failureWeight the verdict was reached with.' }),
    checks: z.array(checkResultSchema).max(40).meta({ description: 'The result of each check.' }),
  })
  .meta({ description: 'The last health verdict, with the result of each check.' });

export const rollbackRecordSchema = z
  .object({
    id: z
      .string()
      .min(1)
      .max(63)
      .meta({ description: 'Identifies this rollback in events, logs and the workflow history.' }),
    fromRevision: revision('The revision rolled back.'),
    toRevision: revision('The revision restored.'),
    reason: z.string().max(1024).meta({ description: 'Why the rollback happened.' }),
    trigger: z
      .enum(rollbackTriggers)
      .meta({ description: 'What started it: Automatic, Update, Signal or Annotation.' }),
    time: time('When the rollback started'),
  })
  .meta({ description: 'The last rollback.' });

export const hookRunSchema = z
  .object({
    stage: z.enum(hookStages).meta({ description: 'preRollout, postRollout or onRollback.' }),
    name: z.string().min(1).max(63).meta({ description: 'Name of the hook.' }),
    outcome: z.enum(['Succeeded', 'Failed']).meta({ description: 'Succeeded or Failed.' }),
    message: z.string().max(1024).meta({ description: 'What happened, for people.' }),
    revision: revision('The revision the hook ran for.').optional(),
    time: time('When the hook finished'),
  })
  .meta({ description: 'The last run of one lifecycle hook.' });

export const releaseStatusSchema = z
  .object({
    phase: z
      .enum(releasePhases)
      .optional()
      .meta({ description: 'Pending, Progressing, Ready, Failed or RollingBack.' }),
    observedGeneration: z.int().min(0).optional().meta({ description: 'The spec generation the status reflects.' }),
    currentRevision: revision('The revision the Deployment runs now.').optional(),
    stableRevision: revision('The last revision that passed its health checks; rollbacks return to it.').optional(),
    conditions: z
      .array(conditionSchema)
      .max(16)
      .optional()
      .meta({
        description: 'The conditions of the Release, one per type.',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
      }),
    lastVerdict: verdictSchema.optional(),
    strategy: strategyStatusSchema.optional(),
    lastRollback: rollbackRecordSchema.optional(),
    hooks: z
      .array(hookRunSchema)
      .max(24)
      .optional()
      .meta({ description: 'The last run of each lifecycle hook (docs/hooks.md).' }),
    workflowId: z.string().max(1024).optional().meta({ description: 'The Temporal workflow that runs this Release.' }),
    observedRollbackRequest: z.string().max(1024).optional().meta({
      description:
        'The id of the last rollback request rollguard handled (carried out or refused); a request with this id is not acted on again.',
    }),
    observedStrategyRequests: z
      .object({
        promote: z.string().max(1024).optional().meta({ description: 'The last rollguard.dev/promote request.' }),
        promoteFull: z
          .string()
          .max(1024)
          .optional()
          .meta({ description: 'The last rollguard.dev/promote-full request.' }),
        abort: z.string().max(1024).optional().meta({ description: 'The last rollguard.dev/abort request.' }),
        retry: z.string().max(1024).optional().meta({ description: 'The last rollguard.dev/retry request.' }),
      })
      .optional()
      .meta({
        description:
          'The id of the last promote, promote-full, abort and retry request from an annotation that rollguard handled (carried out or refused); a request with that id is not acted on again.',
      }),
    replicas: z.int().min(0).optional().meta({
      description:
        "The Deployment's pods (its status.replicas) when rollguard last wrote this status: the /scale subresource's status.replicas.",
    }),
    selector: z.string().max(4096).optional().meta({
      description:
        "The label selector of the Release's pods, in the string form (app=web): what an HPA targeting the Release's /scale subresource counts.",
    }),
  })
  .meta({ description: 'The observed state of the Release, written by rollguard through the status subresource.' });

export type ReleaseStatus = z.infer<typeof releaseStatusSchema>;
export type Condition = z.infer<typeof conditionSchema>;
/** One check's result as the Release's status records it (src/domain/health has the analysis's own, richer one). */
export type RecordedCheck = z.infer<typeof checkResultSchema>;
/** The verdict as the Release's status records it (lastVerdict). */
export type RecordedVerdict = z.infer<typeof verdictSchema>;
export type RollbackRecord = z.infer<typeof rollbackRecordSchema>;
export type HookRun = z.infer<typeof hookRunSchema>;
