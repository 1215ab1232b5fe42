/** The logging the pipeline needs (pino's call shape); the CLI passes pino, tests a silent one. */
export interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLog: Log = { info() {}, warn() {}, debug() {}, error() {} };
