import { stackCommand } from '../support/stack-command.ts';
import { clusterStackEnv } from './stack-env.ts';

const stack = { env: clusterStackEnv, label: 'cluster stack' };

/** The cluster tests' own stack (cluster profile, other ports and data directory); stopped at the end under CI. */
export default async function setup(): Promise<() => Promise<void>> {
  const down = async (): Promise<void> => {
    if (process.env.CI) await stackCommand('stack:down', stack);
  };
  // Under CI nothing is left running, also when the stack failed half-way up.
  await stackCommand('stack:up', stack).catch(async (err: unknown) => {
    await down();
    throw err;
  });
  return down;
}
