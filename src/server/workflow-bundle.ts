import { bundleWorkflowCode } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiled, packageRoot } from '../telemetry/build-info.ts';
import type { Logger } from '../telemetry/log.ts';

/**
 * The workflow code as one prebuilt bundle. Bundling at start costs a worker about 4 s and 230 MiB
 * of resident memory it never gives back (webpack); `npm run build` bundles once, ahead of time, and
 * `rollguard run` loads the result when it was built from the code beside it. A bundle of other
 * sources (a checkout moved on since the build) is not used: the worker bundles at start, as without one.
 *
 * The code beside it is one of two trees: the TypeScript sources (src/, in a clone) or the JavaScript
 * compiled from them (dist/src/, in the installed package and the image). The digest file records a
 * digest per tree the bundle was built with, one `HEX  TREE` line each, as sha256sum writes them.
 */

/** The tree this code runs from: src/, or dist/src/ once compiled. */
const srcDir = fileURLToPath(new URL('..', import.meta.url));
const workflowModule = (name: string): string => join(srcDir, 'workflows', `${name}.${compiled ? 'js' : 'ts'}`);
export const workflowsPath = workflowModule('index');
/** What the bundle loads once for all workflows (src/workflows/stack-depth.ts). */
export const preloadModules = [workflowModule('stack-depth')];
export const prebuiltBundlePath = join(packageRoot, 'dist', 'workflows.js');
/** The compiled tree `npm run build` writes, next to the bundle. */
export const compiledTree = join(packageRoot, 'dist', 'src');

const digestPathOf = (bundlePath: string): string => `${bundlePath}.sha256`;
const treeName = (tree: string): string => relative(packageRoot, tree);

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** A digest of the code a bundle is made of (in `tree`: src/ or dist/src/), and the SDK version that bundles it. */
export async function workflowSourceDigest(tree: string = srcDir): Promise<string> {
  const hash = createHash('sha256');
  const sdk = createRequire(import.meta.url)('@temporalio/workflow/package.json') as { version: string };
  hash.update(`@temporalio/workflow@${sdk.version}\n`);
  // Everything a workflow may import (the lint rules keep it so), besides the Temporal SDK.
  const bundledDirs = [join(tree, 'workflows'), join(tree, 'domain')];
  const files = (await Promise.all(bundledDirs.map(filesUnder))).flat().sort();
  for (const file of files) {
    hash.update(`${relative(tree, file)}\n`);
    hash.update(await readFile(file));
  }
  return hash.digest('hex');
}

/**
 * Bundles the workflow code (to dist/workflows.js by default), with the digest of each tree in `trees`
 * beside it: by default the one this code runs from; `npm run build` adds the tree it just compiled.
 */
export async function buildWorkflowBundle({
  path = prebuiltBundlePath,
  trees = [srcDir],
}: { path?: string; trees?: string[] } = {}): Promise<{ path: string; bytes: number }> {
  const digests = await Promise.all(
    trees.map(async (tree) => `${await workflowSourceDigest(tree)}  ${treeName(tree)}`),
  );
  const { code } = await bundleWorkflowCode({ workflowsPath, preloadModules });
  await mkdir(dirname(path), { recursive: true });
  // Written aside and renamed, so a worker starting meanwhile never reads half a bundle.
  await writeFile(`${path}.tmp`, code);
  await rename(`${path}.tmp`, path);
  await writeFile(digestPathOf(path), `${digests.join('\n')}\n`);
  return { path, bytes: Buffer.byteLength(code) };
}

/** The prebuilt bundle when it was built from the code beside it; undefined (and why, in the log) otherwise. */
export async function prebuiltWorkflowBundle(
  log: Logger,
  path: string = prebuiltBundlePath,
): Promise<{ codePath: string } | undefined> {
  if (!existsSync(path) || !existsSync(digestPathOf(path))) return undefined;
  const [recorded, current] = await Promise.all([readFile(digestPathOf(path), 'utf8'), workflowSourceDigest()]);
  const built = recorded
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find(([, tree]) => tree === treeName(srcDir))?.[0];
  if (built === current) {
    log.info('the worker loads the prebuilt workflow bundle', { bundle: path });
    return { codePath: path };
  }
  log.warn('the prebuilt workflow bundle is of other sources; bundling at start (npm run build makes a new one)', {
    bundle: path,
  });
  return undefined;
}
