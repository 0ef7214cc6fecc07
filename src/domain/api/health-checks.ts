import { z } from 'zod';
import { checkList, weight } from './check-fields.ts';
import { duration } from './duration.ts';
import { httpCheckSchema } from './http-check.ts';
import { prometheusCheckSchema } from './prometheus-check.ts';

const readiness = z
  .object({
    deadline: duration('How long the pods of a new revision may take to become Ready.', '30s').default('30s'),
    weight: weight(3),
  })
  .prefault({})
  .meta({ description: 'The readiness gate: every pod of the revision Ready before the deadline.' });

/** How rollguard tells whether a revision is healthy; each failing check adds its weight to the verdict. */
export const healthChecksSchema = z
  .object({
    readiness,
    http: checkList(httpCheckSchema, 'HTTP checks, probing a URL or every Ready pod of the revision.'),
    prometheus: checkList(prometheusCheckSchema, 'Prometheus checks, each a PromQL query with a threshold.'),
  })
  .prefault({})
  .meta({ description: 'The health checks that decide whether a revision is healthy.' });

export const analysisSchema = z
  .object({
    window: duration('How long the health checks watch a new revision before it is marked stable.', '5m').default('5m'),
    failureWeight: z.int().min(1).max(1000).default(3).meta({
      description:
        'The summed weight of failing checks that makes a revision unhealthy (default 3: any one check at its default weight is enough).',
    }),
  })
  .prefault({})
  .meta({ description: 'How health check results are combined into a verdict.' });

export const rollbackPolicySchema = z
  .object({
    automatic: z.boolean().default(true).meta({
      description: 'Roll back to the last stable revision on its own when the verdict is unhealthy (default true).',
    }),
  })
  .prefault({})
  .meta({ description: 'What to do when a revision is unhealthy.' });

export type HealthChecks = z.infer<typeof healthChecksSchema>;
export type Analysis = z.infer<typeof analysisSchema>;
export type RollbackPolicy = z.infer<typeof rollbackPolicySchema>;
