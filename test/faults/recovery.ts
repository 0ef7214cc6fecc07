import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One row of the fault matrix as measured: what was done, what had to hold, what did, and how fast. */
export interface Measurement {
  fault: string;
  expected: string;
  observed: string;
  /** From the fault's end (the component back, or the replacement process started) to the final phase. */
  recoveryMs: number;
  /** The test that measures it, as `vitest run --project faults -t ...` selects it. */
  test: string;
}

export const resultsFile = (dataDir: string): string => join(dataDir, 'fault-recovery.jsonl');

/** Appends a measurement to this run's results, which the project's teardown prints as a table. */
export async function recordRecovery(dataDir: string, measurement: Measurement): Promise<void> {
  await appendFile(resultsFile(dataDir), `${JSON.stringify(measurement)}\n`);
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The measurements as the Markdown table of docs/reliability.md. */
export function recoveryTable(jsonl: string): string {
  const rows = jsonl
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Measurement);
  return [
    '| fault | expected | observed | recovery | test |',
    '|---|---|---|---|---|',
    ...rows.map(
      (m) => `| ${m.fault} | ${m.expected} | ${m.observed} | ${seconds(m.recoveryMs)} | \`-t "${m.test}"\` |`,
    ),
  ].join('\n');
}
