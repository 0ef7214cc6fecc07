// Development commands, run by scripts/bootstrap.mjs on the project's Node once set-up is done.
import { spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../dev/stack/paths.ts';
import { parseProfile } from '../dev/stack/profile.ts';
import { buildTools, envProfile, stackDown, stackEnv, stackEnvLines, stackUp } from '../dev/stack/stack.ts';
import { stackStatus } from '../dev/stack/status.ts';

const say = (line: string): void => console.error(`[rollguard] ${line}`);

/** Runs a project binary from node_modules/.bin; returns whether it succeeded. */
function step(title: string, bin: string, args: string[]): boolean {
  say(title);
  const started = Date.now();
  const result = spawnSync(join(repoRoot, 'node_modules', '.bin', bin), args, {
    stdio: 'inherit',
    cwd: repoRoot,
    // The project's Node first, also when bootstrap.mjs was run without npm.
    env: {
      ...process.env,
      ...stackEnv,
      PATH: `${join(repoRoot, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`,
    },
  });
  const ok = result.status === 0;
  say(`${title}: ${ok ? 'passed' : 'FAILED'} (${Math.round((Date.now() - started) / 1000)}s)`);
  return ok;
}

async function test(args: string[]): Promise<number> {
  try {
    await stackUp(say);
    const checks = [
      step('lint', 'eslint', ['--max-warnings', '0', '.']),
      step('format', 'prettier', ['--check', '**/*.{ts,mjs,js,cjs}']),
      step('type-check', 'tsc', ['--noEmit', '-p', '.']),
      // The layers of docs/architecture.md, and no import cycles.
      step('layers', 'depcruise', [
        'src',
        'dev',
        'scripts',
        'bench',
        'bin',
        'test',
        '--config',
        '.dependency-cruiser.cjs',
      ]),
      step('Dockerfile', 'dockerfile-utils', ['lint', 'deploy/rollguard/Dockerfile']),
      ...(args.length > 0
        ? [step('tests', 'vitest', ['run', ...args])]
        : [
            step('tests', 'vitest', ['run', '--project', 'unit', '--project', 'integration']),
            // On a stack of their own whose servers they kill and restart (test/faults/), after the rest.
            step('fault tests', 'vitest', ['run', '--project', 'faults']),
            // Several workers on one Temporal cluster: a third stack, in the cluster profile (test/cluster/).
            step('cluster tests', 'vitest', ['run', '--project', 'cluster']),
          ]),
    ];
    return checks.every(Boolean) ? 0 : 1;
  } finally {
    // Under CI the stack goes with the run, also when it failed half-way up: nothing is left running.
    if (process.env.CI) await stackDown({}, say);
    else say('the local stack stays up for the next run; `npm run stack:down` stops it');
  }
}

/** `npm run demo [-- --exit] [-- -n NAMESPACE]`: the story of dev/demo/demo.ts. */
async function demo(args: string[]): Promise<number> {
  const { runDemo } = await import('../dev/demo/demo.ts');
  const { values } = parseArgs({
    args,
    options: { exit: { type: 'boolean', default: false }, namespace: { type: 'string', short: 'n' } },
    strict: true,
  });
  return await runDemo({ exit: values.exit, ...(values.namespace ? { namespace: values.namespace } : {}) }, say);
}

/** `npm run bench [-- NAME [ARGS]]`: one benchmark, or each in turn at its full size (docs/benchmarks.md). */
async function bench(args: string[]): Promise<number> {
  const benchmarks: Record<string, string> = {
    overhead: 'bench/overhead.ts',
    waits: 'bench/waits.ts',
    rollback: 'bench/rollback.ts',
    'probe-fanout': 'bench/probe-fanout.ts',
    'workflow-memory': 'bench/workflow-memory.ts',
    'worker-floor': 'bench/worker-floor.ts',
    replay: 'bench/replay.ts',
    scale: 'bench/scale.ts',
  };
  // It weighs the heap, so it collects garbage itself first.
  const nodeFlags: Record<string, string[]> = { 'workflow-memory': ['--expose-gc'] };
  const [name, ...rest] = args;
  if (name !== undefined && !(name in benchmarks)) {
    say(`unknown benchmark "${name}"; one of: ${Object.keys(benchmarks).join(', ')}`);
    return 2;
  }
  for (const [each, file] of Object.entries(benchmarks)) {
    if (name !== undefined && each !== name) continue;
    say(`benchmark ${each}`);
    const result = spawnSync(process.execPath, [...(nodeFlags[each] ?? []), join(repoRoot, file), ...rest], {
      stdio: 'inherit',
      cwd: repoRoot,
    });
    if (result.status !== 0) return result.status ?? 1;
  }
  return 0;
}

/** `--profile NAME` (dev/stack/profile.ts), else ROLLGUARD_STACK_PROFILE, else the dev server's. */
function profileOf(args: string[]) {
  const { values } = parseArgs({ args, options: { profile: { type: 'string' } }, strict: true });
  return values.profile === undefined ? envProfile() : parseProfile(values.profile, '--profile');
}

/** `npm run image`: the container image, built here with buildah on bases made from Debian packages (docs/install.md). */
async function image(): Promise<number> {
  const { buildImage } = await import('../dev/image/image.ts');
  const started = Date.now();
  const built = await buildImage(say);
  say(
    `${built.name} (${built.id.slice(0, 12)}, ${(built.bytes / 2 ** 20).toFixed(0)} MiB) on ${built.baseImage} in ${Math.round((Date.now() - started) / 1000)}s`,
  );
  return 0;
}

const commands: Record<string, (args: string[]) => Promise<number>> = {
  tools: async (args) => (await buildTools(say, profileOf(args)), 0),
  build: async () => (await import('./build.ts'), 0),
  'stack:up': async (args) => (await stackUp(say, profileOf(args)), 0),
  'stack:down': async (args) => (await stackDown({ purge: args.includes('--purge') }, say), 0),
  'stack:env': async () => (console.log(stackEnvLines()), 0),
  'stack:status': async () => (console.log(await stackStatus()), 0),
  test,
  demo,
  bench,
  image,
};

const [name = '', ...rest] = process.argv.slice(2);
const command = commands[name];
if (!command) {
  say(`unknown command "${name}"; one of: ${Object.keys(commands).join(', ')}`);
  process.exit(2);
}
try {
  process.exitCode = await command(rest);
} catch (err) {
  say(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
