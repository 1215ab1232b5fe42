import pino, { type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { StatusLine } from './status-line.js';
import { UsageError } from '../core/errors.js';

/** Keys whose values never reach a log line, wherever they appear. */
const REDACT = ['apiKey', 'secret', 'password', 'uid', '*.apiKey', '*.secret', '*.password', 'headers.authorization', '*.headers.authorization'];

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
/** Spellings users bring from Python's logging. */
const ALIASES: Record<string, string> = { warning: 'warn', critical: 'fatal' };

/** A --log-level (or QML_LOG_LEVEL) value as pino's level name; throws UsageError naming it. */
export function parseLogLevel(text: string): string {
  const level = ALIASES[text.toLowerCase()] ?? text.toLowerCase();
  if (!LEVELS.includes(level)) throw new UsageError(`--log-level "${text}" is not a level (expected one of ${LEVELS.join(' ')})`);
  return level;
}

/**
 * pino on stderr: pretty on a terminal (written above the progress status line), JSON lines otherwise.
 * Results go to stdout, never here. A run inside another program (tests) passes its own stream.
 */
export function createLogger(levelText: string, out: StatusLine | { write(text: string): unknown } = process.stderr, color = true): Logger {
  const opts = { level: parseLogLevel(levelText), redact: { paths: REDACT, censor: '[redacted]' } };
  if (out instanceof StatusLine) {
    // NO_COLOR (https://no-color.org): plain text on the terminal too
    const format = prettyFactory({ colorize: color, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' });
    return pino(opts, { write: (s: string) => out.log(format(s)) });
  }
  if (out === process.stderr) return pino(opts, pino.destination({ fd: 2, sync: true }));
  return pino(opts, { write: (s: string) => { out.write(s); } });
}
