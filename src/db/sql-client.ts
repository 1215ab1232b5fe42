import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';

/** A query's rows and how many rows it touched. */
export interface SqlResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

/**
 * What the database code needs of a connection: one session's queries and a binary COPY into a table.
 * The command line talks to PostgreSQL through `pg` (pgClient); the tests also run the same migrations,
 * syncs and status queries on TimescaleDB in PGlite, in-process, through an adapter of their own.
 */
export interface SqlClient {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
  /** `COPY <table> (<columns>) FROM STDIN (FORMAT binary)`, fed with these bytes. */
  copyFrom(sql: string, chunks: Iterable<Uint8Array>): Promise<void>;
}

/** A `pg` client as a SqlClient; COPY streams through pg-copy-streams. */
export function pgClient(c: pg.Client): SqlClient {
  return {
    query: async <R>(text: string, params?: readonly unknown[]) => {
      const r = await c.query(text, params as unknown[] | undefined);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    },
    copyFrom: async (sql, chunks) => {
      await pipeline(Readable.from(chunks), c.query(copyStreams.from(sql)));
    },
  };
}
