import { z } from 'zod';

/**
 * Durations are written the way Kubernetes users write them ("500ms", "30s", "5m", "1h"). The pattern
 * is also a valid Go duration, so CEL rules can compare them with `duration(...)`.
 */
export const durationPattern = /^[1-9][0-9]*(ms|s|m|h)$/;

const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Milliseconds in a duration string such as "30s"; throws on anything the schema would refuse. */
export function parseDuration(text: string): number {
  const match = /^([0-9]+)(ms|s|m|h)$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a duration: write a whole number followed by ms, s, m or h (e.g. "30s")`);
  return Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
}

/** A positive duration field with its description and default, as it appears in the Release spec. */
export const duration = (description: string, example: string) =>
  z
    .string()
    .max(16)
    .regex(durationPattern, { message: `must be a positive duration such as "${example}" (units: ms, s, m, h)` })
    .meta({ description: `${description} A duration such as "${example}" (units: ms, s, m, h).` });
