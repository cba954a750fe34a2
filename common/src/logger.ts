/**
 * A small line logger: `level name message {fields}`. One place decides what a log line looks
 * like; secrets are never passed to it.
 */
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export function createLogger(name: string, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger {
  const line = (level: string, message: string, fields?: LogFields) =>
    write(`${new Date().toISOString()} ${level} [${name}] ${message}${fields ? ' ' + JSON.stringify(fields) : ''}`);
  return {
    info: (m, f) => line('info', m, f),
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => line('error', m, f),
  };
}

/** For tests and tools that want quiet output. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
