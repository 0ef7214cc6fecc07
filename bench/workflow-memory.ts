import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { buildWorkflowBundle, prebuiltBundlePath, prebuiltWorkflowBundle } from '../src/server/workflow-bundle.ts';
import { quiet, readFlags, say, wholeNumber } from './support.ts';

/**
 * What each workflow a worker holds costs in module state. The SDK's worker runs every workflow in one
 * V8 context but gives each its own copy of every module the workflow code imports: module scope runs
 * again per workflow. This loads the prebuilt workflow bundle into a V8 context the same way (one module
 * cache per workflow, routed through globalThis.__webpack_module_cache__ as the SDK does) and measures
 * the heap that N workflows' module graphs hold, then the same with groups of modules shared.
 *
 *   node --expose-gc bench/workflow-memory.ts [--workflows 50]
 */
const { workflows } = readFlags('workflow-memory.ts', () => {
  const { values } = parseArgs({ options: { workflows: { type: 'string', default: '50' } } });
  return { workflows: wholeNumber('--workflows', values.workflows) };
});
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  say('run it with node --expose-gc (npm run bench -- workflow-memory does)');
  process.exit(2);
}

if (!(await prebuiltWorkflowBundle(quiet))) say(`workflow code bundled: ${(await buildWorkflowBundle()).path}`);
const context = vm.createContext({});
let modules: Record<string, unknown> = {};
const cache = new Proxy(
  {},
  {
    get: (_, id: string) => modules[id],
    set: (_, id: string, module) => ((modules[id] = module), true),
    has: (_, id: string) => id in modules,
  },
);
Object.defineProperty(context, '__webpack_module_cache__', { value: cache });
for (const name of ['TextEncoder', 'TextDecoder', 'URL', 'URLSearchParams', 'AbortController', 'console'] as const)
  (context as Record<string, unknown>)[name] = globalThis[name];
new vm.Script(readFileSync(prebuiltBundlePath, 'utf8')).runInContext(context);
const temporal = vm.runInContext('__TEMPORAL__', context) as { importWorkflows(): unknown };

const heapUsed = (): number => {
  gc();
  return v8.getHeapStatistics().used_heap_size;
};

/** MiB of heap per workflow whose module graph is loaded with `shared` modules already in its cache. */
function perWorkflow(shared: Record<string, unknown>): number {
  const held: unknown[] = [];
  const before = heapUsed();
  for (let i = 0; i < workflows; i++) {
    modules = { ...shared };
    held.push(temporal.importWorkflows(), modules);
  }
  const mib = (heapUsed() - before) / workflows / 2 ** 20;
  held.length = 0;
  return mib;
}

modules = {};
temporal.importWorkflows();
const all = modules;
const ids = Object.keys(all);
const sharing = (keep: (id: string) => boolean) => Object.fromEntries(Object.entries(all).filter(([id]) => keep(id)));
const rows: [string, number][] = [
  ['nothing shared (what the worker does)', perWorkflow({})],
  ['zod shared', perWorkflow(sharing((id) => id.includes('/zod/')))],
  [
    'zod and the Release API schemas shared',
    perWorkflow(sharing((id) => id.includes('/zod/') || id.includes('/domain/api/'))),
  ],
  ['everything but src/workflows shared', perWorkflow(sharing((id) => !id.includes('/src/workflows/')))],
];
console.log(
  `${workflows} workflows, ${ids.length} modules each (${ids.filter((id) => id.includes('/zod/')).length} of zod)\n`,
);
console.log('| modules | heap per workflow (MiB) |');
console.log('|---|---:|');
for (const [what, mib] of rows) console.log(`| ${what} | ${mib.toFixed(2)} |`);
