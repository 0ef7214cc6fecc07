// `npm run build` (and `npm pack`, through prepack; and the image's build stage): compiles src/ to
// JavaScript in dist/src, which the installed package and the image run (Node refuses to strip types
// under node_modules), bundles the Kubernetes client those modules import (dist/vendor), then
// bundles the workflow code ahead of time (dist/workflows.js), which
// `rollguard run` loads instead of bundling at start, with the digests of both trees beside it.
import { spawnSync } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { build } from 'rolldown';
import { buildWorkflowBundle, compiledTree } from '../src/server/workflow-bundle.ts';
import { packageRoot, vendoredKubeClient as vendored } from '../src/telemetry/build-info.ts';

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

// The Kubernetes client as one minified module, which the compiled tree imports instead of the
// package. The package's entry loads every generated API and model, 24.7 MB of JavaScript that is
// mostly doc comments, and V8 keeps a module's source text for as long as the process runs: loaded
// from the package, the client took 24.7 MB of JS heap; from this module, 9.3 MB (docs/benchmarks.md,
// "Fourteenth round"). The sources (a clone, the tests) import the package as it is.
started = performance.now();
const kubeClient = '@kubernetes/client-node';
await build({
  input: createRequire(import.meta.url).resolve(kubeClient),
  platform: 'node',
  logLevel: 'warn',
  output: {
    dir: dirname(vendored),
    entryFileNames: 'kubernetes-client-node.js',
    format: 'esm',
    minify: true,
    // Error and class names stay readable in logs.
    keepNames: true,
    cleanDir: true,
  },
});
let rewritten = 0;
for (const entry of await readdir(compiledTree, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
  const file = join(entry.parentPath, entry.name);
  const code = await readFile(file, 'utf8');
  // dist/src/… to dist/vendor/…: always a path up, `../`.
  const rewrote = code.replaceAll(/(['"])@kubernetes\/client-node\1/g, `'${relative(entry.parentPath, vendored)}'`);
  // A path into the package (`@kubernetes/client-node/dist/…`) would load it all beside the bundle.
  if (rewrote.includes(`${kubeClient}/`)) {
    say(`${file} imports a path into ${kubeClient}: import the package itself`);
    process.exit(1);
  }
  if (rewrote === code) continue;
  await writeFile(file, rewrote);
  rewritten++;
}
if (rewritten === 0) {
  say(`no compiled module imports ${kubeClient}: the rewrite to ${vendored} found nothing`);
  process.exit(1);
}
say(`${kubeClient} bundled to ${vendored}, imported by ${rewritten} compiled modules, in ${seconds(started)}s`);

started = performance.now();
const { path, bytes } = await buildWorkflowBundle({ trees: [join(packageRoot, 'src'), compiledTree] });
say(`workflow bundle ${path}: ${(bytes / 2 ** 20).toFixed(1)} MiB in ${seconds(started)}s`);
