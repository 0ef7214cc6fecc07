import { findCommand, parseCommandArgs, stringFlag } from './args.ts';
import { classify } from './classify.ts';
import { commands } from './commands.ts';
import { ExitCode, UsageError } from './errors.ts';
import { commandHelp, mainHelp } from './help.ts';
import { outputFormat, processOutput } from './output.ts';
import { Session } from './session.ts';

export interface MainIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: MainIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/**
 * The CLI: finds the command, parses its flags, runs it, and turns whatever it fails with into one
 * line on stderr (plus detail lines such as each bad field) and an exit code. Never a stack trace,
 * unless ROLLGUARD_DEBUG is set.
 */
export async function main(argv: string[], io: MainIo = processIo): Promise<number> {
  let session: Session | undefined;
  try {
    const { command: name, rest } = findCommand(argv);
    if (name === undefined || name === 'help') {
      const topic = name === 'help' ? rest.find((a) => !a.startsWith('-')) : undefined;
      const command = topic ? commands[topic] : undefined;
      const help = `${command && topic ? commandHelp(topic, command) : mainHelp(commands)}\n`;
      // Bare `rollguard` is a usage error: the help goes to stderr, with exit code 2.
      if (name === undefined && !rest.some((a) => a === '--help' || a === '-h')) {
        io.stderr(help);
        return ExitCode.Usage;
      }
      io.stdout(help);
      return ExitCode.Ok;
    }
    const command = commands[name];
    if (!command) throw new UsageError(`unknown command "${name}"; the commands are: ${Object.keys(commands).join(', ')}`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(`${commandHelp(name, command)}\n`);
      return ExitCode.Ok;
    }
    const args = parseCommandArgs(rest, command.flags, name);
    const v = args.values;
    session = new Session(
      {
        ...optional('kubeconfig', stringFlag(v, 'kubeconfig')),
        ...optional('context', stringFlag(v, 'context')),
        ...optional('namespace', stringFlag(v, 'namespace')),
        ...optional('temporalAddress', stringFlag(v, 'temporal-address')),
        ...optional('temporalNamespace', stringFlag(v, 'temporal-namespace')),
        ...optional('temporalProfile', stringFlag(v, 'temporal-profile')),
      },
      processOutput(outputFormat(stringFlag(v, 'output'))),
    );
    return await command.run(args, session);
  } catch (err) {
    const failure = classify(err, session?.endpoints());
    io.stderr(`rollguard: ${failure.message}\n${failure.details.map((d) => `  ${d}\n`).join('')}`);
    if (process.env.ROLLGUARD_DEBUG) io.stderr(`${(err as Error).stack ?? String(err)}\n`);
    return failure.exitCode;
  } finally {
    await session?.close().catch(() => undefined);
  }
}

const optional = <K extends string>(key: K, value: string | undefined): { [P in K]?: string } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
