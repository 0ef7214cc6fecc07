import { bashCompletion } from '../completion/bash.ts';
import { fishCompletion } from '../completion/fish.ts';
import type { CompletionSource, Shell } from '../completion/source.ts';
import { zshCompletion } from '../completion/zsh.ts';
import type { Session } from '../session.ts';

export interface CompletionOptions {
  shell: Shell;
  /** The command table the script completes (commands.ts hands in its own). */
  source: CompletionSource;
}

const generators: Record<Shell, (source: CompletionSource) => string> = {
  bash: bashCompletion,
  zsh: zshCompletion,
  fish: fishCompletion,
};

/** `rollguard completion SHELL`: prints the completion script of a shell. */
export async function completion(options: CompletionOptions, session: Session): Promise<number> {
  session.out.raw(generators[options.shell](options.source));
  return 0;
}
