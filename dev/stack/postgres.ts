import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dataDir } from './paths.ts';
import { host, ports } from './ports.ts';
import { ensureDaemon, stopDaemon } from './process.ts';

const run = promisify(execFile);
const name = 'postgres';
const dir = join(dataDir, 'postgres');
const clusterData = join(dir, 'data');

/** The role Temporal connects as: the cluster's superuser, trusted on loopback only. */
export const postgresUser = 'temporal';

/** Debian's PostgreSQL binaries, the newest version installed, or undefined when there is none. */
function findBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)) : [];
  const newest = versions
    .sort((a, b) => Number(b) - Number(a))
    .find((v) => existsSync(join(root, v, 'bin', 'postgres')));
  return newest === undefined ? undefined : join(root, newest, 'bin');
}

/**
 * Installs Debian's `postgresql` when it is missing (the cluster profile's only Debian package; the
 * default profile does without). apt-get needs root, elsewhere sudo; its package lists are fetched
 * only when the install fails without them.
 */
function ensureInstalled(log: (line: string) => void): string {
  const found = findBinDir();
  if (found) return found;
  const asRoot = (args: string[]): [string, string[]] =>
    process.getuid?.() === 0 ? ['apt-get', args] : ['sudo', ['apt-get', ...args]];
  const apt = (args: string[]): boolean => {
    const [command, argv] = asRoot(args);
    const result = spawnSync(command, argv, {
      stdio: ['ignore', 2, 2],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    return result.status === 0;
  };
  const install = ['install', '-y', '-q', '--no-install-recommends', 'postgresql'];
  log('installing the Debian package postgresql (the cluster profile keeps Temporal in PostgreSQL)');
  if (!apt(install) && !(apt(['update', '-q']) && apt(install)))
    throw new Error('cannot install the Debian package postgresql; install it with your package manager');
  const installed = findBinDir();
  if (!installed)
    throw new Error('the Debian package postgresql is installed but /usr/lib/postgresql/*/bin/postgres is not');
  return installed;
}

/** PostgreSQL refuses to run as root: as root, it runs as the `postgres` user Debian's package creates. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === 'postgres');
  if (!entry) throw new Error('PostgreSQL cannot run as root and there is no postgres user; reinstall postgresql');
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

/** The stack's own PostgreSQL cluster: created once in the data directory, kept across restarts. */
async function initCluster(binDir: string, user: { uid: number; gid: number } | undefined): Promise<void> {
  if (existsSync(join(clusterData, 'PG_VERSION'))) return;
  await mkdir(dir, { recursive: true });
  await mkdir(clusterData, { recursive: true, mode: 0o700 });
  if (user) await chown(clusterData, user.uid, user.gid);
  const args = ['-D', clusterData, '-U', postgresUser, '--auth=trust', '--encoding=UTF8', '--locale=C'];
  try {
    await run(join(binDir, 'initdb'), args, { ...user });
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(
      `initdb ${clusterData} failed${user ? ' (as the postgres user, who must be able to reach that folder)' : ''}: ${stderr ?? String(err)}`,
      { cause: err },
    );
  }
}

/** The `psql` that runs one statement against the stack's PostgreSQL; stdout is its unaligned result. */
export async function psql(database: string, sql: string): Promise<string> {
  const binDir = findBinDir();
  if (!binDir) throw new Error('PostgreSQL is not installed');
  const args = ['-h', host, '-p', String(ports.postgres), '-U', postgresUser, '-d', database, '-XAtq', '-c', sql];
  return (await run(join(binDir, 'psql'), args)).stdout.trim();
}

/**
 * Debian's PostgreSQL on a loopback port of the stack's own, with its cluster in the stack's data
 * directory: never the system's cluster or port. TCP only (no socket in /var/run/postgresql).
 */
export async function startPostgres(log: (line: string) => void): Promise<void> {
  const binDir = ensureInstalled(log);
  const user = serverUser();
  await ensureDaemon({
    name,
    title: 'PostgreSQL',
    ports: ['postgres'],
    ready: async () => {
      await run(join(binDir, 'pg_isready'), ['-q', '-h', host, '-p', String(ports.postgres)]);
      return true;
    },
    timeoutMs: 60_000,
    // A fast shutdown: SIGTERM would wait for every client (Temporal's services) to disconnect.
    stopSignal: 'SIGINT',
    async prepare() {
      await initCluster(binDir, user);
      const args = [
        '-D',
        clusterData,
        '-c',
        `listen_addresses=${host}`,
        '-c',
        `port=${ports.postgres}`,
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=200',
        '-c',
        'fsync=off',
      ];
      return { command: join(binDir, 'postgres'), args, ...(user ? { user } : {}) };
    },
  });
}

export const stopPostgres = (): Promise<boolean> => stopDaemon(name, { signal: 'SIGINT', graceMs: 30_000 });
