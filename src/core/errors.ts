/**
 * The few error kinds qml-data raises on purpose. Each is mapped to one exit code in cli/main.ts;
 * anything else is a bug and is shown with its stack.
 */

/** The user asked for something malformed: a flag, a symbol, a date, a path. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The configuration file is missing, unparsable or does not match the schema. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The exchange refused or could not be reached; `symbol` and `timeframe` say what was being fetched. */
export class ExchangeError extends Error {
  override name = 'ExchangeError';
}

/** A failure worth retrying: network, timeout, 5xx, rate limit, a malformed or short page. */
export class TemporaryExchangeError extends ExchangeError {
  override name = 'TemporaryExchangeError';
  constructor(
    message: string,
    /** Milliseconds the exchange asked us to wait (Retry-After), when it said. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A store could not be read, written, locked, or is not what it claims to be. */
export class StoreError extends Error {
  override name = 'StoreError';
}

/**
 * The database sink failed: unreachable, refused the login, lacks a permission, or a statement failed.
 * The Parquet stores are written and unchanged; the message never holds the password.
 */
export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

/** One or more stores failed a job (validation, or a per-store failure in a multi-store run). */
export class JobFailedError extends Error {
  override name = 'JobFailedError';
}

/** Ctrl-C or SIGTERM arrived; work already written is kept. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}
