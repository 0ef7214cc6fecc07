import { z } from 'zod';
import { durationPattern } from './durations.ts';

export { atLeast, durationPattern, parseDuration } from './durations.ts';

// The same pattern as durationPattern, for CEL: a rule must not call duration() on what it cannot parse.
const celDurationPattern = "'^[1-9][0-9]{0,5}(ms|s|m|h)$'";

/** The shortest a check's interval and a probe's timeout may be (1 ms intervals made 5 probes a second). */
export const checkFloors = { interval: '1s', timeout: '100ms' } as const;

export const tooShort = (min: string): string => `must be at least ${min}`;

/**
 * A positive duration field with its description and default, as it appears in the Release spec.
 * `min` is a floor the API server enforces here and parseRelease in admission.ts; the workflow, reading
 * a spec recorded before the floor existed, does not.
 */
export const duration = (description: string, example: string, { min }: { min?: string } = {}) => {
  const field = z
    .string()
    .max(16)
    .regex(durationPattern, { message: `must be a positive duration such as "${example}" (units: ms, s, m, h)` });
  if (!min) return field.meta({ description: `${description} A duration such as "${example}" (units: ms, s, m, h).` });
  return field.meta({
    description: `${description} A duration such as "${example}" (units: ms, s, m, h), at least ${min}.`,
    'x-kubernetes-validations': [
      { rule: `!self.matches(${celDurationPattern}) || duration(self) >= duration('${min}')`, message: tooShort(min) },
    ],
  });
};
