import { chmod, copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltImage, buildImage } from '../../dev/image/image.ts';
import { podman, podmanCommand, ulimits } from '../../dev/image/containers.ts';
import { rollguardVersion } from '../../src/telemetry/build-info.ts';
import { installCrd } from '../support/crd.ts';
import type { Release } from '../../src/domain/api/index.ts';
import { appRelease } from '../support/release-specs.ts';
import { createNamespace, kube, stackEnv, waitFor } from '../support/stack.ts';
import { removeReleases, RollguardProcess } from './cli-process.ts';

// Given the image `npm run image` builds from deploy/rollguard/Dockerfile (bases made from Debian
// packages, layers cached), run as a cluster runs it: read-only root filesystem, a tmpfs at /tmp.

let image: BuiltImage;

/** `podman run`'s arguments as the Deployment runs the image: read-only root, a tmpfs at /tmp, the host's network. */
const asDeployed = (): string[] => ['run', '--rm', '--read-only', '--tmpfs', '/tmp', '--network', 'host', ...ulimits()];

/** `podman run` of the image with the given flags and arguments, as the Deployment runs it. */
const runImage = (flags: string[], args: string[]) => podman([...asDeployed(), ...flags, image.name, ...args]);

/** Node in the image, on a script: the image has no shell. */
const nodeInImage = (script: string) => runImage(['--entrypoint', '/usr/local/bin/node'], ['-e', script]);

/** The kubeconfig and the files it names (certificates, keys), at their own paths, as copies uid 1000 may read. */
const kubeconfigMounts: string[] = [];
let mountDir = '';
const clients = kube();

beforeAll(async () => {
  image = await buildImage(() => {});
  const kubeconfig = await readFile(stackEnv.KUBECONFIG, 'utf8');
  const files = [...kubeconfig.matchAll(/^\s*[\w-]+:\s*(\/\S+)\s*$/gm)].map((m) => m[1]!);
  mountDir = await mkdtemp(join(tmpdir(), 'rollguard-image-'));
  for (const [i, path] of [stackEnv.KUBECONFIG, ...files].entries()) {
    const copy = join(mountDir, String(i));
    await copyFile(path, copy);
    await chmod(copy, 0o644);
    kubeconfigMounts.push('-v', `${copy}:${path}:ro`);
  }
}, 600_000);
afterAll(() => rm(mountDir, { recursive: true, force: true }));

describe('the container image', () => {
  it('answers --version and --help', async () => {
    const version = await runImage([], ['--version']);
    expect(version.stdout).toBe(`rollguard ${rollguardVersion}\n`);
    expect(version.code).toBe(0);
    const help = await runImage([], ['--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: rollguard COMMAND [ARGS] [FLAGS]');
  });

  it('runs as uid 1000 on a read-only root filesystem, writing only to /tmp', async () => {
    const result = await nodeInImage(`
      const fs = require('node:fs');
      const tryWrite = (path) => { try { fs.writeFileSync(path, 'x'); return 'written'; } catch (e) { return e.code; } };
      console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), app: tryWrite('/app/x'), tmp: tryWrite('/tmp/x') }));
    `);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ uid: 1000, gid: 1000, app: 'EROFS', tmp: 'written' });
  });

  it('holds the package (with its bundled Kubernetes client) and its production dependencies, and nothing of the clone besides: no sources, dev tools or shell', async () => {
    const result = await nodeInImage(`
      const fs = require('node:fs');
      const exists = (path) => fs.existsSync(path);
      console.log(JSON.stringify({
        app: fs.readdirSync('/app').sort(),
        dist: fs.readdirSync('/app/dist').sort(),
        typescript: fs.readdirSync('/app/dist/src', { recursive: true }).filter((f) => f.endsWith('.ts')),
        devDependencies: ['typescript', 'vitest', 'eslint', 'node', '@temporalio/testing'].filter((d) => exists('/app/node_modules/' + d)),
        shell: ['/bin/sh', '/usr/bin/sh', '/bin/bash'].filter(exists),
        bundle: exists('/app/dist/workflows.js'),
      }));
    `);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      app: ['README.md', 'bin', 'deploy', 'dist', 'node_modules', 'package.json'],
      dist: ['src', 'vendor', 'workflows.js', 'workflows.js.sha256'],
      typescript: [],
      devDependencies: [],
      shell: [],
      bundle: true,
    });
  });

  it("can give glibc's free memory back: malloc_trim loads from the image's C library", async () => {
    const result = await nodeInImage(`
      import('/app/dist/src/server/allocator-trim.js')
        .then((m) => m.loadMallocTrim())
        .then(async (trim) => console.log(typeof trim === 'function' ? 'trimmed ' + (await trim()) : trim.unavailable));
    `);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^trimmed (true|false)\n$/);
  });

  it("keeps glibc's malloc to two arenas however many threads allocate (more without the image's setting)", async () => {
    // Eight threads allocate at once, then glibc counts its arenas (malloc_stats writes them to stderr).
    const script = `
      const { Worker } = require('node:worker_threads');
      const work = "const a = []; for (let i = 0; i < 20000; i++) a.push(Buffer.from('x'.repeat(100 + (i % 900)))); require('node:worker_threads').parentPort.postMessage(a.length);";
      Promise.all(Array.from({ length: 8 }, () => new Promise((done) => new Worker(work, { eval: true }).once('message', done))))
        .then(() => require('koffi').load('libc.so.6').func('void malloc_stats()')());
    `;
    const arenas = (stderr: string): number => stderr.match(/^Arena \d+:$/gm)?.length ?? 0;
    const shipped = await nodeInImage(script);
    expect(shipped.code, shipped.stderr).toBe(0);
    expect(arenas(shipped.stderr)).toBeGreaterThanOrEqual(1);
    expect(arenas(shipped.stderr)).toBeLessThanOrEqual(2);
    const unset = await runImage(['-e', 'GLIBC_TUNABLES=', '--entrypoint', '/usr/local/bin/node'], ['-e', script]);
    expect(unset.code, unset.stderr).toBe(0);
    expect(arenas(unset.stderr)).toBeGreaterThan(2);
  });

  it("`rollguard version` in the image reads the stack's CRD from the API server", async () => {
    await installCrd(clients.config);
    const result = await runImage([...kubeconfigMounts, '-e', `KUBECONFIG=${stackEnv.KUBECONFIG}`], ['version']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Release CRD releases.rollguard.dev of rollguard ${rollguardVersion}`);
    expect(result.stdout).toMatch(/^match\s+yes$/m);
  });

  it('`rollguard run` in the image, as its Deployment runs it, rolls a Release out on the stack', async () => {
    await installCrd(clients.config);
    const namespace = await createNamespace(clients, 'image-run');
    const run = new RollguardProcess([
      ...podmanCommand,
      ...asDeployed(),
      ...kubeconfigMounts,
      ...['KUBECONFIG', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE'].flatMap((name) => [
        '-e',
        `${name}=${stackEnv[name as keyof typeof stackEnv]}`,
      ]),
      image.name,
    ]);
    try {
      await run.start(namespace);
      await clients.releases.create(namespace, appRelease('web', { image: 'example/web:v1', replicas: 2 }));
      await waitFor(
        'web Ready, rolled out by the rollguard of the image',
        async () => ((await clients.releases.get({ namespace, name: 'web' })) as Release).status?.phase === 'Ready',
        { timeoutMs: 90_000, hint: () => run.output.slice(-2000) },
      );
      expect(await run.stop()).toBe(0);
    } finally {
      await run.stop();
      await removeReleases(clients, namespace, ['web']);
    }
  });
});
