import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { releaseResource } from '../src/domain/api/index.ts';
import {
  benchCluster,
  duration,
  metricValue,
  patiently,
  readFlags,
  removeNamespaces,
  say,
  startRollguard,
  wholeNumber,
} from './support.ts';

/**
 * What rollouts in flight cost the worker while they wait. N Releases get an image whose pods never
 * become Ready (kwok's "-broken" tag) and a readiness deadline longer than the run, so each holds one
 * wait (awaitRollout) for the whole run. Once all N wait, `rollguard run` is sampled every --sample
 * for --hold: its CPU time, its RSS, and its main thread's JS heap in use. The heap's lowest point
 * in each half of the hold is what it keeps after garbage collection: a floor that rises from the
 * first half to the second is memory the waits keep, not garbage.
 *
 *   node bench/waits.ts [--releases 500] [--hold 5m] [--sample 10s] [--deadline 10m]
 *
 * --deadline bounds the wait for the N waits to start; if they do not, it says how many did and fails.
 */
const flags = readFlags('waits.ts', () => {
  const { values } = parseArgs({
    options: {
      releases: { type: 'string', default: '500' },
      hold: { type: 'string', default: '5m' },
      sample: { type: 'string', default: '10s' },
      deadline: { type: 'string', default: '10m' },
    },
  });
  const holdMs = duration('--hold', values.hold);
  const sampleMs = duration('--sample', values.sample);
  if (sampleMs < 1_000) throw new Error(`--sample must be at least 1s, not "${values.sample}"`);
  if (holdMs < 2 * sampleMs) throw new Error(`--hold must be at least two --sample intervals, not "${values.hold}"`);
  return {
    n: wholeNumber('--releases', values.releases),
    holdMs,
    holdText: values.hold,
    sampleMs,
    deadlineMs: duration('--deadline', values.deadline),
    deadlineText: values.deadline,
  };
});

const id = Date.now().toString(36).slice(-5);
const namespace = `bench-${id}-waits`;
const name = (i: number): string => `wait-${String(i).padStart(5, '0')}`;
// Longer than the whole run, so no wait ends (and no rollback starts) while it is measured.
const readinessDeadline = `${Math.ceil((flags.deadlineMs + flags.holdMs) / 60_000) + 10}m`;

interface Sample {
  atS: number;
  cpuSeconds: number;
  rssMiB: number;
  heapMiB: number;
  waits: number;
}

const mib = (bytes: number): number => bytes / 2 ** 20;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<number> {
  const { kube } = await benchCluster([namespace]);
  const rollguard = await startRollguard({ id, namespace, kube });
  const waiting = async (): Promise<number> => metricValue(await rollguard.metrics(), 'rollguard_worker_waits');
  const samples: Sample[] = [];
  try {
    say(`creating ${flags.n} Releases whose pods never become Ready (readiness deadline ${readinessDeadline})`);
    const limit = pLimit(32);
    await Promise.all(
      Array.from({ length: flags.n }, (_, i) =>
        limit(() =>
          patiently(() =>
            kube.releases.create(namespace, {
              apiVersion: releaseResource.apiVersion,
              kind: releaseResource.kind,
              metadata: { name: name(i) },
              spec: {
                template: {
                  replicas: 1,
                  selector: { matchLabels: { app: name(i) } },
                  template: {
                    metadata: { labels: { app: name(i) } },
                    spec: { containers: [{ name: 'app', image: 'example/app:v1-broken' }] },
                  },
                },
                healthChecks: { readiness: { deadline: readinessDeadline } },
                analysis: { window: '1s' },
              },
            }),
          ),
        ),
      ),
    );
    const started = Date.now();
    for (let now = await waiting(); now < flags.n; now = await waiting()) {
      if (Date.now() - started > flags.deadlineMs)
        throw new Error(`${now} of ${flags.n} waits running after ${flags.deadlineText} (--deadline)`);
      say(`${now} of ${flags.n} waits running`);
      await sleep(5_000);
    }

    say(`all ${flags.n} waiting; sampling rollguard run every ${flags.sampleMs / 1000}s for ${flags.holdText}`);
    const heldFrom = Date.now();
    for (;;) {
      const usage = rollguard.usage();
      const text = await rollguard.metrics();
      samples.push({
        atS: (Date.now() - heldFrom) / 1000,
        cpuSeconds: usage.cpuSeconds,
        rssMiB: usage.rssMiB,
        heapMiB: mib(metricValue(text, 'nodejs_heap_size_used_bytes')),
        waits: metricValue(text, 'rollguard_worker_waits'),
      });
      if (Date.now() - heldFrom >= flags.holdMs) break;
      await sleep(flags.sampleMs);
    }
  } finally {
    await removeNamespaces(kube, [namespace]);
    await rollguard.stop();
  }

  const first = samples[0]!;
  const last = samples.at(-1)!;
  const heldS = last.atS - first.atS;
  const cpu = last.cpuSeconds - first.cpuSeconds;
  const halves = [samples.slice(0, samples.length >> 1), samples.slice(samples.length >> 1)];
  const floors = halves.map((half) => Math.min(...half.map((s) => s.heapMiB)));
  const rss = samples.map((s) => s.rssMiB);
  console.log(`${flags.n} rollouts waiting for ${heldS.toFixed(0)} s, sampled every ${flags.sampleMs / 1000} s\n`);
  console.log(
    '| at (s) | waits | rollguard run CPU (s) | RSS (MiB) | JS heap in use (MiB) |\n|---:|---:|---:|---:|---:|',
  );
  for (const s of samples)
    console.log(
      `| ${s.atS.toFixed(0)} | ${s.waits} | ${(s.cpuSeconds - first.cpuSeconds).toFixed(1)} | ${s.rssMiB.toFixed(0)} | ${s.heapMiB.toFixed(0)} |`,
    );
  console.log(
    `\nrollguard run: ${cpu.toFixed(1)} CPU s in ${heldS.toFixed(0)} s (${((100 * cpu) / heldS).toFixed(1)} % of a core; ` +
      `${((1_000_000 * cpu) / heldS / flags.n).toFixed(0)} µs per waiting rollout per second)`,
  );
  console.log(
    `RSS ${Math.min(...rss).toFixed(0)}–${Math.max(...rss).toFixed(0)} MiB; ` +
      `JS heap floor ${floors[0]!.toFixed(0)} MiB in the first half, ${floors[1]!.toFixed(0)} MiB in the second`,
  );
  const lost = samples.filter((s) => s.waits !== flags.n).length;
  if (lost > 0) {
    say(`FAILED: ${lost} of ${samples.length} samples saw other than ${flags.n} waits running`);
    return 1;
  }
  return 0;
}

process.exitCode = await main().catch((err: unknown) => {
  say(`FAILED: ${(err as Error).message}`);
  return 1;
});
