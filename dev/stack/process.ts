import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { busyPorts, canSeeListeners, describeHolders, holdsPort, portHolders } from './listeners.ts';
import { logsDir, pidsDir } from './paths.ts';
import { describePort, host, type PortName, portOwners, ports } from './ports.ts';

/**
 * A server of the local stack that we start ourselves and track by its recorded pid, so that
 * `stack:down` stops exactly what `stack:up` started and nothing else.
 */
export interface Daemon {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Run as this user instead (a server that refuses to run as root). */
  user?: { uid: number; gid: number };
}

const pidFile = (name: string): string => join(pidsDir, `${name}.pid`);
export const logFile = (name: string): string => join(logsDir, `${name}.log`);

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid recorded for a daemon, when that process is still running. */
export function runningPid(name: string): number | undefined {
  const file = pidFile(name);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/** Starts a daemon detached from this process (it outlives `stack:up`), logging to .data/logs. */
export async function startDaemon(daemon: Daemon): Promise<number> {
  await mkdir(logsDir, { recursive: true });
  await mkdir(pidsDir, { recursive: true });
  const log = openSync(logFile(daemon.name), 'a');
  try {
    const child = spawn(daemon.command, daemon.args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, ...daemon.env },
      ...daemon.user,
    });
    const pid = await new Promise<number>((resolvePid, reject) => {
      child.once('error', (err) => reject(new Error(`cannot start ${daemon.name}: ${err.message}`, { cause: err })));
      child.once('spawn', () => resolvePid(child.pid as number));
    });
    child.unref();
    await writeFile(pidFile(daemon.name), `${pid}\n`);
    return pid;
  } finally {
    closeSync(log);
  }
}

/** Stops a daemon by its recorded pid: `signal` (SIGTERM), then SIGKILL if it has not exited in time. */
export async function stopDaemon(
  name: string,
  { graceMs = 10_000, signal = 'SIGTERM' }: { graceMs?: number; signal?: NodeJS.Signals } = {},
): Promise<boolean> {
  const pid = runningPid(name);
  await rm(pidFile(name), { force: true });
  if (pid === undefined) return false;
  process.kill(pid, signal);
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await delay(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  return true;
}

/** A daemon of the stack that answers on a port: how to tell it is up, and how to start it. */
export interface ServingDaemon {
  name: string;
  /** How messages name it, e.g. "Prometheus". */
  title: string;
  /** The stack's ports it listens on, all of them in this one process. */
  ports: PortName[];
  ready: () => Promise<boolean>;
  timeoutMs: number;
  /** How to ask it to stop, when not SIGTERM. */
  stopSignal?: NodeJS.Signals;
  /** Writes what the daemon needs and says how to run it. */
  prepare: () => Promise<Omit<Daemon, 'name'>>;
}

/** The daemon's ports that process `pid` does not listen on, each with whoever holds it instead. */
async function portsNotHeld(pid: number, names: PortName[]): Promise<string[]> {
  if (!canSeeListeners()) return [];
  const missing = await Promise.all(
    names.map(async (name) => {
      const port = ports[name];
      if (await holdsPort(pid, port)) return undefined;
      const others = (await portHolders(port)).filter((holder) => holder !== pid);
      return `${describePort(name, port)} is ${others.length > 0 ? `held by ${await describeHolders(port)}` : 'not listened on'}, not by pid ${pid}`;
    }),
  );
  return missing.filter((line) => line !== undefined);
}

/**
 * Starts a daemon unless the one we started already answers; refuses when something else answers
 * or holds its ports; returns once it answers from the process we started, on each of its ports.
 */
export async function ensureDaemon(daemon: ServingDaemon): Promise<void> {
  const answering = await daemon.ready().catch(() => false);
  const recorded = runningPid(daemon.name);
  if (answering && recorded !== undefined) {
    const foreign = await portsNotHeld(recorded, daemon.ports);
    if (foreign.length === 0) return;
    throw new Error(
      `what answers as ${daemon.title} is not the process this stack started (pid ${recorded}): ${foreign.join('; ')}`,
    );
  }
  if (answering) {
    const variables = daemon.ports.map((name) => portOwners[name].variable).join(' / ');
    throw new Error(
      `something else already answers where the stack's ${daemon.title} goes; stop it or move the stack with ${variables}`,
    );
  }
  await stopDaemon(daemon.name, daemon.stopSignal ? { signal: daemon.stopSignal } : {});
  const busy = await busyPorts(
    host,
    daemon.ports.map((name) => ({ port: ports[name], what: describePort(name, ports[name]) })),
  );
  if (busy.length > 0) throw new Error(`cannot start ${daemon.title}:\n  ${busy.join('\n  ')}`);
  const pid = await startDaemon({ name: daemon.name, ...(await daemon.prepare()) });
  const holdsItsPorts = async (): Promise<boolean> =>
    !canSeeListeners() || (await Promise.all(daemon.ports.map((name) => holdsPort(pid, ports[name])))).every(Boolean);
  await waitFor(daemon.title, async () => (await daemon.ready()) && (await holdsItsPorts()), {
    timeoutMs: daemon.timeoutMs,
    hint: `see ${logFile(daemon.name)}`,
    giveUp: () => (isAlive(pid) ? undefined : `${daemon.title} (pid ${pid}) exited; see ${logFile(daemon.name)}`),
  });
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` until it returns true, or fails after `timeoutMs` naming what was awaited; fails at
 * once when `giveUp` gives a reason (waiting cannot help any more).
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  {
    timeoutMs = 60_000,
    intervalMs = 250,
    hint = '',
    giveUp = () => undefined,
  }: {
    timeoutMs?: number;
    intervalMs?: number;
    /** Added to the timeout's message: what to look at. */
    hint?: string | (() => string);
    giveUp?: () => string | undefined;
  } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const reason = giveUp();
    if (reason !== undefined) throw new Error(`gave up waiting for ${what}: ${reason}`);
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await delay(intervalMs);
  }
  const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  const extra = typeof hint === 'function' ? hint() : hint;
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${reason}${extra ? `; ${extra}` : ''}`);
}

/** True when an HTTP GET of `url` answers with a 2xx status. */
export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.body?.cancel();
  return res.ok;
}

/** True when a TCP connection to host:port is accepted (a gRPC server that is listening). */
export function tcpOk(hostname: string, port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host: hostname, port, timeout: 2000 });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolvePromise(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
