import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { parseDuration } from '../domain/api/index.ts';
import { UsageError } from './errors.ts';
import { outputFormats } from './output.ts';

/** One flag of the command line, with what `--help` says about it. */
export interface Flag {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The placeholder `--help` shows for the value, e.g. FILE (shell completion then offers file names). */
  value?: string;
  /** The values it takes, when they are a fixed few (shell completion offers them). */
  choices?: readonly string[];
  description: string;
}
export type Flags = Record<string, Flag>;

/** What every command understands: where the cluster and Temporal are, and how to print. */
export const globalFlags: Flags = {
  kubeconfig: {
    type: 'string',
    value: 'FILE',
    description: 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)',
  },
  context: { type: 'string', value: 'NAME', description: 'kubeconfig context (default: its current context)' },
  namespace: {
    type: 'string',
    short: 'n',
    value: 'NAME',
    description: 'Kubernetes namespace (default: the context\'s, else "default")',
  },
  'temporal-address': {
    type: 'string',
    value: 'HOST:PORT',
    description: 'Temporal frontend (default: $TEMPORAL_ADDRESS, the profile, else localhost:7233)',
  },
  'temporal-namespace': {
    type: 'string',
    value: 'NAME',
    description: 'Temporal namespace (default: $TEMPORAL_NAMESPACE, the profile, else "default")',
  },
  'temporal-profile': {
    type: 'string',
    value: 'NAME',
    description: 'profile of the Temporal config file (default: $TEMPORAL_PROFILE, else "default")',
  },
  output: {
    type: 'string',
    short: 'o',
    value: 'FORMAT',
    choices: outputFormats,
    description: 'text (default), json or yaml',
  },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

/** What `rollguard` understands without a command. */
export const rootFlags: Flags = {
  version: { type: 'boolean', description: "print this rollguard's version (`rollguard version` adds the cluster's)" },
  help: globalFlags.help as Flag,
};

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandLine {
  /** The command name, or undefined when none was given. */
  command: string | undefined;
  /** Everything but the command name, flags in place. */
  rest: string[];
}

/** Finds the command among the arguments: global flags may come before it. */
export function findCommand(argv: string[]): CommandLine {
  const takesValue = new Set(
    Object.entries(globalFlags)
      .filter(([, flag]) => flag.type === 'string')
      .flatMap(([name, flag]) => [`--${name}`, ...(flag.short ? [`-${flag.short}`] : [])]),
  );
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      if (takesValue.has(arg)) i++;
      continue;
    }
    return { command: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { command: undefined, rest: argv };
}

export interface ParsedArgs {
  values: FlagValues;
  positionals: string[];
}

/** Parses a command's arguments strictly: an unknown flag or a missing value is a usage error. */
export function parseCommandArgs(args: string[], flags: Flags, command: string): ParsedArgs {
  const options: ParseArgsOptionsConfig = {};
  for (const [name, flag] of Object.entries({ ...globalFlags, ...flags })) {
    options[name] = {
      type: flag.type,
      ...(flag.short ? { short: flag.short } : {}),
      ...(flag.multiple ? { multiple: true } : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as FlagValues, positionals };
  } catch (err) {
    const message = ((err as Error).message.split('\n')[0] ?? '').replace(/\. To specify a positional argument.*$/, '');
    throw new UsageError(`${message}; see \`rollguard ${command} --help\``, { cause: err });
  }
}

export const stringFlag = (values: FlagValues, name: string): string | undefined => {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
};

export const listFlag = (values: FlagValues, name: string): string[] =>
  (Array.isArray(values[name]) ? values[name] : [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

export const booleanFlag = (values: FlagValues, name: string): boolean => values[name] === true;

/** A duration flag ("30s", "5m"), in milliseconds. */
export function durationFlag(values: FlagValues, name: string, fallback: string): number {
  const text = stringFlag(values, name) ?? fallback;
  try {
    return parseDuration(text);
  } catch {
    throw new UsageError(
      `--${name} ${text} is not a duration: write a whole number followed by ms, s, m or h (e.g. "5m")`,
    );
  }
}

/** A port flag: 0 asks the system for a free port. */
export function portFlag(values: FlagValues, name: string, fallback: number): number {
  const text = stringFlag(values, name);
  if (text === undefined) return fallback;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--${name} ${text} is not a port number (0 to 65535)`);
  return port;
}

/** A flag's whole number of at least `min`; undefined when the flag is not given. */
export function countFlag(values: FlagValues, name: string, min: number): number | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min)
    throw new UsageError(`--${name} ${text} is not a whole number of at least ${min}`);
  return Number(text);
}

/** Exactly the positionals a command takes, named as its usage line names them. */
export function positionals(
  args: ParsedArgs,
  names: string[],
  command: string,
  { optional = 0 } = {},
): (string | undefined)[] {
  const required = names.length - optional;
  if (args.positionals.length < required) {
    throw new UsageError(
      `missing ${names.slice(args.positionals.length, required).join(' ')}; see \`rollguard ${command} --help\``,
    );
  }
  if (args.positionals.length > names.length) {
    throw new UsageError(
      `unexpected argument "${args.positionals[names.length]}"; see \`rollguard ${command} --help\``,
    );
  }
  return names.map((_, i) => args.positionals[i]);
}
