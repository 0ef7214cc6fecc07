import { findCommand, parseCommandArgs, stringFlag } from './args.ts';
import { type Command, commands } from './commands.ts';
import { ExitCode, UsageError } from './errors.ts';
import { commandHelp, mainHelp } from './help.ts';
import { outputFormat, type OutputFormat } from './output.ts';
import type { Connections } from './session.ts';
import { rollguardVersion } from '../telemetry/build-info.ts';

/** What a command line asks for: help (or the version) to print, or a command with its options. Nothing is connected yet. */
export type Invocation =
  | { help: string; stream: 'stdout' | 'stderr'; exitCode: ExitCode }
  | { name: string; command: Command; options: unknown; connections: Connections; output: OutputFormat };

/**
 * Reads a command line: which command, its options, where to connect and how to print. Pure apart
 * from the environment passed in, so every argv → options mapping is tested as a table without a
 * cluster; bad arguments throw a UsageError naming them.
 */
export function parseInvocation(argv: string[], env: NodeJS.ProcessEnv = process.env): Invocation {
  const { command: name, rest } = findCommand(argv);
  const asksHelp = rest.includes('--help') || rest.includes('-h');
  if (name === undefined && rest.includes('--version') && !asksHelp) {
    return { help: `rollguard ${rollguardVersion}\n`, stream: 'stdout', exitCode: ExitCode.Ok };
  }
  if (name === undefined || name === 'help') {
    const topic = name === 'help' ? rest.find((a) => !a.startsWith('-')) : undefined;
    const command = topic ? commands[topic] : undefined;
    if (topic && !command) throw unknownCommand(topic);
    const help = `${command && topic ? commandHelp(topic, command) : mainHelp(commands)}\n`;
    // Bare `rollguard` is a usage error: the help goes to stderr, with exit code 2.
    if (name === undefined && !asksHelp) return { help, stream: 'stderr', exitCode: ExitCode.Usage };
    return { help, stream: 'stdout', exitCode: ExitCode.Ok };
  }
  const command = commands[name];
  if (!command) throw unknownCommand(name);
  if (asksHelp) return { help: `${commandHelp(name, command)}\n`, stream: 'stdout', exitCode: ExitCode.Ok };
  const args = parseCommandArgs(rest, command.flags, name);
  const v = args.values;
  const connections: Connections = {};
  const connect = {
    kubeconfig: 'kubeconfig',
    context: 'context',
    namespace: 'namespace',
    temporalAddress: 'temporal-address',
    temporalNamespace: 'temporal-namespace',
    temporalProfile: 'temporal-profile',
  } as const;
  for (const [key, flag] of Object.entries(connect)) {
    const value = stringFlag(v, flag);
    if (value !== undefined) connections[key as keyof typeof connect] = value;
  }
  return {
    name,
    command,
    options: command.options(args, env),
    connections,
    output: outputFormat(stringFlag(v, 'output')),
  };
}

const unknownCommand = (name: string): UsageError =>
  new UsageError(`unknown command "${name}"; the commands are: ${Object.keys(commands).join(', ')}`);
