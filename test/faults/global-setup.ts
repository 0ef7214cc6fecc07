import { readFile, rm } from 'node:fs/promises';
import { stackCommand } from '../support/stack-command.ts';
import { recoveryTable, resultsFile } from './recovery.ts';
import { faultStackEnv } from './stack-env.ts';

const stack = { env: faultStackEnv, label: 'fault stack' };

/** The fault tests' own stack, on other ports and another data directory; stopped at the end under CI. */
export default async function setup(): Promise<() => Promise<void>> {
  // Under CI nothing is left running, also when the stack failed half-way up.
  await stackCommand('stack:up', stack).catch(async (err: unknown) => {
    if (process.env.CI) await stackCommand('stack:down', stack);
    throw err;
  });
  await rm(resultsFile(faultStackEnv.ROLLGUARD_DATA_DIR), { force: true });
  return async () => {
    const results = await readFile(resultsFile(faultStackEnv.ROLLGUARD_DATA_DIR), 'utf8').catch(() => '');
    if (results) console.error(`\nrecovery times measured in this run:\n${recoveryTable(results)}\n`);
    if (process.env.CI) await stackCommand('stack:down', stack);
  };
}
