import type { InspectionSettings } from './types.ts';

/** The article's collection: 200 targets, 20 at once, 2 retries with backoff. */
export const defaultInspectionSettings: InspectionSettings = {
  concurrency: 20,
  retries: 2,
  backoffMs: 1_000,
  batchSize: 50,
  stuckAfterMs: 30 * 60_000,
  notReadyAfterMs: 5 * 60_000,
  restartThreshold: 3,
  failureThreshold: 3,
};

const limits: Record<keyof InspectionSettings, { min: number; max: number }> = {
  concurrency: { min: 1, max: 500 },
  retries: { min: 0, max: 10 },
  backoffMs: { min: 0, max: 10 * 60_000 },
  batchSize: { min: 1, max: 1_000 },
  stuckAfterMs: { min: 0, max: 30 * 24 * 3_600_000 },
  notReadyAfterMs: { min: 0, max: 30 * 24 * 3_600_000 },
  restartThreshold: { min: 1, max: 1_000 },
  failureThreshold: { min: 1, max: 10 },
};

/**
 * The settings an inspection runs with: the defaults, overridden by what was asked. Returns the
 * problems instead when a value is not a whole number in its range, one line per setting.
 */
export function inspectionSettings(
  asked: Partial<InspectionSettings> = {},
): { ok: true; settings: InspectionSettings } | { ok: false; problems: string[] } {
  const settings = { ...defaultInspectionSettings };
  const problems: string[] = [];
  for (const [key, value] of Object.entries(asked) as [keyof InspectionSettings, unknown][]) {
    const range = limits[key];
    if (!range) {
      problems.push(`${key}: not an inspection setting (known: ${Object.keys(limits).join(', ')})`);
      continue;
    }
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
      problems.push(`${key}: ${JSON.stringify(value)} is not a whole number from ${range.min} to ${range.max}`);
      continue;
    }
    settings[key] = value;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings };
}
