import { pino, stdTimeFunctions, type Logger as PinoLogger } from 'pino';
import { currentLogContext } from './log-context.ts';
import { isLogLevel, type LogLevel } from './log-levels.ts';
import { redactFields, redactText } from './redact.ts';
import { prettyLine } from './pretty.ts';

/**
 * The one logger of rollguard (pino underneath): one JSON object per line on stdout (stderr for
 * errors), so a log pipeline can read every field and a person can still grep it; on a terminal, one
 * readable line instead. Tokens, Authorization headers and credentials in URLs never reach a line.
 */
export { isLogLevel, logLevels, type LogLevel } from './log-levels.ts';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** The lowest level written (default $ROLLGUARD_LOG_LEVEL, else info). */
  level?: LogLevel;
  /** Where each line goes; by default stdout, errors to stderr. */
  write?: (level: LogLevel, line: string) => void;
  /** One readable line per entry instead of JSON (default: when stdout is a terminal and $ROLLGUARD_LOG_FORMAT is not json). */
  pretty?: boolean;
}

/** An Error as fields: its name, message and stack, and its cause the same way. */
function serialiseError(err: Error, depth = 0): LogFields {
  return {
    type: err.name,
    message: err.message,
    ...(err.stack ? { stack: err.stack } : {}),
    ...(err.cause !== undefined && depth < 5
      ? { cause: err.cause instanceof Error ? serialiseError(err.cause, depth + 1) : err.cause }
      : {}),
  };
}

const serialise = (value: unknown): unknown => (value instanceof Error ? serialiseError(value) : value);

function defaultLevel(): LogLevel {
  const fromEnv = process.env.ROLLGUARD_LOG_LEVEL;
  return isLogLevel(fromEnv) ? fromEnv : 'info';
}

const defaultPretty = (): boolean => process.stdout.isTTY === true && process.env.ROLLGUARD_LOG_FORMAT !== 'json';

function defaultWrite(level: LogLevel, line: string): void {
  (level === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
}

const levelOfLine = (line: string): LogLevel => {
  const label = /^\{"level":"(\w+)"/.exec(line)?.[1];
  return isLogLevel(label) ? label : 'info';
};

export function createLogger(base: LogFields = {}, options: LoggerOptions = {}): Logger {
  const write = options.write ?? defaultWrite;
  const pretty = options.pretty ?? (options.write ? false : defaultPretty());
  const root = pino(
    {
      level: options.level ?? defaultLevel(),
      base: null,
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors are serialised here (with their stacks and causes), under whatever key they are logged.
      serializers: { err: (value: unknown) => value },
      // Fields of the activity (or workflow) this line is written for: Release, revision, workflow id.
      // A copy: pino merges each line's fields into what mixin returns.
      mixin: () => ({ ...currentLogContext() }),
    },
    {
      write(chunk: string) {
        const line = chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk;
        write(levelOfLine(line), pretty ? prettyLine(line) : line);
      },
    },
  );
  return wrap(root, redactFields(base) as LogFields);
}

/**
 * A child's fields are merged into each entry rather than kept as pino bindings: a field a child or a
 * call sets again replaces the one before, so no line carries a key twice.
 */
function wrap(logger: PinoLogger, base: LogFields): Logger {
  const emit = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (!logger.isLevelEnabled(level)) return;
    const entry: LogFields = { ...base };
    for (const [key, value] of Object.entries(fields)) entry[key] = serialise(value);
    logger[level](redactFields(entry) as LogFields, redactText(msg));
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => wrap(logger, { ...base, ...(redactFields(fields) as LogFields) }),
  };
}
