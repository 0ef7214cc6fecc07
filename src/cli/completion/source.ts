import type { Flag, Flags } from '../args.ts';

/** What a completion script is generated from: the CLI's own table of commands and its flags. */
export interface CompletionSource {
  commands: Record<string, { summary: string; flags: Flags; arguments?: readonly string[] | undefined }>;
  /** Understood by every command. */
  globalFlags: Flags;
  /** Understood without a command (--version). */
  rootFlags: Flags;
}

/** The shells `rollguard completion` writes a script for. */
export const shells = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof shells)[number];

/** The names completion is registered for: the command, and the kubectl plugin (`kubectl-rollguard`). */
export const programs = ['rollguard', 'kubectl-rollguard'] as const;

export interface CompletedCommand {
  name: string;
  summary: string;
  /** Its own flags, without the global ones. */
  flags: Flags;
  /** The values its first argument takes, when they are a fixed few. */
  arguments: readonly string[];
}

/** Every command with its own flags (the global ones come on top), plus `help COMMAND`. */
export function completedCommands(source: CompletionSource): CompletedCommand[] {
  const names = Object.keys(source.commands);
  return [
    ...Object.entries(source.commands).map(([name, c]) => ({
      name,
      summary: c.summary,
      flags: c.flags,
      arguments: c.arguments ?? [],
    })),
    { name: 'help', summary: 'show the help of rollguard or of a command', flags: {}, arguments: names },
  ];
}

/** The flags of `rollguard` without a command that are not global flags too (--version). */
export const rootOnlyFlags = (source: CompletionSource): Flags =>
  Object.fromEntries(Object.entries(source.rootFlags).filter(([name]) => !(name in source.globalFlags)));

/** A flag's spellings: `--name`, and `-s` when it has a short form. */
export const spellings = (name: string, flag: Flag): string[] => [
  `--${name}`,
  ...(flag.short ? [`-${flag.short}`] : []),
];

/** A value flag naming a file: completion offers file names. */
export const takesFile = (flag: Flag): boolean => flag.value === 'FILE';

/**
 * A word put into a script unquoted-safe: command and flag names and fixed values are plain words.
 * Anything else is a mistake in the command table, caught by the completion tests.
 */
export function word(text: string): string {
  if (!/^[\w.:=-]+$/.test(text)) throw new Error(`"${text}" cannot be completed: not a plain word`);
  return text;
}
