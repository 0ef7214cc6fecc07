/** The levels of rollguard's log, lowest first (without the logger, so the CLI's flags load no logger). */
export const logLevels = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof logLevels)[number];

export const isLogLevel = (value: unknown): value is LogLevel => logLevels.includes(value as LogLevel);
