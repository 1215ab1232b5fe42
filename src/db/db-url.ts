import { UsageError } from '../core/errors.js';

/** Where the database is: `--db-url`, else `QML_DB_URL`, else `DATABASE_URL` (libpq URL form). */
export function dbUrlFrom(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  const url = flag ?? env['QML_DB_URL'] ?? env['DATABASE_URL'];
  if (!url) throw new UsageError('no database given (expected --db-url postgres://user:password@host:5432/db, or QML_DB_URL / DATABASE_URL)');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--db-url "${redactUrl(url)}" is not a URL (expected postgres://user:password@host:5432/db)`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new UsageError(`--db-url "${redactUrl(url)}" is not a PostgreSQL URL (expected postgres://… or postgresql://…)`);
  }
  return url;
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@').replace(/([?&]password=)[^&]*/i, '$1***');
}
