// Bundles the workflow code ahead of time (dist/workflows.js), which `rollguard run` then loads
// instead of bundling at start: `npm run build`, and the image's build (deploy/rollguard/Dockerfile).
import { buildWorkflowBundle } from '../src/server/workflow-bundle.ts';

const started = performance.now();
const { path, bytes } = await buildWorkflowBundle();
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.error(`[rollguard] workflow bundle ${path}: ${(bytes / 2 ** 20).toFixed(1)} MiB in ${seconds}s`);
