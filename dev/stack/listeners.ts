import { existsSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';

/**
 * Which process holds a TCP port, read from /proc (Linux): the kernel's socket tables name the
 * listening socket's inode, and the process holding it has a file descriptor pointing at it.
 */

const tcpListen = '0A';

/** The listening sockets of a /proc/net/tcp or tcp6 table: port and socket inode. */
export function parseListeningSockets(table: string): { port: number; inode: number }[] {
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length > 9 && fields[3] === tcpListen)
    .map((fields) => ({ port: parseInt(fields[1]?.split(':').at(-1) ?? '', 16), inode: Number(fields[9]) }))
    .filter(({ port, inode }) => Number.isInteger(port) && inode > 0);
}

export const canSeeListeners = (): boolean => existsSync('/proc/net/tcp');

async function listeningInodes(port: number): Promise<Set<number>> {
  const tables = await Promise.all(
    ['/proc/net/tcp', '/proc/net/tcp6'].map((file) => readFile(file, 'utf8').catch(() => '')),
  );
  return new Set(
    tables
      .flatMap(parseListeningSockets)
      .filter((socket) => socket.port === port)
      .map((socket) => socket.inode),
  );
}

async function socketInodesOf(pid: number): Promise<number[]> {
  const dir = `/proc/${pid}/fd`;
  const fds = await readdir(dir).catch(() => []);
  const targets = await Promise.all(fds.map((fd) => readlink(`${dir}/${fd}`).catch(() => '')));
  return targets.flatMap((target) => {
    const match = /^socket:\[(\d+)\]$/.exec(target);
    return match ? [Number(match[1])] : [];
  });
}

/** True when process `pid` holds a socket listening on `port`. */
export async function holdsPort(pid: number, port: number): Promise<boolean> {
  const inodes = await listeningInodes(port);
  return (await socketInodesOf(pid)).some((inode) => inodes.has(inode));
}

/** The processes holding a socket listening on `port` (those this user may look into). */
export async function portHolders(port: number): Promise<number[]> {
  const inodes = await listeningInodes(port);
  if (inodes.size === 0) return [];
  const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry)).map(Number);
  const holding = await Promise.all(
    pids.map(async (pid) => (await socketInodesOf(pid)).some((inode) => inodes.has(inode))),
  );
  return pids.filter((_, i) => holding[i]);
}

/** A process's command line, for messages and for what it was told (e.g. --etcd-servers). */
export async function commandLine(pid: number): Promise<string[]> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return raw.split('\0').filter(Boolean);
}

/** "pid 123 (etcd --data-dir ...)", shortened, or "an unknown process" when none is visible. */
export async function describeHolders(port: number): Promise<string> {
  const pids = await portHolders(port).catch(() => []);
  if (pids.length === 0) return 'a process this user cannot see';
  const described = await Promise.all(
    pids.map(async (pid) => {
      const line = (await commandLine(pid)).join(' ');
      return `pid ${pid} (${line.length > 120 ? `${line.slice(0, 117)}...` : line})`;
    }),
  );
  return described.join(', ');
}

/** True when nothing listens on host:port, tried by binding it as the server would. */
export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** For each wanted port that something holds: "<what> is in use by pid 123 (...)". */
export async function busyPorts(host: string, wanted: { port: number; what: string }[]): Promise<string[]> {
  const free = await Promise.all(wanted.map(({ port }) => portFree(host, port)));
  return await Promise.all(
    wanted
      .filter((_, i) => !free[i])
      .map(async ({ port, what }) => `${what} is in use by ${await describeHolders(port)}`),
  );
}
