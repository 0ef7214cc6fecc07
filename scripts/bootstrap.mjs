#!/usr/bin/env node
// The entry point of every npm script that needs set-up: it runs on any Node (the machine's may be
// older than the project's) and uses nothing outside Node itself. It installs what is missing, the
// Debian packages the stack needs, the npm dependencies, then hands over to scripts/dev.ts on the
// project's own Node (the `node` devDependency, a real Node binary from the npm registry).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => console.error(`[rollguard] ${line}`);

function fail(message) {
  say(`error: ${message}`);
  process.exit(1);
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function run(command, args, options = {}) {
  // Set-up output goes to stderr, so that stdout carries only what the command prints (stack:env).
  const result = spawnSync(command, args, { stdio: [0, 2, 2], cwd: root, ...options });
  if (result.error) fail(`cannot run ${command}: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

/** Debian packages the stack and the tests run (command → package); chromium drives the Temporal UI test and opens the inspection report, lua5.4 runs the Argo CD health check, zsh and fish check the completion scripts; mmdebstrap, buildah, podman and runc build and run the image (dev/image/). */
const debianPackages = {
  prometheus: 'prometheus',
  chromium: 'chromium',
  'lua5.4': 'lua5.4',
  zsh: 'zsh',
  fish: 'fish',
  mmdebstrap: 'mmdebstrap',
  buildah: 'buildah',
  podman: 'podman',
  runc: 'runc',
};

function ensureDebianPackages() {
  const missing = Object.entries(debianPackages).filter(([command]) => !onPath(command));
  if (missing.length === 0) return;
  const names = missing.map(([, pkg]) => pkg);
  if (!onPath('apt-get')) fail(`missing ${names.join(', ')}; install them with your package manager`);
  // apt-get needs root; elsewhere ask sudo.
  const asRoot = (args) => (process.getuid?.() === 0 ? ['apt-get', args] : ['sudo', ['apt-get', ...args]]);
  say(`installing Debian packages: ${names.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run(...asRoot(['update', '-q']), { env });
  run(...asRoot(['install', '-y', '-q', '--no-install-recommends', ...names]), { env });
}

/** `npm ci` when node_modules is missing or older than the lock file. */
function ensureNodeModules() {
  const installed = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  say('installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function projectNode() {
  const node = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(node)) fail(`${node} is missing after npm ci; delete node_modules and try again`);
  const wanted = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies.node;
  const actual = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (actual !== `v${wanted}`)
    fail(`${node} is ${actual || 'not runnable'}, expected v${wanted}; delete node_modules and try again`);
  return node;
}

if (!onPath('go'))
  fail('Go is not on the PATH; the local stack builds its servers from pinned Go modules (Go 1.26 or newer)');
ensureDebianPackages();
ensureNodeModules();
const result = spawnSync(projectNode(), [join(root, 'scripts', 'dev.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(result.status ?? 1);
