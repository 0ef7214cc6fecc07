import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextNodeVersion, nodeRelease } from '../../dev/node-releases.ts';
import { repoRoot } from '../../dev/stack/paths.ts';
import { toolPath } from '../../dev/stack/tools.ts';
import type { Release } from '../../src/domain/api/index.ts';
import { releaseWorkflowId } from '../../src/domain/release/ref.ts';
import { rollguardVersion } from '../../src/telemetry/build-info.ts';
import { installCrd } from '../support/crd.ts';
import { runToEnd } from '../support/processes.ts';
import { createNamespace, deleteNamespace, kube, stackEnv } from '../support/stack.ts';
import { temporalOfStack, terminateQuietly } from '../support/temporal.ts';
import { exampleRelease, RollguardProcess, stackShell } from './cli-process.ts';

// Given the package `npm pack` makes, installed with `npm install -g` into a prefix of its own, as a
// user outside a clone installs it; then run from that prefix's bin on Node 24 and Node 26.

const clients = kube();
let dir = '';
let prefixBin = '';
let ns = '';
let packed: { filename: string; files: { path: string }[] };
const nodes: Record<string, string> = {};
let run: RollguardProcess | undefined;

/** Runs a command to its end, with output. */
function exec(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  return runToEnd(command, args, options);
}

/** The shell of a user of the stack who installed rollguard: that Node first on the PATH, then the prefix's bin. */
const userShell = (node: string): NodeJS.ProcessEnv => ({
  ...stackShell(),
  PATH: [dirname(node), prefixBin, '/usr/bin', '/bin'].join(delimiter),
});
const installed = (node: string, ...args: string[]) => exec('rollguard', args, { env: userShell(node) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rollguard-package-'));
  // prepack builds first: the compiled CLI and the workflow bundle are those of these sources.
  const pack = await exec('npm', ['pack', '--json', '--pack-destination', dir], { cwd: repoRoot });
  expect(pack.code, pack.stderr.slice(-3000)).toBe(0);
  packed = (JSON.parse(pack.stdout) as (typeof packed)[])[0]!;
  const install = await exec('npm', [
    'install',
    '--global',
    '--prefix',
    join(dir, 'prefix'),
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    join(dir, packed.filename),
  ]);
  expect(install.code, install.stderr.slice(-3000)).toBe(0);
  prefixBin = join(dir, 'prefix', 'bin');
  nodes['24'] = process.execPath;
  nodes['26'] = await nodeRelease(nextNodeVersion);
  await installCrd(clients.config);
  ns = await createNamespace(clients, 'package');
}, 600_000);

afterAll(async () => {
  const code = await run?.stop();
  if (ns) {
    const temporal = await temporalOfStack();
    const list = (await clients.releases.list(ns)) as { items: Release[] };
    for (const r of list.items) {
      await clients.releases.patch({ namespace: ns, name: r.metadata.name }, 'merge', {
        metadata: { finalizers: null },
      });
      await terminateQuietly(
        temporal.client,
        releaseWorkflowId({ namespace: ns, name: r.metadata.name, uid: r.metadata.uid ?? '' }),
      );
    }
    await temporal.connection.close();
    await deleteNamespace(clients, ns);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
  if (run) expect(code, run.output.slice(-2000)).toBe(0);
});

describe('the npm package', () => {
  it('ships the compiled CLI, the Kubernetes client it imports, the workflow bundle and the CRD, and nothing of the clone besides', () => {
    const paths = packed.files.map((f) => f.path).sort();
    expect(paths).toEqual(
      expect.arrayContaining([
        'bin/rollguard.js',
        'bin/kubectl-rollguard.js',
        'dist/src/cli/main.js',
        'dist/src/workflows/index.js',
        'dist/vendor/kubernetes-client-node.js',
        'dist/workflows.js',
        'dist/workflows.js.sha256',
        'deploy/crd/release.yaml',
        'package.json',
        'README.md',
      ]),
    );
    const shipped =
      /^(bin\/(kubectl-)?rollguard\.js|dist\/src\/.+\.js|dist\/vendor\/kubernetes-client-node\.js|dist\/workflows\.js(\.sha256)?|deploy\/crd\/release\.yaml|package\.json|README\.md)$/;
    expect(paths.filter((path) => !shipped.test(path))).toEqual([]);
  });

  it.each(['24', '26'])('installed globally, runs on Node %s: --version, --help, completion', async (major) => {
    const node = nodes[major]!;
    const version = await installed(node, '--version');
    expect(version).toEqual({ code: 0, stdout: `rollguard ${rollguardVersion}\n`, stderr: '' });

    const help = await installed(node, '--help');
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: rollguard COMMAND [ARGS] [FLAGS]');

    const script = await installed(node, 'completion', 'bash');
    expect(script.code, script.stderr).toBe(0);
    const completes = await exec('bash', [
      '-c',
      `source <(printf '%s' "$1"); COMP_WORDS=(rollguard hist); COMP_CWORD=1; _rollguard; echo "\${COMPREPLY[@]}"`,
      'bash',
      script.stdout,
    ]);
    expect(completes.stdout).toBe('history\n');
  });

  it.each(['24', '26'])(
    "on Node %s, `rollguard version` reads the stack's CRD and finds it this version's",
    async (major) => {
      const result = await installed(nodes[major]!, 'version');
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(
        `rollguard   ${rollguardVersion} (Release API rollguard.dev/v1alpha1, Node v${major}.`,
      );
      expect(result.stdout).toContain(`Release CRD releases.rollguard.dev of rollguard ${rollguardVersion}`);
      expect(result.stdout).toMatch(/^match\s+yes$/m);
    },
  );

  it('`rollguard run` on Node 26 loads the prebuilt workflow bundle and rolls out what `rollguard deploy` on Node 24 applied', async () => {
    run = new RollguardProcess([join(prefixBin, 'rollguard')]);
    await run.start(ns, [], { env: userShell(nodes['26']!) });
    expect(run.output).toContain('the worker loads the prebuilt workflow bundle');
    expect(run.output).toContain(join(dir, 'prefix', 'lib', 'node_modules', 'rollguard', 'dist', 'workflows.js'));

    const deploy = await installed(nodes['24']!, 'deploy', '-f', exampleRelease, '--wait', '-n', ns);
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(deploy.stdout).toContain(`release ${ns}/web is Ready at revision 1`);

    const list = await installed(nodes['26']!, 'status', '-n', ns);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^web\s+Ready\s/m);
  });

  it('is a kubectl plugin: kubectl finds kubectl-rollguard on the PATH and `kubectl rollguard` runs it', async () => {
    const kubectl = await toolPath('kubernetes', 'kubectl');
    const env = { ...userShell(nodes['24']!), KUBECONFIG: stackEnv.KUBECONFIG };
    const plugins = await exec(kubectl, ['plugin', 'list'], { env });
    expect(plugins.stdout).toContain(join(prefixBin, 'kubectl-rollguard'));

    const version = await exec(kubectl, ['rollguard', '--version'], { env });
    expect(version).toMatchObject({ code: 0, stdout: `rollguard ${rollguardVersion}\n` });
    const status = await exec(kubectl, ['rollguard', 'status', 'web', '-n', ns], { env });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^Phase\s+Ready$/m);
  });
});
