import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Which rollguard runs, and from where. In a clone Node runs the TypeScript sources as they are; the
 * installed package (and the image) runs the JavaScript that `npm run build` compiled into dist/src.
 * Files shipped beside the code (the workflow bundle, the CRD) are found from the package root either way.
 */
export const compiled = import.meta.url.endsWith('.js');

/** The folder of rollguard's package.json: the clone, or the installed package. */
export const packageRoot = join(import.meta.dirname, ...(compiled ? ['..', '..', '..'] : ['..', '..']));

/** The version in package.json: what `rollguard --version` prints and the generated CRD records. */
export const rollguardVersion = (
  JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }
).version;

/**
 * The Kubernetes client as `npm run build` bundles it (scripts/build.ts): one minified module, which
 * the compiled tree imports in place of @kubernetes/client-node.
 */
export const vendoredKubeClient = join(packageRoot, 'dist', 'vendor', 'kubernetes-client-node.js');
