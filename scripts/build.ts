// `npm run build` (and `npm pack`, through prepack; and the image's build stage): compiles src/ to
// JavaScript in dist/src, which the installed package and the image run (Node refuses to strip types
// under node_modules), then bundles the workflow code ahead of time (dist/workflows.js), which
// `rollguard run` loads instead of bundling at start, with the digests of both trees beside it.
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildWorkflowBundle, compiledTree } from '../src/server/workflow-bundle.ts';
import { packageRoot } from '../src/telemetry/build-info.ts';

const say = (line: string): void => console.error(`[rollguard] ${line}`);
const seconds = (since: number): string => ((performance.now() - since) / 1000).toFixed(1);

let started = performance.now();
// Anew, so no module of a deleted source file lingers in the package.
await rm(compiledTree, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compile = spawnSync(process.execPath, [tsc, '-p', join(packageRoot, 'tsconfig.build.json')], {
  stdio: 'inherit',
  cwd: packageRoot,
});
if (compile.status !== 0) {
  say(`tsc -p tsconfig.build.json failed (exit ${compile.status ?? compile.signal})`);
  process.exit(1);
}
say(`compiled src/ to ${compiledTree} in ${seconds(started)}s`);

started = performance.now();
const { path, bytes } = await buildWorkflowBundle({ trees: [join(packageRoot, 'src'), compiledTree] });
say(`workflow bundle ${path}: ${(bytes / 2 ** 20).toFixed(1)} MiB in ${seconds(started)}s`);
