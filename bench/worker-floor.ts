import { bundleWorkflowCode } from '@temporalio/worker';
import { spawn, type ChildProcess } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { dataDir } from '../dev/stack/paths.ts';
import { stackEnv } from '../dev/stack/stack.ts';
import { compiledTree } from '../src/server/workflow-bundle.ts';
import { vendoredKubeClient } from '../src/telemetry/build-info.ts';
import {
  benchCluster,
  compiledRollguard,
  type CompiledRollguard,
  duration,
  quantile,
  readFlags,
  removeNamespaces,
  residentMemory,
  say,
  startRollguard,
} from './support.ts';

/**
 * What a worker weighs before it holds any Release, taken apart: Node alone, a Temporal worker with
 * nothing of rollguard's (the SDK, a one-line workflow, bench/floor/worker.ts), the same with the
 * Kubernetes client loaded (the package, and the module `npm run build` bundles it into), then `rollguard
 * run` as a worker only, as the controller only, and as both (from the TypeScript sources, as the other
 * benchmarks run it), and as a worker and as the controller compiled by `npm run build`.
 * Each process is started alone on the local stack, left to settle for --settle, and its resident
 * memory read from /proc (the median of the second half of its one-second samples). V8 gives back an
 * idle heap's pages only some 20 s after a process went idle (its memory reducer): a settle much
 * shorter than a minute weighs the garbage of the start (about 60 MiB more for `rollguard run`).
 *
 *   node bench/worker-floor.ts [--settle 60s]
 */
const { settleMs } = readFlags('worker-floor.ts', () => {
  const { values } = parseArgs({ options: { settle: { type: 'string', default: '60s' } } });
  const settleMs = duration('--settle', values.settle);
  if (settleMs < 2_000) throw new Error(`--settle must be at least 2s, not "${values.settle}"`);
  return { settleMs };
});

type Memory = Awaited<ReturnType<typeof residentMemory>>;

/** Samples a process every second for --settle; the median of each figure over the second half. */
async function settled(pid: number): Promise<Memory> {
  const samples: Memory[] = [];
  for (const until = Date.now() + settleMs; Date.now() < until;) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    samples.push(await residentMemory(pid));
  }
  const late = samples.slice(Math.floor(samples.length / 2));
  const median = (pick: (m: Memory) => number): number =>
    quantile(
      late.map(pick).sort((a, b) => a - b),
      0.5,
    );
  return { rssMiB: median((m) => m.rssMiB), anonMiB: median((m) => m.anonMiB), fileMiB: median((m) => m.fileMiB) };
}

/** A child node process, resolved once it printed `ready` on stdout (or failed naming its output). */
async function started(args: string[], ready: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start in 60s: ${output}`)), 60_000);
    for (const stream of [child.stdout, child.stderr])
      stream.on('data', (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-4000);
        if (!output.includes(ready)) return;
        clearTimeout(timer);
        resolve();
      });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}: ${output}`));
    });
  });
  return child;
}

async function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

async function main(): Promise<number> {
  const id = Date.now().toString(36).slice(-5);
  const namespace = `bench-${id}-floor`;
  const { kube } = await benchCluster([namespace]);
  // Bundled here, so that webpack's memory is the benchmark's and not the weighed worker's.
  const bundle = join(dataDir, `bench-${id}-floor-workflows.js`);
  const { code } = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('floor/workflows.ts', import.meta.url)),
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    },
  });
  await writeFile(bundle, code);
  const bareWorker = (kubeClient?: string): string[] => [
    fileURLToPath(new URL('floor/worker.ts', import.meta.url)),
    '--address',
    stackEnv.TEMPORAL_ADDRESS,
    '--namespace',
    stackEnv.TEMPORAL_NAMESPACE,
    '--task-queue',
    `bench-${id}-floor`,
    '--bundle',
    bundle,
    ...(kubeClient ? ['--kube-client', kubeClient] : []),
  ];
  const plain: [string, string[], string][] = [
    ['Node alone (an idle script)', ['-e', 'console.log("ready"); setInterval(() => {}, 60_000)'], 'ready'],
    ["a Temporal worker with nothing of rollguard's", bareWorker(), 'polling'],
    ['the same with @kubernetes/client-node loaded', bareWorker('@kubernetes/client-node'), 'polling'],
  ];
  if (existsSync(vendoredKubeClient))
    plain.push([
      'the same with the client as `npm run build` bundles it (dist/vendor)',
      bareWorker(pathToFileURL(vendoredKubeClient).href),
      'polling',
    ]);
  const rows: string[] = [];
  const row = (what: string, m: Memory): void => {
    rows.push(`| ${what} | ${m.rssMiB.toFixed(0)} | ${m.anonMiB.toFixed(0)} | ${m.fileMiB.toFixed(0)} |`);
    say(`${what}: RSS ${m.rssMiB.toFixed(0)} MiB (anonymous ${m.anonMiB.toFixed(0)}, files ${m.fileMiB.toFixed(0)})`);
  };
  try {
    for (const [what, args, ready] of plain) {
      const child = await started(args, ready);
      try {
        row(what, await settled(child.pid!));
      } finally {
        await stopped(child);
      }
    }
    const runs: [string, string[], number | undefined, CompiledRollguard?][] = [
      ['rollguard run --worker-only', [], 2],
      ['rollguard run --controller-only', ['--controller-only'], undefined],
      ['rollguard run (both)', [], undefined],
    ];
    // And the worker as the image runs it, compiled, when `npm run build` has compiled it.
    const compiled = compiledRollguard();
    if (compiled)
      runs.push(
        ['rollguard run --worker-only, compiled (dist/src, as the image runs it)', [], 2, compiled],
        ['rollguard run --controller-only, compiled', ['--controller-only'], undefined, compiled],
      );
    else say(`no ${compiledTree}: npm run build compiles it, and the compiled worker is weighed too`);
    for (const [what, extraArgs, worker, compiledCli] of runs) {
      const rollguard = await startRollguard({
        id,
        namespace,
        kube,
        extraArgs,
        ...(worker ? { worker } : {}),
        ...compiledCli,
      });
      try {
        row(what, await settled(rollguard.pid));
      } finally {
        await rollguard.stop();
      }
    }
  } finally {
    await rm(bundle, { force: true });
    await removeNamespaces(kube, [namespace]);
  }
  console.log(`Each process alone, idle, no Release (settled for ${settleMs / 1000} s):\n`);
  console.log('| process | RSS (MiB) | anonymous | files (code) |\n|---|---:|---:|---:|');
  console.log(rows.join('\n'));
  return 0;
}

process.exitCode = await main().catch((err: unknown) => {
  say(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
});
