import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

/** Keys whose values never reach a log line, wherever they appear. */
const REDACT = ['apiKey', 'secret', 'password', 'uid', '*.apiKey', '*.secret', '*.password', 'headers.authorization', '*.headers.authorization'];

/** pino on stderr: pretty on a terminal, JSON lines otherwise. Results go to stdout, never here. */
export function createLogger(level: string): Logger {
  const opts = { level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (process.stderr.isTTY) {
    return pino(opts, pretty({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' }));
  }
  return pino(opts, pino.destination({ fd: 2, sync: true }));
}
