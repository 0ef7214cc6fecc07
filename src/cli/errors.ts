/**
 * What the CLI can fail with. Each class carries its exit code; the one handler in ./main.ts prints
 * the message (and any detail lines) and exits with it. docs/cli.md documents the codes.
 */
export const ExitCode = {
  Ok: 0,
  /** A rollout ended Failed or was rolled back, a request was refused, or something unexpected failed. */
  Failed: 1,
  /** Bad arguments, a bad file or an invalid Release. */
  Usage: 2,
  /** The Release, its workflow or a revision does not exist. */
  NotFound: 3,
  /** Kubernetes or Temporal cannot be reached, configured or authenticated to. */
  Unreachable: 4,
  /** Stopped by Ctrl-C. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  readonly exitCode: ExitCode;
  /** Lines printed after the message, such as each bad field of a Release. */
  readonly details: string[];

  constructor(
    message: string,
    exitCode: ExitCode,
    { details = [], cause }: { details?: string[]; cause?: unknown } = {},
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.details = details;
  }
}

/** The command line, a file it names, or the Release in it is wrong; the message says how to fix it. */
export class UsageError extends CliError {
  constructor(message: string, options: { details?: string[]; cause?: unknown } = {}) {
    super(message, ExitCode.Usage, options);
  }
}

export class NotFoundError extends CliError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, ExitCode.NotFound, options);
  }
}

/** Kubernetes or Temporal did not answer, or refused who we are. */
export class UnreachableError extends CliError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, ExitCode.Unreachable, options);
  }
}

/** The rollout did not end well, or the workflow refused the request. */
export class RolloutError extends CliError {
  constructor(message: string, options: { details?: string[]; cause?: unknown } = {}) {
    super(message, ExitCode.Failed, options);
  }
}
