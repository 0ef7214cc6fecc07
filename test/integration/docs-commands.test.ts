import { chmod, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolPath } from '../../dev/stack/tools.ts';
import { repoDir } from '../support/install-tools.ts';
import { runToEnd } from '../support/processes.ts';
import { appRelease } from '../support/release-specs.ts';
import { ReleaseHarness } from '../support/releases.ts';
import { rollguardBin, stackShell } from './cli-process.ts';

// Every shell command of these docs, run as written against a Release `web` of the local stack: only
// the namespace (`shop`) and the task queue the docs name are replaced by the test's own.
const docs = ['docs/troubleshooting.md', 'docs/upgrade.md'];

const h = new ReleaseHarness();
let bin: string;
beforeAll(async () => {
  await h.start('docs');
  // The PATH of a user: kubectl, temporal and the rollguard CLI.
  bin = await mkdtemp(join(tmpdir(), 'rollguard-docs-'));
  await symlink(await toolPath('kubernetes', 'kubectl'), join(bin, 'kubectl'));
  await symlink(await toolPath('temporal', 'temporal'), join(bin, 'temporal'));
  await writeFile(join(bin, 'rollguard'), `#!/bin/sh\nexec "${process.execPath}" "${rollguardBin}" "$@"\n`);
  await chmod(join(bin, 'rollguard'), 0o755);
  await h.apply(appRelease('web', { image: 'example/web:v1' }));
  await h.waitForStatus('web', 'Ready', (r) => r.status?.currentRevision === 1);
}, 120_000);
afterAll(async () => {
  await h.stop();
  if (bin) await rm(bin, { recursive: true, force: true });
});

/** The lines of the ```sh blocks of a Markdown file, without comments. */
async function shellCommands(file: string): Promise<string[]> {
  const text = await readFile(join(repoDir, file), 'utf8');
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((block) => (block[1] ?? '').split('\n'))
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

describe.each(docs)('the commands of %s', (file) => {
  it('each runs and succeeds against the local stack', async () => {
    const commands = await shellCommands(file);
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      const line = command.replaceAll(' -n shop', ` -n ${h.namespace}`).replaceAll('rollguard-0badc0de', h.taskQueue);
      const result = await runToEnd('bash', ['-c', line], {
        cwd: repoDir,
        env: { ...stackShell(), PATH: `${bin}:${process.env.PATH ?? ''}` },
      });
      expect({ command, code: result.code, stderr: result.stderr }).toMatchObject({ command, code: 0 });
      expect(result.stdout.trim(), command).not.toBe('');
    }
  });
});
