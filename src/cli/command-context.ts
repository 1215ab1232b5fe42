import type { Logger } from 'pino';
import type { StatusLine } from './status-line.js';

/** What every command gets from main: the log, Ctrl-C, where results go, and the environment. */
export interface CommandContext {
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Results (text or JSON) for stdout; logs never go here. */
  readonly print: (text: string) => void;
  /** Stdout itself, for data streamed there (`export --out -`). */
  readonly stdout: { write(text: string): unknown };
  /** The terminal's status line, when stderr is a terminal: progress shows there, logs go above it. */
  readonly terminal?: StatusLine;
  /**
   * On a terminal at the default log level, the per-store info logs give way to the progress display
   * and the final table: the pipeline logs warnings only.
   */
  readonly runLog: Logger;
  /** Environment variables (QML_API_URL, …): the process's, or a test's. */
  readonly env: Readonly<Record<string, string | undefined>>;
}
