/** Fields attached to a log line (cluster id, revision, request id …). */
export type LogFields = Record<string, unknown>;

/** A structured logger; the method shape follows pino's (`fields, message`). */
export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  child(fields: LogFields): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface LoggerOptions {
  level?: LogLevel;
  /** `json`: one JSON object per line; `pretty`: a short line a person can read. */
  format?: 'json' | 'pretty';
  /** Strings that must never appear in output (tokens, keys); replaced by `[redacted]`. */
  secrets?: () => readonly string[];
  write?: (line: string) => void;
}

/** Creates a logger writing one line per event. */
export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const redact = (text: string) => (options.secrets?.() ?? []).reduce((t, s) => (s.length >= 6 ? t.split(s).join('[redacted]') : t), text);
  const emit = (level: Exclude<LogLevel, 'silent'>) => (fields: LogFields, message: string) => {
    if (LEVELS[level] < threshold) return;
    const all = { ...bound, ...fields };
    const line =
      options.format === 'pretty'
        ? `${new Date().toISOString().slice(11, 19)} ${level.toUpperCase().padEnd(5)} ${prettyPrefix(all)}${message}${prettyRest(all)}`
        : JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...all }, errorReplacer);
    write(redact(line));
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

function prettyPrefix(fields: LogFields): string {
  return typeof fields.cluster === 'string' ? `[${fields.cluster}] ` : '';
}

function prettyRest(fields: LogFields): string {
  const rest = Object.entries(fields).filter(([k]) => k !== 'cluster');
  return rest.length === 0 ? '' : `  ${rest.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v, errorReplacer)}`).join(' ')}`;
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message, reason: (value as { reason?: string }).reason } : value;
}

export const silentLogger: Logger = createLogger({ level: 'silent' });
