import type { Logger } from 'pino';

/** What every command gets from main: the log, Ctrl-C, where results go, and the environment. */
export interface CommandContext {
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Results (text or JSON) for stdout; logs never go here. */
  readonly print: (text: string) => void;
  /** Environment variables (QML_API_URL, …): the process's, or a test's. */
  readonly env: Readonly<Record<string, string | undefined>>;
}
