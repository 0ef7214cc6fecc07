import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterDir, startKube } from '../../dev/stack/cluster.ts';
import { delay, isAlive, runningPid, waitFor } from '../../dev/stack/process.ts';
import { startTemporal } from '../../dev/stack/temporal.ts';

/**
 * The fault stack's servers stopped and started as a crash or an outage would, by the pids the
 * stack recorded when it started them (this stack's own, on its own ports: test/faults/stack-env.ts).
 */

async function gone(pid: number, what: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(`${what} (pid ${pid}) to exit`, async () => !isAlive(pid), { timeoutMs, intervalMs: 50 });
}

/** SIGKILL of the Temporal dev server: nothing is flushed or drained; its SQLite file keeps what was committed. */
export async function killTemporal(): Promise<void> {
  const pid = runningPid('temporal');
  if (pid === undefined) throw new Error('the fault stack records no running Temporal server');
  process.kill(pid, 'SIGKILL');
  await gone(pid, 'the Temporal server');
}

/** Starts Temporal again through the stack's own code; resolves once it answers. */
export const restartTemporal = (): Promise<void> => startTemporal();

async function apiserverPid(): Promise<number> {
  const pid = Number((await readFile(join(clusterDir, 'pids', 'kube-apiserver.pid'), 'utf8')).trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid))
    throw new Error('the fault stack records no running kube-apiserver');
  return pid;
}

/**
 * Stops the kube-apiserver as the stack stops its servers: SIGTERM, then SIGKILL when it has not
 * exited within 10 s (it stops listening at once, but may hang draining watches). etcd and the
 * rest of the cluster keep running.
 */
export async function stopApiserver(): Promise<void> {
  const pid = await apiserverPid();
  process.kill(pid, 'SIGTERM');
  await gone(pid, 'the kube-apiserver', 10_000).catch(() => process.kill(pid, 'SIGKILL'));
  await gone(pid, 'the kube-apiserver');
}

/** Starts what of the cluster is stopped (kwokctl start), through the stack's code; resolves once it answers. */
export const startApiserver = (): Promise<void> => startKube(() => undefined);

/** A fault's own duration (an outage of so long), not a wait for something to happen. */
export const outage = (ms: number): Promise<void> => delay(ms);
