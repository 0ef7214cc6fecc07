/**
 * The one logger of rollguard: one JSON object per line on stdout (stderr for errors), so a log
 * pipeline can read every field and a person can still grep it.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function serialise(value: unknown): unknown {
  if (value instanceof Error) {
    return { message: value.message, name: value.name, ...(value.cause ? { cause: serialise(value.cause) } : {}) };
  }
  return value;
}

export function createLogger(
  base: LogFields = {},
  { level = (process.env.ROLLGUARD_LOG_LEVEL as LogLevel | undefined) ?? 'info', write = defaultWrite } = {},
): Logger {
  const emit = (lvl: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (order[lvl] < order[level]) return;
    const entry: LogFields = { time: new Date().toISOString(), level: lvl, msg, ...base };
    for (const [key, value] of Object.entries(fields)) entry[key] = serialise(value);
    write(lvl, JSON.stringify(entry));
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => createLogger({ ...base, ...fields }, { level, write }),
  };
}

function defaultWrite(level: LogLevel, line: string): void {
  (level === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
}
