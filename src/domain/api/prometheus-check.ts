import { z } from 'zod';
import { checkName, checkOutcomes, failureThreshold, httpUrl, weight } from './check-fields.ts';
import { checkHeaders } from './check-headers.ts';
import { checkFloors, duration } from './duration.ts';
import { withRules } from './rules.ts';

const bound = (description: string) => z.number().optional().meta({ description });

/** A PromQL query whose single value must stay within [min, max]. */
export const prometheusCheckSchema = withRules(
  z.object({
    name: checkName,
    query: z.string().min(1).max(4096).meta({
      description: 'PromQL query returning one value (a scalar or a one-element vector), e.g. an error rate.',
    }),
    address: httpUrl('Base URL of the Prometheus server to query; the operator default when omitted.').optional(),
    headers: checkHeaders('each query, e.g. to a Prometheus behind an authenticating proxy'),
    min: bound('The check fails when the value is below min.'),
    max: bound('The check fails when the value is above max.'),
    noData: z
      .enum(checkOutcomes)
      .default('Inconclusive')
      .meta({ description: 'The outcome when the query returns no value: Pass, Fail or Inconclusive (default).' }),
    interval: duration('How often the query runs.', '30s', { min: checkFloors.interval }).default('30s'),
    failureThreshold: failureThreshold(4),
    weight: weight(4),
  }),
  [
    {
      cel: 'has(self.min) || has(self.max)',
      message: 'at least one of min or max must be set',
      holds: (c) => c.min !== undefined || c.max !== undefined,
    },
    {
      cel: '!has(self.min) || !has(self.max) || self.min <= self.max',
      message: 'min must not be greater than max',
      field: '.min',
      holds: (c) => !(c.min !== undefined && c.max !== undefined && c.min > c.max),
    },
  ],
).meta({ description: 'A Prometheus health check: a PromQL query whose value must stay within min and/or max.' });

export type PrometheusCheck = z.infer<typeof prometheusCheckSchema>;
