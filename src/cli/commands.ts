import {
  booleanFlag,
  countFlag,
  durationFlag,
  listFlag,
  portFlag,
  positionals,
  stringFlag,
  globalFlags,
  rootFlags,
  type Flags,
  type ParsedArgs,
} from './args.ts';
import type { CompletionOptions } from './commands/completion.ts';
import type { DeployOptions } from './commands/deploy.ts';
import type { HistoryOptions } from './commands/history.ts';
import type { InstallCheckOptions } from './commands/install.ts';
import { inspectActions, inspectFlags, inspectOptions, type InspectOptions } from './inspection-args.ts';
import type { PauseOptions } from './commands/pause.ts';
import type { RollbackOptions } from './commands/rollback.ts';
import type { RunOptions } from './commands/run.ts';
import type { SetImageOptions } from './commands/set-image.ts';
import type { StatusOptions } from './commands/status.ts';
import type { StrategyOptions, StrategyVerb } from './commands/strategy.ts';
import type { VersionOptions } from './commands/version.ts';
import { shells, type Shell } from './completion/source.ts';
import { UsageError } from './errors.ts';
import { parseImageAssignment } from './image-ref.ts';
import type { Session } from './session.ts';
import { isLogLevel, logLevels } from '../telemetry/log-levels.ts';
import {
  defaultMaxConcurrentActivities,
  defaultMaxConcurrentWorkflowTasks,
  type WorkerTuning,
} from '../server/tuning.ts';

/** One command of the CLI: its help, its flags, and how its arguments become the options of its module. */
export interface Command<Options = unknown> {
  summary: string;
  usage: string;
  flags: Flags;
  /** The values its first argument takes, when they are a fixed few (shell completion offers them). */
  arguments?: readonly string[];
  /** The command line → the options of the command's module. Pure (the environment is passed in), so a table test covers it. */
  options(args: ParsedArgs, env: NodeJS.ProcessEnv): Options;
  /** Loads the command's module when it runs: `status` need not load the Temporal worker. */
  run(options: Options, session: Session): Promise<number>;
}

const command = <Options>(c: Command<Options>): Command => c;

/** Where the controller's Lease lives: `run` takes it there, `install --check` checks rollguard may. */
const leaseNamespace: Flags[string] = {
  type: 'string',
  value: 'NAME',
  description: "the controller's Lease namespace (default $POD_NAMESPACE, else rollguard-system)",
};

const wait: Flags = {
  wait: { type: 'boolean', short: 'w', description: 'follow the rollout to its end; exit 1 unless it ends Ready' },
  timeout: { type: 'string', value: 'DURATION', description: 'how long --wait waits (default 10m)' },
};

/** promote, abort and retry of a canary or blue-green rollout: one shape, three Updates. */
function strategyCommand(verb: StrategyVerb): Command {
  const about = {
    promote: {
      summary: 'go on past the pause a canary waits in (--full: past every remaining step, to 100 %)',
      usage: 'promote RELEASE [--full] [--reason TEXT]',
    },
    abort: {
      summary: 'take a canary off: all traffic and pods back on the stable revision',
      usage: 'abort RELEASE --reason TEXT',
    },
    retry: {
      summary: 'run an aborted or held canary of the same revision again, from step 1',
      usage: 'retry RELEASE [--reason TEXT]',
    },
  }[verb];
  return command<StrategyOptions>({
    ...about,
    flags: {
      ...(verb === 'promote'
        ? { full: { type: 'boolean', description: 'skip every remaining step and analysis' } as const }
        : {}),
      reason: { type: 'string', value: 'TEXT', description: 'why, for the Events and the workflow history' },
      timeout: {
        type: 'string',
        value: 'DURATION',
        description: 'how long to wait for the workflow to take the request (default 1m)',
      },
    },
    options(args) {
      const [release] = positionals(args, ['RELEASE'], verb);
      const reason = stringFlag(args.values, 'reason');
      if (verb === 'abort' && !reason)
        throw new UsageError('abort needs --reason TEXT: it is recorded in the Event and the workflow history');
      return {
        verb,
        release: release as string,
        ...(verb === 'promote' && booleanFlag(args.values, 'full') ? { full: true } : {}),
        ...(reason ? { reason } : {}),
        timeoutMs: durationFlag(args.values, 'timeout', '1m'),
      };
    },
    run: async (options, session) => (await import('./commands/strategy.ts')).strategyRequest(options, session),
  });
}

function revisionNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(text))
    throw new UsageError(
      `--to-revision ${text} is not a revision number (1, 2, ...); see them with \`rollguard history\``,
    );
  return Number(text);
}

export const commands: Record<string, Command> = {
  deploy: command<DeployOptions>({
    summary: 'create or update Releases from a file (server-side apply)',
    usage: 'deploy -f FILE [--wait] [--timeout DURATION] [--force-conflicts]',
    flags: {
      filename: {
        type: 'string',
        short: 'f',
        value: 'FILE',
        description: 'YAML or JSON file of Releases ("-" for stdin)',
      },
      ...wait,
      'force-conflicts': {
        type: 'boolean',
        description: 'take over fields another field manager owns (default: refuse, naming it)',
      },
    },
    options(args) {
      positionals(args, [], 'deploy');
      const file = stringFlag(args.values, 'filename');
      if (!file) throw new UsageError('missing -f FILE, the file of Releases to deploy; see `rollguard deploy --help`');
      return {
        file,
        wait: booleanFlag(args.values, 'wait'),
        timeoutMs: durationFlag(args.values, 'timeout', '10m'),
        forceConflicts: booleanFlag(args.values, 'force-conflicts'),
      };
    },
    run: async (options, session) => (await import('./commands/deploy.ts')).deploy(options, session),
  }),
  'set-image': command<SetImageOptions>({
    summary: "change the image of a Release's containers",
    usage: 'set-image RELEASE CONTAINER=IMAGE... [--wait] [--timeout DURATION]',
    flags: wait,
    options(args) {
      const [release, ...assignments] = args.positionals;
      if (!release || assignments.length === 0)
        throw new UsageError('usage: rollguard set-image RELEASE CONTAINER=IMAGE... (e.g. web app=example/web:v2)');
      const images = assignments.map((text) => {
        try {
          return parseImageAssignment(text);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
      });
      return {
        release,
        images,
        wait: booleanFlag(args.values, 'wait'),
        timeoutMs: durationFlag(args.values, 'timeout', '10m'),
      };
    },
    run: async (options, session) => (await import('./commands/set-image.ts')).setImage(options, session),
  }),
  status: command<StatusOptions>({
    summary: 'show a Release (phase, revisions, pods, health, conditions), or list the Releases',
    usage: 'status [RELEASE] [--watch] [-A]',
    flags: {
      watch: { type: 'boolean', short: 'w', description: 'keep showing it as it changes, until Ctrl-C' },
      interval: { type: 'string', value: 'DURATION', description: 'how often --watch looks (default 1s)' },
      'all-namespaces': { type: 'boolean', short: 'A', description: 'list the Releases of every namespace' },
    },
    options(args) {
      const [release] = positionals(args, ['RELEASE'], 'status', { optional: 1 });
      return {
        ...(release ? { release } : {}),
        allNamespaces: booleanFlag(args.values, 'all-namespaces'),
        watch: booleanFlag(args.values, 'watch'),
        intervalMs: durationFlag(args.values, 'interval', '1s'),
      };
    },
    run: async (options, session) => (await import('./commands/status.ts')).status(options, session),
  }),
  history: command<HistoryOptions>({
    summary: 'list the revisions of a Release and its rollbacks',
    usage: 'history RELEASE',
    flags: {},
    options(args) {
      const [release] = positionals(args, ['RELEASE'], 'history');
      return { release: release as string };
    },
    run: async (options, session) => (await import('./commands/history.ts')).history(options, session),
  }),
  rollback: command<RollbackOptions>({
    summary:
      'roll a Release back to a kept revision (by default the previous stable one, or during a canary or blue-green the one it runs beside)',
    usage: 'rollback RELEASE [--to-revision N] [--reason TEXT] [--timeout DURATION]',
    flags: {
      'to-revision': { type: 'string', value: 'N', description: 'the revision to return to (see `rollguard history`)' },
      reason: { type: 'string', value: 'TEXT', description: 'why, for the Events and the workflow history' },
      timeout: {
        type: 'string',
        value: 'DURATION',
        description: 'how long to wait for the rollback to finish (default 5m)',
      },
    },
    options(args) {
      const [release] = positionals(args, ['RELEASE'], 'rollback');
      const toRevision = revisionNumber(stringFlag(args.values, 'to-revision'));
      const reason = stringFlag(args.values, 'reason');
      return {
        release: release as string,
        ...(toRevision ? { toRevision } : {}),
        ...(reason ? { reason } : {}),
        timeoutMs: durationFlag(args.values, 'timeout', '5m'),
      };
    },
    run: async (options, session) => (await import('./commands/rollback.ts')).rollback(options, session),
  }),
  promote: strategyCommand('promote'),
  abort: strategyCommand('abort'),
  retry: strategyCommand('retry'),
  pause: pauseCommand(true),
  resume: pauseCommand(false),
  run: command<RunOptions>({
    summary: 'run the controller and the worker (what the Deployment in deploy/rollguard runs)',
    usage: 'run [--controller-only | --worker-only] [--metrics-port PORT] [--prometheus-url URL] [--log-level LEVEL]',
    flags: {
      'controller-only': { type: 'boolean', description: 'run only the controller' },
      'worker-only': { type: 'boolean', description: 'run only the Temporal worker' },
      'metrics-port': {
        type: 'string',
        value: 'PORT',
        description: 'port of /metrics and /healthz (default 9464; 0 picks a free one)',
      },
      'metrics-address': { type: 'string', value: 'ADDRESS', description: 'address they listen on (default 0.0.0.0)' },
      'prometheus-url': {
        type: 'string',
        value: 'URL',
        description: 'Prometheus for checks naming no address (default $ROLLGUARD_PROMETHEUS_URL)',
      },
      'watch-namespace': {
        type: 'string',
        multiple: true,
        value: 'NAME',
        description: 'serve only the Releases of this namespace (repeatable; default all)',
      },
      'lease-namespace': leaseNamespace,
      notifications: {
        type: 'string',
        value: 'FILE',
        description: 'operator-wide notification sinks, YAML (default $ROLLGUARD_NOTIFICATIONS; docs/notifications.md)',
      },
      'log-level': {
        type: 'string',
        value: 'LEVEL',
        choices: logLevels,
        description: 'the lowest level logged: debug, info, warn or error (default $ROLLGUARD_LOG_LEVEL, else info)',
      },
      'task-queue': {
        type: 'string',
        value: 'NAME',
        description:
          "the Temporal task queue of Release workflows (default $ROLLGUARD_TASK_QUEUE, else the cluster's: rollguard-<kube-system uid>)",
      },
      'inspection-dir': {
        type: 'string',
        value: 'DIR',
        description: 'write each inspection report here (default $ROLLGUARD_INSPECTION_DIR; docs/inspections.md)',
      },
      'max-cached-workflows': {
        type: 'string',
        value: 'N',
        description:
          'Release workflows the worker keeps in memory between their tasks; others are replayed from their history when they next have work (default: from the heap size; docs/operations.md)',
      },
      'max-concurrent-workflow-tasks': {
        type: 'string',
        value: 'N',
        description: `workflow tasks the worker keeps open at once, each waiting for its short Kubernetes steps (default ${defaultMaxConcurrentWorkflowTasks}, at most --max-cached-workflows; docs/operations.md)`,
      },
      'max-concurrent-activities': {
        type: 'string',
        value: 'N',
        description: `activities the worker runs at once that do work (analyses, hooks, lookups); waits for a rollout or a readiness window run beside them (default ${defaultMaxConcurrentActivities}; docs/operations.md)`,
      },
      'inspection-configmap': {
        type: 'string',
        value: 'NAMESPACE/NAME',
        description: 'keep the latest inspection report in this ConfigMap (default $ROLLGUARD_INSPECTION_CONFIGMAP)',
      },
      'allocator-trim': {
        type: 'string',
        value: 'DURATION',
        description:
          "how often the process gives the C allocator's free memory back to the system, its threads' JS heaps collected first when quiet (glibc only; default 30s, 0s never; docs/operations.md)",
      },
    },
    options(args, env) {
      positionals(args, [], 'run');
      if (booleanFlag(args.values, 'controller-only') && booleanFlag(args.values, 'worker-only')) {
        throw new UsageError('--controller-only and --worker-only exclude each other; give at most one');
      }
      const prometheusUrl = stringFlag(args.values, 'prometheus-url') ?? env.ROLLGUARD_PROMETHEUS_URL;
      const leaseNamespace = stringFlag(args.values, 'lease-namespace');
      const taskQueue = stringFlag(args.values, 'task-queue');
      const notifications = stringFlag(args.values, 'notifications') ?? env.ROLLGUARD_NOTIFICATIONS;
      const maxCachedWorkflows = countFlag(args.values, 'max-cached-workflows', 1);
      const maxConcurrentActivities = countFlag(args.values, 'max-concurrent-activities', 1);
      const maxConcurrentWorkflowTasks = countFlag(args.values, 'max-concurrent-workflow-tasks', 2);
      const tuning: WorkerTuning = {
        ...(maxCachedWorkflows !== undefined ? { maxCachedWorkflows } : {}),
        ...(maxConcurrentActivities !== undefined ? { maxConcurrentActivities } : {}),
        ...(maxConcurrentWorkflowTasks !== undefined ? { maxConcurrentWorkflowTasks } : {}),
      };
      const allocatorTrimMs = durationFlag(args.values, 'allocator-trim', '30s');
      if (allocatorTrimMs > 0 && allocatorTrimMs < 1_000) {
        throw new UsageError(
          `--allocator-trim ${stringFlag(args.values, 'allocator-trim')} is too often: give 1s or more, or 0s for never`,
        );
      }
      const levelFlag = stringFlag(args.values, 'log-level');
      const logLevel = levelFlag ?? env.ROLLGUARD_LOG_LEVEL ?? 'info';
      if (!isLogLevel(logLevel)) {
        const given = levelFlag !== undefined ? `--log-level ${logLevel}` : `ROLLGUARD_LOG_LEVEL=${logLevel}`;
        throw new UsageError(`${given} is not a level: give debug, info, warn or error`);
      }
      return {
        logLevel,
        controller: !booleanFlag(args.values, 'worker-only'),
        worker: !booleanFlag(args.values, 'controller-only'),
        metricsHost: stringFlag(args.values, 'metrics-address') ?? '0.0.0.0',
        metricsPort: portFlag(args.values, 'metrics-port', 9464),
        allocatorTrimMs,
        ...(prometheusUrl ? { prometheusUrl } : {}),
        watchNamespaces: listFlag(args.values, 'watch-namespace'),
        ...(leaseNamespace ? { leaseNamespace } : {}),
        ...(taskQueue ? { taskQueue } : {}),
        ...(notifications ? { notifications } : {}),
        ...(Object.keys(tuning).length > 0 ? { tuning } : {}),
        ...reportDestination(
          stringFlag(args.values, 'inspection-dir') ?? env.ROLLGUARD_INSPECTION_DIR,
          stringFlag(args.values, 'inspection-configmap') ?? env.ROLLGUARD_INSPECTION_CONFIGMAP,
        ),
      };
    },
    run: async (options, session) => (await import('./commands/run.ts')).run(options, session),
  }),
  inspect: command<InspectOptions>({
    summary:
      'inspect Releases and the cluster now, or on a Temporal Schedule, with an HTML report (docs/inspections.md)',
    usage:
      'inspect run [-n NAMESPACE] [-l SELECTOR] [--timeout DURATION] | inspect schedule [NAME] --cron EXPR [-l SELECTOR] | inspect list | inspect trigger|pause|unpause|delete NAME',
    flags: inspectFlags,
    arguments: inspectActions,
    options: (args, env) => inspectOptions(args, env),
    run: async (options, session) => (await import('./commands/inspect.ts')).inspect(options, session),
  }),
  install: command<InstallCheckOptions>({
    summary: 'check that rollguard can run here: Temporal, its namespace and search attributes, the CRD, RBAC',
    usage: 'install --check [--fix] [--as USER] [--watch-namespace NAME]... [--lease-namespace NAME]',
    flags: {
      check: {
        type: 'boolean',
        description: 'check each thing `rollguard run` needs; one line per failure names its fix',
      },
      fix: { type: 'boolean', description: 'register the missing search attributes in the Temporal namespace' },
      as: {
        type: 'string',
        value: 'USER',
        description: 'check the permissions of this identity (e.g. system:serviceaccount:rollguard-system:rollguard)',
      },
      'watch-namespace': {
        type: 'string',
        multiple: true,
        value: 'NAME',
        description: 'the namespaces rollguard serves, as given to `rollguard run` (default all)',
      },
      'lease-namespace': leaseNamespace,
      'log-level': {
        type: 'string',
        value: 'LEVEL',
        choices: logLevels,
        description: 'the lowest level logged: debug, info, warn or error (default $ROLLGUARD_LOG_LEVEL, else info)',
      },
      'task-queue': {
        type: 'string',
        value: 'NAME',
        description: 'the task queue rollguard is given, if any: then it needs no access to the kube-system Namespace',
      },
    },
    options(args, env) {
      positionals(args, [], 'install');
      if (!booleanFlag(args.values, 'check'))
        throw new UsageError(
          'rollguard install only checks: run `rollguard install --check`; install rollguard with its Helm chart or kustomize (docs/install.md)',
        );
      const as = stringFlag(args.values, 'as');
      return {
        fix: booleanFlag(args.values, 'fix'),
        ...(as ? { as } : {}),
        watchNamespaces: listFlag(args.values, 'watch-namespace'),
        leaseNamespace: stringFlag(args.values, 'lease-namespace') ?? env.POD_NAMESPACE ?? 'rollguard-system',
        taskQueueNamed: Boolean(stringFlag(args.values, 'task-queue')?.trim() || env.ROLLGUARD_TASK_QUEUE?.trim()),
      };
    },
    run: async (options, session) => (await import('./commands/install.ts')).installCheck(options, session),
  }),
  version: command<VersionOptions>({
    summary: "show this rollguard's version, the cluster's Release CRD, and whether it is this version's",
    usage: 'version [-o json|yaml]',
    flags: {},
    options(args) {
      positionals(args, [], 'version');
      return {};
    },
    run: async (options, session) => (await import('./commands/version.ts')).version(options, session),
  }),
  completion: command<CompletionOptions>({
    summary: 'print the shell completion script of bash, zsh or fish',
    usage: 'completion bash|zsh|fish',
    flags: {},
    arguments: shells,
    options(args) {
      const [shell] = positionals(args, ['SHELL'], 'completion');
      if (!(shells as readonly (string | undefined)[]).includes(shell))
        throw new UsageError(`cannot complete for the shell "${shell}"; rollguard completes ${shells.join(', ')}`);
      // The table being defined here: by the time a command line is read, it is complete.
      return { shell: shell as Shell, source: { commands, globalFlags, rootFlags } };
    },
    run: async (options, session) => (await import('./commands/completion.ts')).completion(options, session),
  }),
};

/** `rollguard run`'s inspection report destination, from its flags or environment. */
function reportDestination(
  directory: string | undefined,
  configMap: string | undefined,
): { inspectionReports?: NonNullable<RunOptions['inspectionReports']> } {
  if (!directory?.trim() && !configMap?.trim()) return {};
  let at: { namespace: string; name: string } | undefined;
  if (configMap?.trim()) {
    const [namespace, name, ...rest] = configMap.trim().split('/');
    const dns = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
    if (!namespace || !name || rest.length > 0 || !dns.test(namespace) || !dns.test(name))
      throw new UsageError(
        `--inspection-configmap ${configMap} is not NAMESPACE/NAME (e.g. rollguard-system/rollguard-inspection)`,
      );
    at = { namespace, name };
  }
  return {
    inspectionReports: {
      ...(directory?.trim() ? { directory: directory.trim() } : {}),
      ...(at ? { configMap: at } : {}),
    },
  };
}

function pauseCommand(paused: boolean): Command {
  const name = paused ? 'pause' : 'resume';
  return command<PauseOptions>({
    summary: paused
      ? 'hold the next rollout of a Release (the one in flight finishes)'
      : 'let a paused Release roll out again',
    usage: `${name} RELEASE`,
    flags: {},
    options(args) {
      const [release] = positionals(args, ['RELEASE'], name);
      return { release: release as string, paused };
    },
    run: async (options, session) => (await import('./commands/pause.ts')).setPaused(options, session),
  });
}
