import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { cacheDir, repoRoot } from './paths.ts';
import { delay, isAlive } from './process.ts';

/** A binary of the local stack, built from a pinned Go module under tools/<module>. */
interface Tool {
  module: string;
  version: string;
  /** Output name → Go package path. */
  binaries: Record<string, string>;
  ldflags: string[];
}

const kubeVersion = 'v1.36.3';
const kubeVersionFlags = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
  `-X ${pkg}.gitVersion=${kubeVersion}`,
  `-X ${pkg}.gitMajor=1`,
  `-X ${pkg}.gitMinor=36`,
  `-X ${pkg}.gitTreeState=clean`,
  `-X ${pkg}.buildDate=2026-01-01T00:00:00Z`,
]);

export const tools = {
  kubernetes: {
    module: 'kubernetes',
    version: kubeVersion,
    binaries: {
      'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
      'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
      'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler',
      kubectl: 'k8s.io/kubernetes/cmd/kubectl',
    },
    ldflags: kubeVersionFlags,
  },
  etcd: {
    module: 'etcd',
    version: 'v3.6.16',
    binaries: { etcd: 'go.etcd.io/etcd/server/v3' },
    ldflags: [],
  },
  kwok: {
    module: 'kwok',
    version: 'v0.8.0',
    binaries: { kwok: 'sigs.k8s.io/kwok/cmd/kwok', kwokctl: 'sigs.k8s.io/kwok/cmd/kwokctl' },
    ldflags: [
      '-X sigs.k8s.io/kwok/pkg/consts.Version=0.8.0',
      `-X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${kubeVersion.slice(1)}`,
    ],
  },
  temporal: {
    module: 'temporal',
    version: 'v1.5.1',
    binaries: { temporal: 'github.com/temporalio/cli/cmd/temporal' },
    ldflags: ['-X github.com/temporalio/cli/temporalcli.Version=1.5.1'],
  },
  // The cluster profile's Temporal: the server the CLI above embeds (v1.29.1), its SQL schema tool, and the Web UI
  // server (ui-server v2.42.1, also the CLI's), built from one module whose versions match the CLI's.
  'temporal-server': {
    module: 'temporal-server',
    version: 'v1.29.1',
    binaries: {
      'temporal-server': 'go.temporal.io/server/cmd/server',
      'temporal-sql-tool': 'go.temporal.io/server/cmd/tools/sql',
      'temporal-ui-server': 'github.com/temporalio/ui-server/v2/cmd/server',
    },
    ldflags: [],
  },
  // The install test renders and lints charts/rollguard with it (test/integration/install-manifests.test.ts).
  helm: {
    module: 'helm',
    version: 'v4.3.1',
    binaries: { helm: 'helm.sh/helm/v4/cmd/helm' },
    ldflags: [
      '-X helm.sh/helm/v4/internal/version.version=v4.3.1',
      '-X helm.sh/helm/v4/internal/version.gitTreeState=clean',
    ],
  },
} satisfies Record<string, Tool>;

export type ToolName = keyof typeof tools;

/** The cache folder of a tool: named by version, keyed by everything that changes the build. */
async function toolDir(tool: Tool): Promise<string> {
  const moduleDir = join(repoRoot, 'tools', tool.module);
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(await readFile(join(moduleDir, file)));
  hash.update(JSON.stringify(tool));
  return join(cacheDir, 'tools', `${tool.module}-${tool.version}-${hash.digest('hex').slice(0, 12)}`);
}

/** Path of a built binary (builds it first when missing). */
export async function toolPath(name: ToolName, binary: string): Promise<string> {
  const dir = await ensureTool(name);
  return join(dir, 'bin', binary);
}

/** Builds a tool unless its cache folder is complete; returns that folder. */
export async function ensureTool(name: ToolName, log = console.error): Promise<string> {
  const tool: Tool = tools[name];
  const dir = await toolDir(tool);
  if (existsSync(join(dir, 'complete'))) return dir;
  return await withBuildLock(dir, log, async () => {
    if (existsSync(join(dir, 'complete'))) return dir; // built by whoever held the lock
    await build(name, tool, dir, log);
    return dir;
  });
}

async function build(name: ToolName, tool: Tool, dir: string, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  log(`building ${name} ${tool.version} from tools/${tool.module} (first time on this machine; cached in ${dir})`);
  const staging = `${dir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(join(staging, 'bin'), { recursive: true });
  for (const [binary, pkg] of Object.entries(tool.binaries)) {
    await goBuild(tool, pkg, join(staging, 'bin', binary), (line) => log(`  ${name}: ${line}`));
  }
  await writeFile(join(staging, 'complete'), `${new Date().toISOString()}\n`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, '..'), { recursive: true });
  await rename(staging, dir);
  log(`built ${name} in ${Math.round((Date.now() - started) / 1000)}s`);
}

/**
 * One build of a tool at a time on a machine (a test run and `npm run stack:up` may ask at once):
 * a lock folder holding the builder's pid; a lock whose builder died is taken over.
 */
async function withBuildLock<T>(dir: string, log: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  await mkdir(join(dir, '..'), { recursive: true });
  let waiting = false;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      const owner = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''));
      if (owner && !isAlive(owner)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (!waiting) log(`waiting for another build of ${dir} (pid ${owner || 'unknown'})`);
      waiting = true;
      await delay(1000);
    }
  }
  try {
    await writeFile(join(lock, 'pid'), String(process.pid));
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Runs `go build -v`, turning its package list into a progress line every few seconds. */
function goBuild(tool: Tool, pkg: string, output: string, progress: (line: string) => void): Promise<void> {
  const args = ['build', '-v', '-trimpath', '-ldflags', ['-s -w', ...tool.ldflags].join(' '), '-o', output, pkg];
  const child = spawn('go', args, {
    cwd: join(repoRoot, 'tools', tool.module),
    env: { ...process.env, GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let compiled = 0;
  let lastReport = Date.now();
  const errors: string[] = [];
  const binary = output.split('/').at(-1);
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (/^[\w.-]+(\/[\w.~-]+)*$/.test(line)) compiled++;
    else errors.push(line);
    if (Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      progress(`${binary}: ${compiled} packages compiled`);
    }
  });
  return new Promise((resolvePromise, reject) => {
    child.on('error', (err) => reject(new Error(`cannot run go (is Go installed?): ${err.message}`, { cause: err })));
    child.on('exit', (code) => {
      if (code === 0) {
        progress(`${binary}: done (${compiled} packages)`);
        resolvePromise();
      } else {
        reject(new Error(`go build ${pkg} failed (exit ${code}):\n${errors.slice(-30).join('\n')}`));
      }
    });
  });
}
