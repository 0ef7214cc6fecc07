import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '..', '..');

/**
 * Runs a stack command of scripts/dev.ts in a process of its own with another stack's variables
 * (the fault tests', the cluster tests'): dev/stack/ reads its ports and data directory once, when
 * first imported, and a vitest process may already hold the default stack's.
 */
export function stackCommand(
  command: 'stack:up' | 'stack:down',
  { env, label }: { env: Record<string, string>; label: string },
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'dev.ts'), command], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    child.stderr.on('data', (chunk: Buffer) =>
      process.stderr.write(chunk.toString().replaceAll('[rollguard]', `[${label}]`)),
    );
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${label} ${command} exited with ${code}`)),
    );
  });
}
