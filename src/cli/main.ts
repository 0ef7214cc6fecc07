import { classify } from './classify.ts';
import { parseInvocation } from './invocation.ts';
import { processOutput } from './output.ts';
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
    const invocation = parseInvocation(argv);
    if ('help' in invocation) {
      io[invocation.stream](invocation.help);
      return invocation.exitCode;
    }
    session = new Session(invocation.connections, processOutput(invocation.output));
    return await invocation.command.run(invocation.options, session);
  } catch (err) {
    const failure = classify(err, session?.endpoints());
    io.stderr(`rollguard: ${failure.message}\n${failure.details.map((d) => `  ${d}\n`).join('')}`);
    if (process.env.ROLLGUARD_DEBUG) io.stderr(`${(err as Error).stack ?? String(err)}\n`);
    return failure.exitCode;
  } finally {
    await session?.close().catch(() => undefined);
  }
}
