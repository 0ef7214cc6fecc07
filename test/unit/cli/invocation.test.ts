import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../../src/cli/errors.ts';
import { parseInvocation } from '../../../src/cli/invocation.ts';
import { rollguardVersion } from '../../../src/telemetry/build-info.ts';

/** What a command line becomes: the command, its options, the connections and the output format. */
function invoke(argv: string, env: NodeJS.ProcessEnv = {}) {
  const invocation = parseInvocation(argv.split(' ').filter(Boolean), env);
  if ('help' in invocation) return invocation;
  const { name, options, connections, output } = invocation;
  return { name, options, connections, output };
}

const defaults = { connections: {}, output: 'text' };

describe('a command line becomes the options of its command', () => {
  it.each([
    ['deploy -f web.yaml', 'deploy', { file: 'web.yaml', wait: false, timeoutMs: 600_000, forceConflicts: false }],
    [
      'deploy -f - --wait --timeout 2m --force-conflicts',
      'deploy',
      { file: '-', wait: true, timeoutMs: 120_000, forceConflicts: true },
    ],
    [
      'deploy --filename=web.yaml -w',
      'deploy',
      { file: 'web.yaml', wait: true, timeoutMs: 600_000, forceConflicts: false },
    ],
    [
      'set-image web app=example/web:v2',
      'set-image',
      { release: 'web', images: [{ container: 'app', image: 'example/web:v2' }], wait: false, timeoutMs: 600_000 },
    ],
    [
      'set-image web app=example/web:v3 sidecar=example/proxy@sha256:' + 'a'.repeat(64) + ' --wait --timeout 90s',
      'set-image',
      {
        release: 'web',
        images: [
          { container: 'app', image: 'example/web:v3' },
          { container: 'sidecar', image: `example/proxy@sha256:${'a'.repeat(64)}` },
        ],
        wait: true,
        timeoutMs: 90_000,
      },
    ],
    ['status', 'status', { allNamespaces: false, watch: false, intervalMs: 1_000 }],
    ['status web -w --interval 5s', 'status', { release: 'web', allNamespaces: false, watch: true, intervalMs: 5_000 }],
    ['status -A', 'status', { allNamespaces: true, watch: false, intervalMs: 1_000 }],
    ['history web', 'history', { release: 'web' }],
    ['rollback web', 'rollback', { release: 'web', timeoutMs: 300_000 }],
    [
      'rollback web --to-revision 3 --reason bad-image --timeout 1m',
      'rollback',
      { release: 'web', toRevision: 3, reason: 'bad-image', timeoutMs: 60_000 },
    ],
    ['pause web', 'pause', { release: 'web', paused: true }],
    ['resume web', 'resume', { release: 'web', paused: false }],
    [
      'run',
      'run',
      {
        logLevel: 'info',
        controller: true,
        worker: true,
        metricsHost: '0.0.0.0',
        metricsPort: 9464,
        allocatorTrimMs: 30_000,
        watchNamespaces: [],
      },
    ],
    [
      'run --worker-only --metrics-port 0 --metrics-address 127.0.0.1 --watch-namespace a --watch-namespace b --lease-namespace ops --task-queue q1 --log-level debug --allocator-trim 0s',
      'run',
      {
        logLevel: 'debug',
        controller: false,
        worker: true,
        metricsHost: '127.0.0.1',
        metricsPort: 0,
        allocatorTrimMs: 0,
        watchNamespaces: ['a', 'b'],
        leaseNamespace: 'ops',
        taskQueue: 'q1',
      },
    ],
    [
      'run --worker-only --max-cached-workflows 200 --max-concurrent-activities 2000 --max-concurrent-workflow-tasks 150',
      'run',
      {
        logLevel: 'info',
        controller: false,
        worker: true,
        metricsHost: '0.0.0.0',
        metricsPort: 9464,
        allocatorTrimMs: 30_000,
        watchNamespaces: [],
        tuning: { maxCachedWorkflows: 200, maxConcurrentActivities: 2000, maxConcurrentWorkflowTasks: 150 },
      },
    ],
    [
      'run --controller-only --prometheus-url http://127.0.0.1:9090',
      'run',
      {
        logLevel: 'info',
        controller: true,
        worker: false,
        metricsHost: '0.0.0.0',
        metricsPort: 9464,
        allocatorTrimMs: 30_000,
        prometheusUrl: 'http://127.0.0.1:9090',
        watchNamespaces: [],
      },
    ],
  ])('%s', (argv, name, options) => {
    expect(invoke(argv)).toEqual({ name, options, ...defaults });
  });

  it('takes the log level from ROLLGUARD_LOG_LEVEL when no flag names one, and names where a bad one came from', () => {
    expect(invoke('run', { ROLLGUARD_LOG_LEVEL: 'warn' })).toMatchObject({ options: { logLevel: 'warn' } });
    expect(invoke('run --log-level error', { ROLLGUARD_LOG_LEVEL: 'warn' })).toMatchObject({
      options: { logLevel: 'error' },
    });
    expect(() => invoke('run', { ROLLGUARD_LOG_LEVEL: 'verbose' })).toThrow(
      'ROLLGUARD_LOG_LEVEL=verbose is not a level: give debug, info, warn or error',
    );
  });

  it('takes the Prometheus URL from the environment when no flag names one', () => {
    expect(invoke('run', { ROLLGUARD_PROMETHEUS_URL: 'http://prom:9090' })).toMatchObject({
      options: { prometheusUrl: 'http://prom:9090' },
    });
    expect(
      invoke('run --prometheus-url http://flag:9090', { ROLLGUARD_PROMETHEUS_URL: 'http://prom:9090' }),
    ).toMatchObject({ options: { prometheusUrl: 'http://flag:9090' } });
  });

  it('reads the flags of every command, before or after the command', () => {
    expect(
      invoke(
        '-n shop --kubeconfig k.yaml --context dev status web --temporal-address 127.0.0.1:7233 --temporal-namespace rg --temporal-profile prod -o json',
      ),
    ).toEqual({
      name: 'status',
      options: { release: 'web', allNamespaces: false, watch: false, intervalMs: 1_000 },
      connections: {
        namespace: 'shop',
        kubeconfig: 'k.yaml',
        context: 'dev',
        temporalAddress: '127.0.0.1:7233',
        temporalNamespace: 'rg',
        temporalProfile: 'prod',
      },
      output: 'json',
    });
  });
});

describe('a command line that is wrong is refused before anything connects, naming what is wrong', () => {
  it.each([
    [
      'frobnicate',
      'unknown command "frobnicate"; the commands are: deploy, set-image, status, history, rollback, promote, abort, retry, pause, resume, run',
    ],
    ['help frobnicate', 'unknown command "frobnicate"'],
    ['status --colour', "Unknown option '--colour'; see `rollguard status --help`"],
    ['history web --wait', "Unknown option '--wait'"],
    ['deploy', 'missing -f FILE'],
    ['deploy -f web.yaml extra', 'unexpected argument "extra"'],
    ['deploy -f web.yaml --timeout soon', '--timeout'],
    ['set-image web', 'usage: rollguard set-image RELEASE CONTAINER=IMAGE...'],
    ['set-image web example/web:v2', 'is not CONTAINER=IMAGE'],
    ['set-image web app=Example/Web:v2', 'is not a valid image reference'],
    ['history', 'missing RELEASE'],
    ['status web api', 'unexpected argument "api"'],
    ['rollback web --to-revision 0', '--to-revision 0 is not a revision number'],
    ['rollback web --to-revision two', '--to-revision two is not a revision number'],
    ['pause', 'missing RELEASE'],
    ['run --controller-only --worker-only', '--controller-only and --worker-only exclude each other'],
    ['run --metrics-port 70000', '--metrics-port'],
    ['run --max-cached-workflows 0', '--max-cached-workflows 0 is not a whole number of at least 1'],
    ['run --max-cached-workflows many', '--max-cached-workflows many is not a whole number of at least 1'],
    ['run --max-concurrent-activities 0', '--max-concurrent-activities 0 is not a whole number of at least 1'],
    ['run --max-concurrent-workflow-tasks 1', '--max-concurrent-workflow-tasks 1 is not a whole number of at least 2'],
    ['run --allocator-trim often', '--allocator-trim often is not a duration'],
    ['run --allocator-trim 10ms', '--allocator-trim 10ms is too often: give 1s or more, or 0s for never'],
    ['run --log-level loud', '--log-level loud is not a level: give debug, info, warn or error'],
    ['run extra', 'unexpected argument "extra"'],
    ['status -o xml', 'xml'],
  ])('%s', (argv, message) => {
    const refused = (() => {
      try {
        invoke(argv);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as UsageError).message).toContain(message);
  });
});

describe('help', () => {
  it('bare `rollguard` is a usage error: the help on stderr, exit code 2', () => {
    expect(invoke('')).toMatchObject({
      stream: 'stderr',
      exitCode: ExitCode.Usage,
      help: expect.stringContaining('Usage: rollguard COMMAND'),
    });
  });

  it.each([['--help'], ['-h'], ['help']])('`rollguard %s` prints every command on stdout', (argv) => {
    const help = invoke(argv);
    expect(help).toMatchObject({ stream: 'stdout', exitCode: ExitCode.Ok });
    for (const name of [
      'deploy',
      'set-image',
      'status',
      'history',
      'rollback',
      'pause',
      'resume',
      'run',
      'version',
      'completion',
    ])
      expect((help as { help: string }).help).toContain(`  ${name} `);
  });

  it.each([['help rollback'], ['rollback --help'], ['rollback web -h']])(
    '`rollguard %s` prints the flags of rollback',
    (argv) => {
      expect(invoke(argv)).toMatchObject({
        stream: 'stdout',
        exitCode: ExitCode.Ok,
        help: expect.stringContaining('--to-revision N'),
      });
    },
  );
});

describe('the version and the completion scripts', () => {
  it('`rollguard --version` prints the version of package.json on stdout, without a cluster', () => {
    expect(invoke('--version')).toEqual({ help: `rollguard ${rollguardVersion}\n`, stream: 'stdout', exitCode: 0 });
    expect(rollguardVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('`version` takes no argument; `completion` takes one of the shells it writes for', () => {
    expect(invoke('version -o json')).toMatchObject({ name: 'version', options: {}, output: 'json' });
    expect(invoke('completion fish')).toMatchObject({ name: 'completion', options: { shell: 'fish' } });
    expect(() => invoke('version now')).toThrow('unexpected argument "now"; see `rollguard version --help`');
    expect(() => invoke('completion')).toThrow('missing SHELL; see `rollguard completion --help`');
    expect(() => invoke('completion tcsh')).toThrow(
      'cannot complete for the shell "tcsh"; rollguard completes bash, zsh, fish',
    );
  });
});
