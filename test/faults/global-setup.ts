import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { recoveryTable, resultsFile } from './recovery.ts';
import { faultStackEnv } from './stack-env.ts';

const repoRoot = resolve(import.meta.dirname, '..', '..');

/**
 * Runs a stack command of scripts/dev.ts in a process of its own with the fault stack's variables:
 * dev/stack/ reads its ports and data directory once, when first imported, and this vitest process
 * may already hold the default stack's (the integration project's setup).
 */
function stackCommand(command: 'stack:up' | 'stack:down'): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'dev.ts'), command], {
      cwd: repoRoot,
      env: { ...process.env, ...faultStackEnv },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    child.stderr.on('data', (chunk: Buffer) =>
      process.stderr.write(chunk.toString().replaceAll('[rollguard]', '[fault stack]')),
    );
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`fault stack ${command} exited with ${code}`)),
    );
  });
}

/** The fault tests' own stack, on other ports and another data directory; stopped at the end under CI. */
export default async function setup(): Promise<() => Promise<void>> {
  await stackCommand('stack:up');
  await rm(resultsFile(faultStackEnv.ROLLGUARD_DATA_DIR), { force: true });
  return async () => {
    const results = await readFile(resultsFile(faultStackEnv.ROLLGUARD_DATA_DIR), 'utf8').catch(() => '');
    if (results) console.error(`\nrecovery times measured in this run:\n${recoveryTable(results)}\n`);
    if (process.env.CI) await stackCommand('stack:down');
  };
}
