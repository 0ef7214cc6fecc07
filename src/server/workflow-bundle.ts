import { bundleWorkflowCode } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../telemetry/log.ts';

/**
 * The workflow code as one prebuilt bundle. Bundling at start costs a worker about 4 s and 230 MiB
 * of resident memory it never gives back (webpack); `npm run build` bundles once, ahead of time, and
 * `rollguard run` loads the result when it was built from the sources beside it. A bundle of other
 * sources (a checkout moved on since the build) is not used: the worker bundles at start, as without one.
 */

const srcDir = fileURLToPath(new URL('..', import.meta.url));
export const workflowsPath = join(srcDir, 'workflows', 'index.ts');
/** Everything a workflow may import (the lint rules keep it so), besides the Temporal SDK. */
const bundledDirs = [join(srcDir, 'workflows'), join(srcDir, 'domain')];
export const prebuiltBundlePath = join(srcDir, '..', 'dist', 'workflows.js');
const digestPath = `${prebuiltBundlePath}.sha256`;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** A digest of the sources the bundle is made of and the SDK version that bundles them. */
export async function workflowSourceDigest(): Promise<string> {
  const hash = createHash('sha256');
  const sdk = createRequire(import.meta.url)('@temporalio/workflow/package.json') as { version: string };
  hash.update(`@temporalio/workflow@${sdk.version}\n`);
  const files = (await Promise.all(bundledDirs.map(filesUnder))).flat().sort();
  for (const file of files) {
    hash.update(`${relative(srcDir, file)}\n`);
    hash.update(await readFile(file));
  }
  return hash.digest('hex');
}

/** Bundles the workflow code to dist/workflows.js with the digest of its sources beside it. */
export async function buildWorkflowBundle(): Promise<{ path: string; bytes: number }> {
  const digest = await workflowSourceDigest();
  const { code } = await bundleWorkflowCode({ workflowsPath });
  await mkdir(dirname(prebuiltBundlePath), { recursive: true });
  // Written aside and renamed, so a worker starting meanwhile never reads half a bundle.
  await writeFile(`${prebuiltBundlePath}.tmp`, code);
  await rename(`${prebuiltBundlePath}.tmp`, prebuiltBundlePath);
  await writeFile(digestPath, `${digest}\n`);
  return { path: prebuiltBundlePath, bytes: Buffer.byteLength(code) };
}

/** The prebuilt bundle when it matches the sources; undefined (and why, in the log) otherwise. */
export async function prebuiltWorkflowBundle(log: Logger): Promise<{ codePath: string } | undefined> {
  if (!existsSync(prebuiltBundlePath) || !existsSync(digestPath)) return undefined;
  const [built, current] = await Promise.all([
    readFile(digestPath, 'utf8').then((text) => text.trim()),
    workflowSourceDigest(),
  ]);
  if (built === current) return { codePath: prebuiltBundlePath };
  log.warn('the prebuilt workflow bundle is of other sources; bundling at start (npm run build makes a new one)', {
    bundle: prebuiltBundlePath,
  });
  return undefined;
}
