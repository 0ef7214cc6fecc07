// Durations as Release specs write them, without the schema library: workflow code reads them too.

/**
 * Durations are written the way Kubernetes users write them ("500ms", "30s", "5m", "1h"). The pattern
 * is also a valid Go duration, so CEL rules can compare them with `duration(...)`; at most six digits
 * (999999h is 114 years), so no duration overflows Go's nanoseconds in those rules.
 */
export const durationPattern = /^[1-9][0-9]{0,5}(ms|s|m|h)$/;

const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Milliseconds in a duration string such as "30s"; throws on anything the schema would refuse. */
export function parseDuration(text: string): number {
  const match = /^([0-9]+)(ms|s|m|h)$/.exec(text);
  if (!match)
    throw new Error(`"${text}" is not a duration: write a whole number followed by ms, s, m or h (e.g. "30s")`);
  return Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
}

/** True unless the duration parses and is shorter than `floor`; a malformed one is reported by the pattern. */
export function atLeast(text: string, floor: string): boolean {
  try {
    return parseDuration(text) >= parseDuration(floor);
  } catch {
    return true;
  }
}
