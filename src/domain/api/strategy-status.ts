import { z } from 'zod';

/** Where a canary or blue-green rollout stands; terminal once Promoted or Aborted. */
export const strategyStates = ['Progressing', 'Held', 'Promoted', 'Aborted'] as const;
export type StrategyState = (typeof strategyStates)[number];

export const strategyTypes = ['Canary', 'BlueGreen'] as const;
export type StrategyType = (typeof strategyTypes)[number];

const time = (description: string) =>
  z.iso.datetime({ offset: true }).meta({ description: `${description} (RFC 3339).` });
const split = (description: string, field: () => z.ZodInt) =>
  z
    .object({
      stable: field().meta({ description: 'The stable revision’s share.' }),
      canary: field().meta({ description: 'The new revision’s share.' }),
    })
    .meta({ description });
const percent = () => z.int().min(0).max(100);
const pods = () => z.int().min(0).max(20_000);

/**
 * The progress of a canary or blue-green rollout, as `rollguard status` and `kubectl get` show it. It
 * records times, not time left, so it need not be rewritten as the clock runs: the reader computes
 * "analysis 1m20s left" from endTime.
 */
export const strategyStatusSchema = z
  .object({
    type: z.enum(strategyTypes).meta({ description: 'Canary or BlueGreen.' }),
    revision: z
      .int()
      .min(1)
      .meta({ description: 'The revision being introduced: the canary, or the preview of a blue-green rollout.' }),
    state: z.enum(strategyStates).meta({
      description:
        'Progressing (going through the steps), Held (a step failed and automatic rollback is off: promote --full, retry or abort), Promoted or Aborted.',
    }),
    currentStepIndex: z.int().min(0).max(64).meta({
      description: 'The step in force, counted from 0; equal to stepCount once every step has passed.',
    }),
    stepCount: z.int().min(0).max(64).meta({ description: 'How many steps the rollout has.' }),
    step: z
      .string()
      .max(16)
      .meta({ description: 'The step in force as "3/7" (counted from 1), for the Step printer column.' }),
    weights: split('The traffic weights in force, in percent (they add up to 100).', percent),
    replicas: split('The pods each revision is given at this step.', pods),
    pause: z
      .object({
        startTime: time('When the pause began'),
        endTime: time('When a timed pause ends unless promoted first; absent while waiting for a promote').optional(),
      })
      .optional()
      .meta({ description: 'The pause in force, if the step is a pause.' }),
    analysis: z
      .object({
        startTime: time('When the analysis began'),
        endTime: time('When its window ends'),
      })
      .optional()
      .meta({ description: 'The analysis in force, if the step is an analysis.' }),
    message: z.string().max(1024).optional().meta({
      description: 'Why the rollout is held or was aborted, or who promoted it.',
    }),
  })
  .meta({ description: 'The progress of a canary or blue-green rollout; absent for the rolling strategy.' });

export type StrategyStatus = z.infer<typeof strategyStatusSchema>;
