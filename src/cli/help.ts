import { globalFlags, rootFlags, type Flags } from './args.ts';
import type { Command } from './commands.ts';

function flagLines(flags: Flags): string[] {
  const rows = Object.entries(flags).map(([name, flag]) => {
    const short = flag.short ? `-${flag.short}, ` : '    ';
    return [`  ${short}--${name}${flag.value ? ` ${flag.value}` : ''}`, flag.description];
  });
  const width = Math.max(...rows.map(([left]) => (left as string).length));
  return rows.map(([left, right]) => `${(left as string).padEnd(width)}   ${right}`);
}

/** `rollguard --help`: every command, the global flags, the exit codes. */
export function mainHelp(commands: Record<string, Command>): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return [
    'rollguard: roll out Kubernetes Releases as durable Temporal workflows, and roll them back when they go bad.',
    '',
    'Usage: rollguard COMMAND [ARGS] [FLAGS]',
    '       rollguard --version',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}   ${c.summary}`),
    '',
    'Flags without a command:',
    ...flagLines(rootFlags),
    '',
    'Flags of every command:',
    ...flagLines(globalFlags),
    '',
    'Exit codes: 0 ok, 1 rollout failed or rolled back (or another failure), 2 usage error,',
    '            3 not found, 4 cannot reach Kubernetes or Temporal. See docs/cli.md.',
    '',
    'Run `rollguard COMMAND --help` for the flags of a command.',
  ].join('\n');
}

export function commandHelp(name: string, command: Command): string {
  const own = Object.keys(command.flags).length > 0 ? ['', 'Flags:', ...flagLines(command.flags)] : [];
  return [
    `rollguard ${name}: ${command.summary}`,
    '',
    `Usage: rollguard ${command.usage}`,
    ...own,
    '',
    'Flags of every command:',
    ...flagLines(globalFlags),
  ].join('\n');
}
