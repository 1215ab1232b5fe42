import { STORED_DATASETS } from '../datasets/registry.js';
import { describeStores, findStores } from '../pipeline/store-reports.js';
import { readStoreMeta } from '../store/store-read.js';
import { allTables, tableOf, UNIVERSE_TABLE } from './db-schema.js';
import { storeKeyOf } from './db-sync.js';
import type { SqlClient } from './sql-client.js';
import { hypertableStatus, type HypertableStatus } from './timescale.js';

export interface DbTableStatus {
  readonly table: string;
  readonly rows: number;
  readonly newest: string | null;
  /** TimescaleDB's view of it; null on plain PostgreSQL (or a table that is no hypertable). */
  readonly hypertable: HypertableStatus | null;
}

export interface DbStoreStatus {
  readonly dataset: string;
  readonly exchange: string | undefined;
  readonly symbol: string;
  readonly timeframe: string;
  readonly storeLast: string | null;
  readonly dbLast: string | null;
  readonly behind: boolean;
}

export interface DbStatus {
  readonly tables: readonly DbTableStatus[];
  readonly stores: readonly DbStoreStatus[];
}

/** Per table: rows, newest time and, on TimescaleDB, chunks, compression and policies; per store: what the database lacks. */
export async function dbStatusOf(c: SqlClient, dataDir: string): Promise<DbStatus> {
  const hyper = await hypertableStatus(c);
  const tables: DbTableStatus[] = [];
  for (const name of [...allTables().map((t) => t.name), UNIVERSE_TABLE]) {
    const time = name === UNIVERSE_TABLE ? 'created_at' : 'time';
    const r = (await c.query<{ rows: unknown; newest: Date | null }>(`SELECT count(*) AS rows, max(${time}) AS newest FROM ${name}`)).rows[0]!;
    tables.push({ table: name, rows: Number(r.rows), newest: r.newest ? new Date(r.newest).toISOString() : null, hypertable: hyper.get(name) ?? null });
  }
  const synced = new Map((await c.query<{ table_name: string; store: string; last_time: Date | null }>('SELECT table_name, store, last_time FROM qml_sync_state')).rows
    .map((r) => [`${r.table_name}|${r.store}`, r.last_time ? new Date(r.last_time).toISOString() : null]));
  const refs = await findStores(dataDir, { datasets: [...STORED_DATASETS] });
  const listed = await describeStores(refs, Date.now());
  const stores: DbStoreStatus[] = [];
  for (const [i, ref] of refs.entries()) {
    const d = STORED_DATASETS.find((x) => x.name === ref.dataset)!;
    const key = `${tableOf(d).name}|${[...storeKeyOf(d, ref, (await readStoreMeta(ref.path)).exchange), ...(d.scope === 'venue' ? [ref.timeframe] : [])].join(' ')}`;
    const inDb = synced.get(key) ?? null;
    stores.push({ dataset: ref.dataset, exchange: ref.exchange, symbol: ref.symbol, timeframe: ref.timeframe, storeLast: listed[i]!.last, dbLast: inDb, behind: inDb === null || listed[i]!.last === null || Date.parse(inDb) !== Date.parse(listed[i]!.last!) });
  }
  return { tables, stores };
}

/** The status as lines: tables with rows (and their hypertable figures), then the stores behind. */
export function dbStatusText(status: DbStatus): string {
  const behind = status.stores.filter((s) => s.behind);
  return [
    ...status.tables.filter((t) => t.rows > 0 || t.hypertable).map((t) => {
      const h = t.hypertable;
      const ts = h ? `  hypertable (chunks of ${h.chunkInterval ?? '?'}): ${h.chunks} chunk(s), ${h.compressedChunks} compressed${h.compressionRatio ? ` (${h.compressionRatio.toFixed(1)}×)` : ''}; ${h.policies.length ? h.policies.join(', ') : 'no policy'}` : '';
      return `${t.table.padEnd(26)} ${String(t.rows).padStart(10)} rows  newest ${t.newest}${ts}`;
    }),
    `${status.stores.length - behind.length} of ${status.stores.length} store(s) current in the database${behind.length ? `; behind: ${behind.slice(0, 10).map((s) => `${s.symbol} ${s.dataset === 'ohlcv' ? s.timeframe : s.dataset} (db ${s.dbLast ?? 'none'}, store ${s.storeLast})`).join(', ')}${behind.length > 10 ? ` and ${behind.length - 10} more` : ''}` : ''}`,
  ].join('\n');
}
