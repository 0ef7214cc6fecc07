import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cacheDir } from '../stack/paths.ts';

/**
 * podman and buildah as the image build runs them: rootful, on a container storage of the project's
 * own (not the machine's /var/lib/containers), everything given as flags. Not as CONTAINERS_CONF or
 * CONTAINERS_STORAGE_CONF: conmon starts `podman container cleanup` with a cleared environment, and a
 * cleanup that reads other settings than the run fails, which podman 4.3 waits 20 s for at every exit.
 */
const storage = [
  '--root',
  join(cacheDir, 'containers', 'storage'),
  // Run-time state (locks, mounts) is gone after a reboot, as its place must be.
  '--runroot',
  '/run/rollguard-containers',
  '--storage-driver',
  'overlay',
];

/**
 * runc, not crun: crun 1.8 refuses a machine with cgroup v1 controllers and a cgroup v2 mount beside
 * them ("cgroups in hybrid mode"), as a sandbox may have. Events to a file, for want of journald.
 */
const podmanFlags = [...storage, '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];

/**
 * The open-files and process limits a container gets: at most what this shell has. podman's defaults
 * (1048576) are above the hard limit where the process may not raise it (no CAP_SYS_RESOURCE).
 */
export function ulimits(): string[] {
  const limit = (flag: string): number =>
    Number(spawnSync('sh', ['-c', `ulimit ${flag}`], { encoding: 'utf8' }).stdout.trim()) || 1024;
  const files = Math.min(limit('-Hn'), 65536);
  return ['--ulimit', `nofile=${files}:${files}`, '--ulimit', `nproc=${Math.min(limit('-Hu'), 4096)}:4096`];
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], log?: (line: string) => void): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (log) for (const line of chunk.toString().split('\n')) if (line) log(line);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (err) => reject(new Error(`cannot run ${command}: ${err.message}`, { cause: err })));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** podman with the project's storage, as a command line to spawn. */
export const podmanCommand: readonly string[] = ['podman', ...podmanFlags];

/** Runs podman with the project's storage; resolves whatever it exits with. */
export const podman = (args: string[]): Promise<Ran> => run('podman', [...podmanFlags, ...args]);

/** Runs buildah with the project's storage, its steps' output line by line to `log`. */
export const buildah = (args: string[], log?: (line: string) => void): Promise<Ran> =>
  run('buildah', [...storage, ...args], log);

/** Throws unless the command succeeded; returns its standard output. */
export function succeeded(what: string, result: Ran): string {
  if (result.code !== 0)
    throw new Error(`${what} failed (exit ${result.code}):\n${(result.stderr || result.stdout).slice(-3000)}`);
  return result.stdout;
}
