import type { Logger } from 'pino';

/** What every command gets from main: the log, Ctrl-C, and where results go. */
export interface CommandContext {
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Results (text or JSON) for stdout; logs never go here. */
  readonly print: (text: string) => void;
}
