import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ReleaseWorker } from '../src/server/worker.ts';
import { buildWorkflowBundle, prebuiltBundlePath, prebuiltWorkflowBundle } from '../src/server/workflow-bundle.ts';
import { quantile, quiet, readFlags, say, wholeNumber } from './support.ts';

/**
 * What a replay costs the worker. A workflow the worker does not hold in its cache is replayed from
 * its whole history for its next task, so a worker whose cache (`--max-cached-workflows`) is smaller
 * than the Releases rolling out at once replays at every step of every rollout (docs/benchmarks.md,
 * "Thirteenth round"). This replays one recorded history --replays times through the SDK's replayer,
 * entering workflow code as `rollguard run` does (its worker class), and reports the CPU time of the
 * whole process per replay: the SDK's core, the workflow code and the calls between them. The replayer
 * runs workflow code on the main thread where the worker runs it on a thread of its own; the work is
 * the same. The first 20 replays warm the process up and are not counted.
 *
 *   node bench/replay.ts [--replays 200] [--history test/fixtures/histories/checked-specs-rollout-web.json]
 */
const defaultHistory = fileURLToPath(
  new URL('../test/fixtures/histories/checked-specs-rollout-web.json', import.meta.url),
);
const { replays, historyPath } = readFlags('replay.ts', () => {
  const { values } = parseArgs({
    options: { replays: { type: 'string', default: '200' }, history: { type: 'string', default: defaultHistory } },
  });
  return { replays: wholeNumber('--replays', values.replays), historyPath: values.history };
});

let json: unknown;
try {
  json = JSON.parse(await readFile(historyPath, 'utf8'));
} catch (err) {
  say(`--history ${historyPath}: ${(err as Error).message}`);
  process.exit(2);
}
const history = historyFromJSON(json);
const events = history.events?.length ?? 0;
if (events === 0) {
  say(`--history ${historyPath}: no events (a history as \`temporal workflow show --output json\` writes it)`);
  process.exit(2);
}

Runtime.install({ logger: new DefaultLogger('WARN') });
if (!(await prebuiltWorkflowBundle(quiet))) say(`workflow code bundled: ${(await buildWorkflowBundle()).path}`);
const options = { workflowBundle: { codePath: prebuiltBundlePath }, replayName: 'bench-replay' };

const warmUp = 20;
async function* histories() {
  for (let i = 0; i < warmUp + replays; i++) yield { workflowId: `replay-${i}`, history };
}
// One stream: the replayer is made once (it loads the workflow bundle) and replays one history after another.
const took: number[] = [];
let cpuBefore = process.cpuUsage();
let last = performance.now();
let done = 0;
for await (const result of ReleaseWorker.runReplayHistories(options, histories())) {
  if (result.error) {
    say(`the history does not replay against today's workflow code: ${result.error.message}`);
    process.exit(1);
  }
  const now = performance.now();
  if (++done === warmUp) cpuBefore = process.cpuUsage();
  else if (done > warmUp) took.push(now - last);
  last = now;
}
const cpu = process.cpuUsage(cpuBefore);
const cpuMs = (cpu.user + cpu.system) / 1000 / replays;
took.sort((a, b) => a - b);

console.log(`${relative(process.cwd(), historyPath)}: ${events} events, replayed ${replays} times\n`);
console.log('| per replay | ms |');
console.log('|---|---:|');
console.log(`| CPU (the process, all threads) | ${cpuMs.toFixed(1)} |`);
console.log(`| elapsed, p50 | ${quantile(took, 0.5).toFixed(1)} |`);
console.log(`| elapsed, p95 | ${quantile(took, 0.95).toFixed(1)} |`);
