import { pino, stdSerializers, stdTimeFunctions, type DestinationStream } from 'pino';
import { prettyFactory } from 'pino-pretty';

/** Fields attached to a log line (cluster id, revision, request id …). */
export type LogFields = Record<string, unknown>;

/** The logger every part takes (injected, never a module singleton); pino's call shape: `fields, message`. */
export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  child(fields: LogFields): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface LoggerOptions {
  level?: LogLevel;
  /** `json`: one JSON object per line (pino); `pretty`: a short line a person can read (pino-pretty). */
  format?: 'json' | 'pretty';
  /** Secret values (tokens, keys) that must never appear in output; replaced by `[redacted]` wherever they occur. */
  secrets?: () => readonly string[];
  /** Where lines go (one call per line, without the newline); stderr when absent. */
  write?: (line: string) => void;
  /** Colours in pretty output; defaults to whether stderr is a terminal. */
  colorize?: boolean;
}

/** Field names whose values are never logged, whatever they hold. */
const REDACT_PATHS = ['authorization', 'headers.authorization', 'req.headers.authorization', 'token', '*.token', 'password', '*.password', 'secretAccessKey', '*.secretAccessKey', 'privateKey', '*.privateKey', 'joinToken', '*.joinToken'];

/** Secrets recognisable by their shape: our API tokens, bearer credentials, swarm and k3s join tokens. */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/cot_[a-z2-7]{12}_[A-Za-z0-9_-]{43}/g, 'cot_[redacted]'],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1[redacted]'],
  [/SWMTKN-1-[A-Za-z0-9-]+/g, 'SWMTKN-[redacted]'],
  [/K10[0-9a-f]{20,}::[A-Za-z0-9.:_-]+/g, 'K10[redacted]'],
];

/** Removes every known secret value and secret-shaped string from a serialized line. */
export function redactLine(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const s of secrets) {
    if (s.length < 6) continue;
    out = out.split(s).join('[redacted]');
    const escaped = JSON.stringify(s).slice(1, -1);
    if (escaped !== s) out = out.split(escaped).join('[redacted]');
  }
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Creates a pino logger writing one line per event, secrets redacted before anything is written. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  // Pretty lines are made from the JSON line after redaction, so both formats hide the same things.
  const prettify =
    options.format === 'pretty'
      ? prettyFactory({ colorize: options.colorize ?? Boolean(process.stderr.isTTY), translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,cluster', messageFormat: '{if cluster}[{cluster}] {end}{msg}', singleLine: true })
      : undefined;
  const destination: DestinationStream = { write: (chunk: string) => write((prettify ? prettify(chunk) : chunk).replace(/\n$/, '')) };
  return pino(
    {
      level: options.level ?? 'info',
      base: null,
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: stdSerializers.err, error: stdSerializers.err },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      hooks: { streamWrite: (line) => redactLine(line, options.secrets?.() ?? []) },
    },
    destination,
  ) as unknown as Logger;
}

export const silentLogger: Logger = createLogger({ level: 'silent' });
