import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { clusterStackEnv } from './stack-env.ts';

const repoRoot = resolve(import.meta.dirname, '..', '..');

/**
 * Runs a stack command of scripts/dev.ts in a process of its own with the cluster stack's variables:
 * dev/stack/ reads its ports and data directory once, when first imported, and this vitest process
 * may already hold another stack's.
 */
function stackCommand(command: 'stack:up' | 'stack:down'): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'dev.ts'), command], {
      cwd: repoRoot,
      env: { ...process.env, ...clusterStackEnv },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    child.stderr.on('data', (chunk: Buffer) =>
      process.stderr.write(chunk.toString().replaceAll('[rollguard]', '[cluster stack]')),
    );
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`cluster stack ${command} exited with ${code}`)),
    );
  });
}

/** The cluster tests' own stack (cluster profile, other ports and data directory); stopped at the end under CI. */
export default async function setup(): Promise<() => Promise<void>> {
  const down = async (): Promise<void> => {
    if (process.env.CI) await stackCommand('stack:down');
  };
  // Under CI nothing is left running, also when the stack failed half-way up.
  await stackCommand('stack:up').catch(async (err: unknown) => {
    await down();
    throw err;
  });
  return down;
}
