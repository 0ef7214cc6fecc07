import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runToEnd, type Finished } from '../support/processes.ts';
import { kube } from '../support/stack.ts';

/** A benchmark as `npm run bench -- NAME ARGS` runs it, at smoke size: it must finish and report its table. */
function runBench(file: string, args: string[], nodeFlags: string[] = []): Promise<Finished> {
  const bench = fileURLToPath(new URL(`../../bench/${file}`, import.meta.url));
  return runToEnd(process.execPath, [...nodeFlags, bench, ...args]);
}

/** A benchmark leaves nothing behind: the namespaces it named are gone (not stuck Terminating). */
async function expectGone(stderr: string): Promise<void> {
  const names = /\[bench\] namespaces (.+)/.exec(stderr)?.[1]?.split(', ') ?? [];
  expect(names.length, stderr).toBeGreaterThan(0);
  const clients = kube();
  for (const name of names) await expect(clients.core.readNamespace({ name })).rejects.toMatchObject({ code: 404 });
}

describe('the benchmarks at smoke size', () => {
  it('overhead: 3 Releases and 3 plain Deployments are created and updated, and both sides are reported', async () => {
    const { code, stdout, stderr } = await runBench('overhead.ts', [
      '--releases',
      '3',
      '--deadline',
      '3m',
      '--idle',
      '5s',
    ]);
    expect(code, stderr).toBe(0);
    for (const side of ['plain Deployments', 'rollguard Releases']) {
      for (const phase of ['create', 'update'])
        expect(stdout).toMatch(new RegExp(`\\| ${side} \\| ${phase} \\| \\d+\\.\\d \\|`));
    }
    expect(stdout).toMatch(/ratio rollguard \/ plain: create \d+\.\d\d, bulk update \d+\.\d\d/);
    // Where the cores went: the API server on both sides, Temporal and rollguard on rollguard's.
    expect(stdout).toMatch(/- plain Deployments, update: .*kube-apiserver \d+\.\d s/);
    const rollguardUpdate = /- rollguard Releases, update: (.*)/.exec(stdout)?.[1] ?? '';
    for (const process of ['kube-apiserver', 'temporal', 'rollguard'])
      expect(rollguardUpdate).toMatch(new RegExp(`(^|, )${process} \\d+\\.\\d s`));
    // And what was asked of the API server: rollguard's status writes among the requests of its update.
    const requests = stdout.slice(stdout.indexOf('The requests the API server answered most'));
    expect(requests).toMatch(/- rollguard Releases, update: .*PATCH releases\/status \d+/);
    expect(stderr).toMatch(/rollguard run: RSS \d+ MiB before any Release, \d+ MiB at its peak/);
    expect(stdout).toMatch(/history events per Release after create and update: p50 \d+, max \d+ \(3 workflows\)/);
    // An idle Release's history does not grow.
    expect(stdout).toMatch(/while idle for 5s: the histories grew by 0 events in all/);
    await expectGone(stderr);
  }, 240_000);

  it('overhead: with two workers, one SIGKILLed during the bulk update, the other finishes its Releases', async () => {
    const { code, stdout, stderr } = await runBench('overhead.ts', [
      '--releases',
      '4',
      '--workers',
      '2',
      '--kill-worker',
      '--deadline',
      '3m',
      '--idle',
      '1s',
    ]);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/2 rollguard run processes on task queue bench-/);
    expect(stderr).toMatch(/\d of 4 updated: SIGKILL to worker 2/);
    expect(stderr).toMatch(
      /worker 2: RSS \d+ MiB before any Release, \d+ MiB at its peak \(JS heap \d+ MiB\); \d+\.\d CPU s/,
    );
    expect(stdout).toMatch(/\| rollguard Releases \| update \| \d+\.\d \|/);
    await expectGone(stderr);
  }, 240_000);

  it('overhead: with --split the controller and the worker run as processes of their own, each measured', async () => {
    const { code, stdout, stderr } = await runBench('overhead.ts', [
      '--releases',
      '3',
      '--split',
      '--deadline',
      '3m',
      '--idle',
      '1s',
    ]);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/the controller and 1 worker process\(es\) on task queue bench-/);
    expect(stderr).toMatch(
      /the controller \(rollguard run --controller-only\): RSS \d+ MiB before any Release, \d+ MiB at its peak/,
    );
    expect(stderr).toMatch(
      /worker 2 \(rollguard run --worker-only\): RSS \d+ MiB before any Release, \d+ MiB at its peak/,
    );
    // Both processes' memory while the Releases are held, the controller's first.
    expect(stdout).toMatch(/while idle for 1s: .* held \d+ MiB \+ \d+ MiB \(the first process, then the workers\)/);
    expect(stdout).toMatch(/\| rollguard Releases \| update \| \d+\.\d \|/);
    await expectGone(stderr);
  }, 240_000);

  it('overhead: a side that cannot finish by the deadline says how far it got and fails', async () => {
    const { code, stderr } = await runBench('overhead.ts', ['--releases', '3', '--deadline', '0s']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/FAILED: plain Deployments created: \d of 3 done after 0s \(deadline 0s\)/);
  }, 240_000);

  it('waits: rollouts that never finish are held waiting, and what they cost rollguard run is reported', async () => {
    const { code, stdout, stderr } = await runBench('waits.ts', [
      '--releases',
      '3',
      '--hold',
      '10s',
      '--sample',
      '2s',
      '--deadline',
      '3m',
    ]);
    expect(code, stderr).toBe(0);
    // A row per sample, each with all 3 waits running.
    expect(stdout.match(/^\| \d+ \| 3 \| \d+\.\d \| \d+ \| \d+ \|$/gm)?.length ?? 0, stdout).toBeGreaterThanOrEqual(5);
    expect(stdout).toMatch(/rollguard run: \d+\.\d CPU s in \d+ s \(\d+\.\d % of a core; \d+ µs per waiting rollout/);
    expect(stdout).toMatch(/JS heap floor \d+ MiB in the first half, \d+ MiB in the second/);
    await expectGone(stderr);
  }, 240_000);

  it('rollback: broken Releases are rolled back alone and under load, and the overhead is reported', async () => {
    const { code, stdout, stderr } = await runBench('rollback.ts', [
      '--rollbacks',
      '2',
      '--load',
      '2',
      '--readiness-deadline',
      '3s',
      '--timeout',
      '3m',
    ]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/\| alone, one at a time \| 2 \| -?\d+\.\d \| -?\d+\.\d \| -?\d+\.\d \|/);
    expect(stdout).toMatch(/\| all at once, while 2 others roll out \| 2 \| -?\d+\.\d \|/);
    // rollguard's own part, and Kubernetes alone under the same load, beside it.
    expect(stdout).toMatch(/\| — of which until rollguard applied v1 \| 2 \| -?\d+\.\d \|/);
    expect(stdout).toMatch(
      /\| plain Deployments beside them, set back to v1 at their deadline \(Kubernetes alone\) \| 2 \|/,
    );
    await expectGone(stderr);
  }, 240_000);

  it('probe fan-out: 100 targets are probed and reported', async () => {
    const { code, stdout, stderr } = await runBench('probe-fanout.ts', ['--targets', '100']);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/\b100\b/);
  }, 120_000);

  it('scale: Releases are held, rollguard run restarts without rolling any out again, and the soak is plotted', async () => {
    const { code, stdout, stderr } = await runBench('scale.ts', [
      '--releases',
      '5',
      '--idle',
      '2s',
      '--soak',
      '20s',
      '--sample',
      '5s',
      '--changes-per-minute',
      '12',
      '--deadline',
      '5m',
    ]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/- create: 5 Releases Ready in \d+\.\d s/);
    expect(stdout).toMatch(/- hold: Temporal visibility: count of running workflows 5 in \d+ ms/);
    expect(stdout).toMatch(
      /- restart: .* through all 5 Releases in \d+\.\d s; rolled out again: none; the histories grew by 0 events/,
    );
    // One image change every 5 s for 20 s: 4 rollouts, each one Ready.
    expect(stdout).toMatch(/- soak: 4 rollouts in 20s, all Ready/);
    // A memory row per sample, and the plot written as a PNG.
    expect(stdout.match(/^\| \d+\.\d \| \d+ \| \d+ \| \d+ \|$/gm)?.length ?? 0).toBeGreaterThanOrEqual(5);
    const png = /plotted in (\S+\.png)/.exec(stdout)?.[1];
    expect(png, stdout).toBeDefined();
    expect((await readFile(png!)).subarray(1, 4).toString()).toBe('PNG');
    await expectGone(stderr);
  }, 360_000);

  it('worker floor: each process is weighed alone, from Node to rollguard run', async () => {
    const { code, stdout, stderr } = await runBench('worker-floor.ts', ['--settle', '2s']);
    expect(code, stderr).toBe(0);
    const rss = (process: string): number =>
      Number(
        new RegExp(`^\\| ${process.replace(/[()]/g, '\\$&')} \\| (\\d+) \\| \\d+ \\| \\d+ \\|$`, 'm').exec(stdout)?.[1],
      );
    const node = rss('Node alone (an idle script)');
    const sdk = rss("a Temporal worker with nothing of rollguard's");
    const worker = rss('rollguard run --worker-only');
    // Each a real process's memory: a worker weighs more than Node alone, rollguard's more than the bare SDK's.
    expect(node, stdout).toBeGreaterThan(10);
    expect(sdk, stdout).toBeGreaterThan(node);
    expect(worker, stdout).toBeGreaterThan(sdk);
    for (const process of [
      'the same with @kubernetes/client-node loaded',
      'rollguard run --controller-only',
      'rollguard run (both)',
    ])
      expect(rss(process), stdout).toBeGreaterThan(node);
    await expectGone(stderr);
  }, 240_000);

  it('workflow memory: the module state each workflow holds is weighed, alone and with modules shared', async () => {
    const { code, stdout, stderr } = await runBench('workflow-memory.ts', ['--workflows', '20'], ['--expose-gc']);
    expect(code, stderr).toBe(0);
    const mib = (row: string) => Number(new RegExp(`\\| ${row}[^|]*\\| (-?[0-9.]+) \\|`).exec(stdout)?.[1]);
    expect(mib('nothing shared'), stdout).toBeGreaterThan(0.05);
    // Workflow code loads no schema library: zod stays in the worker's main thread.
    expect(stdout).toMatch(/modules each \(0 of zod\)/);
    // Sharing every module but the workflows' own leaves next to nothing per workflow.
    expect(mib('everything but src/workflows shared'), stdout).toBeLessThan(mib('nothing shared'));
  }, 120_000);

  it("replay: a recorded history replays against today's workflow code, and what each replay costs is reported", async () => {
    const { code, stdout, stderr } = await runBench('replay.ts', ['--replays', '5']);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/checked-specs-rollout-web\.json: \d+ events, replayed 5 times/);
    const cpu = Number(/^\| CPU \(the process, all threads\) \| ([0-9.]+) \|$/m.exec(stdout)?.[1]);
    // A replay is real work: the workflow code runs the history's steps again, through the SDK's core.
    expect(cpu, stdout).toBeGreaterThan(1);
  }, 120_000);

  it('replay: a history that is not one is refused, naming the file', async () => {
    const { code, stderr } = await runBench('replay.ts', ['--history', fileURLToPath(import.meta.url)]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--history .*benchmarks\.test\.ts: .*JSON/);
  });

  it('workflow memory: without --expose-gc it says how to run it', async () => {
    const { code, stderr } = await runBench('workflow-memory.ts', []);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--expose-gc/);
  });
});
