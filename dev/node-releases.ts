import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir } from './stack/paths.ts';

/**
 * Node releases the package is tested on besides the project's own (the `node` devDependency): the
 * npm registry's `node` package installs a real Node binary, so a release is fetched as the project's
 * own is, into the cache by version, once per machine.
 */
export const nextNodeVersion = '26.10.0';

const run = (command: string, args: string[], cwd: string): string => {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.error) throw new Error(`cannot run ${command}: ${result.error.message}`, { cause: result.error });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr.slice(-2000)}`);
  return result.stdout;
};

/** The node binary of a release: `npm install node@VERSION` into ${cacheDir}/node/VERSION on first use. */
export async function nodeRelease(version: string, log: (line: string) => void = console.error): Promise<string> {
  const dir = join(cacheDir, 'node', version);
  const binary = join(dir, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(join(dir, 'complete'))) return binary;
  log(`installing Node ${version} from the npm registry (once per machine; cached in ${dir})`);
  const staging = `${dir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  // The `node` package's install script fetches the binary of this platform: allowed by name, as the project allows it.
  const manifest = { private: true, dependencies: { node: version }, allowScripts: { node: true } };
  await writeFile(join(staging, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  run('npm', ['install', '--no-audit', '--no-fund'], staging);
  const actual = run(join(staging, 'node_modules', 'node', 'bin', 'node'), ['--version'], staging).trim();
  if (actual !== `v${version}`) throw new Error(`npm installed Node ${actual} for node@${version}`);
  await writeFile(join(staging, 'complete'), `${new Date().toISOString()}\n`);
  // Another run may have installed it meanwhile: then its copy stays and ours goes.
  if (existsSync(join(dir, 'complete'))) await rm(staging, { recursive: true, force: true });
  else {
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
  }
  return binary;
}
