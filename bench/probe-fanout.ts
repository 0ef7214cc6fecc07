import { fork } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createHttpGate } from '../src/activities/checks/http.ts';
import { fetchTransport, nodeTransport } from '../src/activities/checks/transport.ts';

/**
 * Fan-out benchmark of the HTTP health gate: N targets that answer after a known latency, probed with
 * a concurrency bound C. Ideal: ceil(N / C) × latency. Goal: within 5% at N = 1,000, C = 50.
 *   node bench/probe-fanout.ts [--targets 100,1000,5000] [--concurrency 50] [--latency 20]
 *                              [--transport node|fetch] [--origins shared|per-target]
 * shared: the targets are spread over 50 servers and a warm-up round opened the connections (a check
 * probed again within the keep-alive time). per-target: every target is its own server, first contact
 * (pods probed for the first time, or less often than every 5 s): one new connection per probe.
 */
const { values: args } = parseArgs({
  options: {
    targets: { type: 'string', default: '100,1000,5000' },
    concurrency: { type: 'string', default: '50' },
    latency: { type: 'string', default: '20' },
    transport: { type: 'string', default: 'node' },
    origins: { type: 'string', default: 'shared' },
  },
});
const concurrency = Number(args.concurrency);
const latencyMs = Number(args.latency);
const perTarget = args.origins === 'per-target';
const transport = args.transport === 'fetch' ? fetchTransport() : nodeTransport;
const warmUpTargets = 200;

interface Targets {
  ports: number[];
  /** The target servers' CPU time so far (user + system), in µs. */
  cpuMicros: () => Promise<number>;
  stop: () => void;
}

/** Target servers in a child process, so that the prober's CPU time and memory are its own. */
async function startTargets(servers: number): Promise<Targets> {
  const child = fork(new URL('./target-servers.ts', import.meta.url), [String(servers), String(latencyMs)]);
  const reply = <T>(request?: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      child.once('message', (m) => resolve(m as T));
      child.once('exit', (code) => reject(new Error(`target servers exited with ${code}`)));
      if (request) child.send(request);
    });
  const { ports } = await reply<{ ports: number[] }>();
  return {
    ports,
    cpuMicros: async () => {
      const cpu = await reply<NodeJS.CpuUsage>('cpu');
      return cpu.user + cpu.system;
    },
    stop: () => child.disconnect(),
  };
}

/** Peak resident memory while `run` runs, sampled every 10 ms. */
async function withPeakRss<T>(run: () => Promise<T>): Promise<{ result: T; peakRss: number }> {
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 10);
  try {
    const result = await run();
    return { result, peakRss: Math.max(peakRss, process.memoryUsage.rss()) };
  } finally {
    clearInterval(sampler);
  }
}

async function probeAll(urls: string[]): Promise<number> {
  const gate = createHttpGate({ concurrency, transport });
  const started = performance.now();
  const result = await gate.measure({ name: 'healthz', urls, retries: 0, weight: 1 }, {});
  if (result.outcome !== 'Pass') throw new Error(`probes failed: ${result.reason}`);
  return performance.now() - started;
}

/** What one probe takes against these targets, one at a time on a warm connection. */
async function singleProbeMs(url: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 21; i++) times.push(await probeAll([url]));
  return times.sort((a, b) => a - b)[10] as number;
}

async function benchmark(n: number) {
  const targets = await startTargets(perTarget ? n + warmUpTargets : 50);
  try {
    const url = (i: number, ports: number[]) => `http://127.0.0.1:${ports[i % ports.length]}/pod-${i}/healthz`;
    const measured = perTarget ? targets.ports.slice(warmUpTargets) : targets.ports;
    const warm = perTarget ? targets.ports.slice(0, warmUpTargets) : targets.ports;
    await probeAll(Array.from({ length: perTarget ? warmUpTargets : n }, (_, i) => url(i, warm)));
    const single = await singleProbeMs(url(0, warm));
    const urls = Array.from({ length: n }, (_, i) => url(i, measured));
    const rssBefore = process.memoryUsage.rss();
    const targetsCpuBefore = await targets.cpuMicros();
    const cpuBefore = process.cpuUsage();
    const { result: elapsedMs, peakRss } = await withPeakRss(() => probeAll(urls));
    const cpu = process.cpuUsage(cpuBefore);
    const targetsCpuMs = ((await targets.cpuMicros()) - targetsCpuBefore) / 1000;
    const rounds = Math.ceil(n / concurrency);
    return {
      n,
      elapsedMs,
      ideal: rounds * latencyMs,
      single,
      idealMeasured: rounds * single,
      cpuMs: (cpu.user + cpu.system) / 1000,
      targetsCpuMs,
      rssBefore,
      peakRss,
    };
  } finally {
    targets.stop();
  }
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);
const pct = (actual: number, ideal: number): string => `${((actual / ideal - 1) * 100).toFixed(1)}%`;
console.log(
  `node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model.trim()}); transport ${args.transport}, origins ${args.origins}, C = ${concurrency}, latency ${latencyMs} ms, load average ${loadavg()[0]?.toFixed(1)}`,
);
console.log(
  '| N | elapsed | ideal | over ideal | one probe | over ceil(N/C) × one probe | probes/s | prober CPU/probe | targets CPU/probe | RSS before → peak |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const n of args.targets.split(',').map(Number)) {
  const r = await benchmark(n);
  const cells = [
    r.n,
    `${r.elapsedMs.toFixed(0)} ms`,
    `${r.ideal} ms`,
    pct(r.elapsedMs, r.ideal),
    `${r.single.toFixed(1)} ms`,
    pct(r.elapsedMs, r.idealMeasured),
    (r.n / (r.elapsedMs / 1000)).toFixed(0),
    `${((r.cpuMs / r.n) * 1000).toFixed(0)} µs`,
    `${((r.targetsCpuMs / r.n) * 1000).toFixed(0)} µs`,
    `${mib(r.rssBefore)} → ${mib(r.peakRss)} MiB`,
  ];
  console.log(`| ${cells.join(' | ')} |`);
}
