import { booleanFlag, durationFlag, stringFlag, type Flags, type ParsedArgs } from './args.ts';
import { inspectionSettings } from '../domain/inspection/settings.ts';
import type { InspectionScope, InspectionSettings } from '../domain/inspection/types.ts';
import { UsageError } from './errors.ts';

export const inspectActions = ['run', 'schedule', 'list', 'trigger', 'pause', 'unpause', 'delete'] as const;
export type InspectAction = (typeof inspectActions)[number];

/** The overlap policies of a Temporal Schedule, as the Temporal CLI spells them. */
export const overlapPolicies = [
  'skip',
  'buffer-one',
  'buffer-all',
  'cancel-other',
  'terminate-other',
  'allow-all',
] as const;
export type OverlapPolicy = (typeof overlapPolicies)[number];

export interface InspectOptions {
  action: InspectAction;
  /** The Schedule's name (schedule, trigger, pause, unpause, delete). */
  name?: string;
  scope: InspectionScope;
  settings: Partial<InspectionSettings>;
  cron?: string;
  overlap: OverlapPolicy;
  catchupWindowMs: number;
  paused: boolean;
  note?: string;
  /** How long `run` waits for the report. */
  timeoutMs: number;
  taskQueue?: string;
}

export const inspectFlags: Flags = {
  selector: {
    type: 'string',
    short: 'l',
    value: 'SELECTOR',
    description: 'only the Releases whose labels match (e.g. tier=frontend); every namespace unless -n names one',
  },
  cron: { type: 'string', value: 'EXPR', description: 'schedule: when, as a cron expression (e.g. "0 2 * * *", UTC)' },
  overlap: {
    type: 'string',
    value: 'POLICY',
    choices: overlapPolicies,
    description: 'schedule: a run due while one still runs: skip (default), buffer-one, buffer-all, cancel-other, ...',
  },
  'catchup-window': {
    type: 'string',
    value: 'DURATION',
    description: 'schedule: runs missed while Temporal was down are taken if this late at most (default 10m)',
  },
  paused: { type: 'boolean', description: 'schedule: create it paused' },
  note: { type: 'string', value: 'TEXT', description: 'schedule, pause, unpause: a note the Temporal UI shows' },
  concurrency: { type: 'string', value: 'N', description: 'Releases inspected at once (default 20)' },
  retries: {
    type: 'string',
    value: 'N',
    description: 'attempts after the first for a Release that failed (default 2)',
  },
  backoff: { type: 'string', value: 'DURATION', description: 'the first retry waits this long, doubling (default 1s)' },
  'batch-size': {
    type: 'string',
    value: 'N',
    description: 'Releases per activity in the workflow history (default 50)',
  },
  'stuck-after': {
    type: 'string',
    value: 'DURATION',
    description: 'a Release in Pending, Progressing or RollingBack longer is stuck (default 30m)',
  },
  'not-ready-after': {
    type: 'string',
    value: 'DURATION',
    description: 'a pod not Ready longer is a finding (default 5m)',
  },
  'restart-threshold': {
    type: 'string',
    value: 'N',
    description: 'restarts that make a container crash-looping (default 3)',
  },
  'failure-threshold': {
    type: 'string',
    value: 'N',
    description: "scheduled runs failing in a row before the operator's sinks are told (default 3)",
  },
  timeout: { type: 'string', value: 'DURATION', description: 'run: how long to wait for the report (default 30m)' },
  'task-queue': {
    type: 'string',
    value: 'NAME',
    description: "the workers' task queue (default $ROLLGUARD_TASK_QUEUE, else the cluster's)",
  },
};

/** Which flags each action takes besides the settings and the scope. */
const own: Record<InspectAction, string[]> = {
  run: ['timeout', 'task-queue'],
  schedule: ['cron', 'overlap', 'catchup-window', 'paused', 'note', 'task-queue'],
  list: [],
  trigger: [],
  pause: ['note'],
  unpause: ['note'],
  delete: [],
};
const settingFlags = [
  'concurrency',
  'retries',
  'backoff',
  'batch-size',
  'stuck-after',
  'not-ready-after',
  'restart-threshold',
  'failure-threshold',
];
const takesScope = new Set<InspectAction>(['run', 'schedule']);

/** A Schedule name: it becomes part of a Temporal Schedule id and a workflow id. */
const scheduleName = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function count(args: ParsedArgs, flag: string): number | undefined {
  const text = stringFlag(args.values, flag);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${flag} ${text} is not a whole number`);
  return Number(text);
}

const optionalDuration = (args: ParsedArgs, flag: string): number | undefined =>
  stringFlag(args.values, flag) === undefined ? undefined : durationFlag(args.values, flag, '0s');

/**
 * A cron expression as Temporal reads one: five fields (minute to weekday), or a name such as
 * @daily / @every 1h. The server checks it fully; this catches what is plainly not one.
 */
export function checkCron(cron: string): string {
  const text = cron.trim();
  const fields = text.split(/\s+/);
  const ok =
    /^@(yearly|annually|monthly|weekly|daily|hourly|every\s+\S+)$/.test(text) ||
    (fields.length === 5 && fields.every((f) => /^[0-9A-Za-z*/,?-]+$/.test(f)));
  if (!ok)
    throw new UsageError(
      `--cron "${cron}" is not a cron expression: write five fields, minute hour day-of-month month day-of-week (e.g. "0 2 * * *" for 02:00 UTC every day)`,
    );
  return text;
}

/** `rollguard inspect ACTION [NAME] [flags]` → the options of the inspect module. */
export function inspectOptions(args: ParsedArgs, env: NodeJS.ProcessEnv): InspectOptions {
  const [action, name, ...rest] = args.positionals;
  if (!action) throw new UsageError(`missing the action: rollguard inspect ${inspectActions.join('|')}`);
  if (!(inspectActions as readonly string[]).includes(action))
    throw new UsageError(`unknown action "${action}"; rollguard inspect takes ${inspectActions.join(', ')}`);
  const act = action as InspectAction;
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"; see \`rollguard inspect --help\``);
  const named = act !== 'run' && act !== 'list';
  if (name !== undefined && !named)
    throw new UsageError(`unexpected argument "${name}": rollguard inspect ${act} takes no name`);
  if (named && name === undefined && act !== 'schedule')
    throw new UsageError(`missing the Schedule's name: rollguard inspect ${act} NAME (see \`rollguard inspect list\`)`);
  if (name !== undefined && !scheduleName.test(name))
    throw new UsageError(`"${name}" is not a Schedule name: lower-case letters, digits and "-", at most 63`);
  const allowed = new Set([...own[act], ...(takesScope.has(act) ? ['selector', ...settingFlags] : [])]);
  for (const flag of Object.keys(inspectFlags)) {
    if (args.values[flag] !== undefined && !allowed.has(flag))
      throw new UsageError(`--${flag} does not apply to rollguard inspect ${act}`);
  }
  const asked: Record<keyof InspectionSettings, number | undefined> = {
    concurrency: count(args, 'concurrency'),
    retries: count(args, 'retries'),
    backoffMs: optionalDuration(args, 'backoff'),
    batchSize: count(args, 'batch-size'),
    stuckAfterMs: optionalDuration(args, 'stuck-after'),
    notReadyAfterMs: optionalDuration(args, 'not-ready-after'),
    restartThreshold: count(args, 'restart-threshold'),
    failureThreshold: count(args, 'failure-threshold'),
  };
  const settings = Object.fromEntries(
    Object.entries(asked).filter(([, v]) => v !== undefined),
  ) as Partial<InspectionSettings>;
  const checked = inspectionSettings(settings);
  if (!checked.ok) throw new UsageError('invalid inspection settings:', { details: checked.problems });
  const cron = stringFlag(args.values, 'cron');
  if (act === 'schedule' && cron === undefined)
    throw new UsageError('missing --cron: when the inspection runs, e.g. --cron "0 2 * * *" (02:00 UTC daily)');
  const overlap = stringFlag(args.values, 'overlap') ?? 'skip';
  if (!(overlapPolicies as readonly string[]).includes(overlap))
    throw new UsageError(`--overlap ${overlap} is not an overlap policy; use one of: ${overlapPolicies.join(', ')}`);
  const selector = stringFlag(args.values, 'selector')?.trim();
  const namespace = stringFlag(args.values, 'namespace');
  const note = stringFlag(args.values, 'note');
  const taskQueue = stringFlag(args.values, 'task-queue')?.trim() || env.ROLLGUARD_TASK_QUEUE?.trim();
  return {
    action: act,
    ...(name !== undefined ? { name } : act === 'schedule' ? { name: 'default' } : {}),
    scope: { ...(namespace ? { namespace } : {}), ...(selector ? { selector } : {}) },
    settings,
    ...(cron !== undefined ? { cron: checkCron(cron) } : {}),
    overlap: overlap as OverlapPolicy,
    catchupWindowMs: durationFlag(args.values, 'catchup-window', '10m'),
    paused: booleanFlag(args.values, 'paused'),
    ...(note ? { note } : {}),
    timeoutMs: durationFlag(args.values, 'timeout', '30m'),
    ...(taskQueue ? { taskQueue } : {}),
  };
}
