/** The agent logs through this interface; library callers (the server) pass their own. */
export interface AgentLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** One line per entry: `<time> <LEVEL> <message> <fields as JSON>`; warnings and errors go to stderr. */
export function consoleLogger(level: LogLevel = 'info', prefix = 'agent'): AgentLogger {
  const threshold = LOG_LEVELS.indexOf(level);
  const write = (
    entryLevel: Exclude<LogLevel, 'silent'>,
    message: string,
    fields?: Record<string, unknown>,
  ) => {
    if (LOG_LEVELS.indexOf(entryLevel) < threshold) return;
    const suffix = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    const line = `${new Date().toISOString()} ${entryLevel.toUpperCase().padEnd(5)} [${prefix}] ${message}${suffix}`;
    if (entryLevel === 'warn' || entryLevel === 'error') console.error(line);
    else console.log(line);
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

/** Discards everything: for tests. */
export const silentLogger: AgentLogger = consoleLogger('silent');

/** The message of anything thrown, for logs and reports. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}
