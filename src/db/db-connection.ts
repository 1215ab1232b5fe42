import pg from 'pg';
import { DatabaseError, UsageError } from '../core/errors.js';
import { redactUrl } from './db-url.js';
import { pgClient, type SqlClient } from './sql-client.js';

export { dbUrlFrom, redactUrl } from './db-url.js';

/**
 * A connected client (TLS and every other libpq URL option as the URL says: `sslmode=require`, …), closed
 * after `fn`. Whatever goes wrong with the server is a DatabaseError naming the server, never the password.
 */
export async function withDb<T>(url: string, fn: (c: SqlClient) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined); // a dropped connection surfaces as the failure of the query in flight
  try {
    await client.connect();
  } catch (e) {
    throw dbError(e, url, 'cannot connect to');
  }
  try {
    return await fn(pgClient(client));
  } catch (e) {
    if (e instanceof UsageError || e instanceof DatabaseError) throw e;
    if (isPgError(e)) throw dbError(e, url, 'failed on');
    throw e;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * `n` connected clients for `fn` (a sync spreads stores over them: the server ingests on several cores
 * while this process reads and encodes the next store), all closed after it.
 */
export async function withDbPool<T>(url: string, n: number, fn: (clients: SqlClient[]) => Promise<T>): Promise<T> {
  const open = async (held: SqlClient[]): Promise<T> => {
    if (held.length === n) return fn(held);
    return withDb(url, (c) => open([...held, c]));
  };
  return open([]);
}

function isPgError(e: unknown): e is Error & { code?: string } {
  return e instanceof Error && ('severity' in e || 'code' in e);
}

/** One line: what failed, on which server (no password), and the server's own reason. */
export function dbError(e: unknown, url: string, what: string): DatabaseError {
  const err = e as Error & { code?: string };
  const reason = err.code === '28P01' ? 'the password was refused'
    : err.code === '42501' ? `permission denied (${err.message})`
    : err.message.replaceAll(passwordOf(url) || '\u0000', '***');
  return new DatabaseError(`${what} the database ${redactUrl(url)}: ${reason}`);
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}
