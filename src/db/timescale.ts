import { recordOf } from '../datasets/registry.js';
import { STORED_DATASETS } from '../datasets/registry.js';
import { tableOf, type DbTable } from './db-schema.js';
import type { SqlClient } from './sql-client.js';

/**
 * What `db init` makes of the tables on a server with TimescaleDB: every time-series table a hypertable
 * with a chunk interval suited to its density, compressed by store (segment by its series key, ordered by
 * time) after a configurable age, and, when asked, continuous aggregates of the candles at 1h and 1d.
 * Every statement here is TimescaleDB's: none runs on plain PostgreSQL.
 */

/** Default age after which a chunk is compressed (`db init --compress-after`, config `db_compress_after`). */
export const DEFAULT_COMPRESS_AFTER = '30 days';

export interface TimescaleOptions {
  /** A PostgreSQL interval: `30 days`, `12 hours`. */
  readonly compressAfter?: string;
  /** Create the continuous aggregates of the candles (1h, 1d). */
  readonly aggregates?: boolean;
}

/**
 * The chunk interval of a table, by how dense its rows are: candles and price klines (down to 1m, a row a
 * minute per store) and liquidations a week; statistics (5m and coarser) a month; settlements and daily
 * market data a year. TimescaleDB advises chunks whose recent indexes fit in memory: a week of 1m candles
 * for 100 symbols is about a million rows.
 */
export function chunkInterval(t: DbTable): string {
  const plan = recordOf(t.dataset)?.plan;
  if (plan === 'klines' || plan === 'recorded') return '7 days';
  if (plan === 'statistic') return '30 days';
  return '365 days';
}

/** The continuous aggregates of the candles: a bucket, and the source timeframes finer than it that fill it. */
export const CANDLE_AGGREGATES: readonly { readonly view: string; readonly bucket: string; readonly from: readonly string[] }[] = [
  { view: 'ohlcv_1h', bucket: '1 hour', from: ['1m', '3m', '5m', '15m', '30m'] },
  { view: 'ohlcv_1d', bucket: '1 day', from: ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h'] },
];

/** Whether the server offers TimescaleDB (then the time-series tables become hypertables). */
export async function hasTimescale(c: SqlClient): Promise<boolean> {
  return (await c.query("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")).rowCount > 0;
}

/**
 * Hypertables, compression and its policy, and the aggregates asked for. Idempotent: a hypertable stays
 * one (its chunk interval is set again, which applies to new chunks only), compression settings are set
 * once, a policy of another age is replaced (the rows are not touched), an aggregate is created once.
 */
export async function applyTimescale(c: SqlClient, o: TimescaleOptions, log?: (msg: string) => void): Promise<void> {
  await c.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
  const age = o.compressAfter ?? DEFAULT_COMPRESS_AFTER;
  // an interval the server cannot read is refused before anything changes
  await c.query('SELECT $1::interval', [age]);
  const hyper = new Map((await c.query<{ name: string; compressed: boolean }>('SELECT hypertable_name AS name, compression_enabled AS compressed FROM timescaledb_information.hypertables')).rows.map((r) => [r.name, r.compressed]));
  for (const t of STORED_DATASETS.map(tableOf)) {
    const interval = chunkInterval(t);
    if (!hyper.has(t.name)) {
      await c.query(`SELECT create_hypertable('${t.name}', by_range('time', INTERVAL '${interval}'), if_not_exists => TRUE, migrate_data => TRUE)`);
    } else {
      await c.query(`SELECT set_chunk_time_interval('${t.name}', INTERVAL '${interval}')`);
    }
    if (!hyper.get(t.name)) {
      await c.query(`ALTER TABLE ${t.name} SET (timescaledb.compress, timescaledb.compress_segmentby = '${t.storeKey.join(', ')}', timescaledb.compress_orderby = 'time')`);
    }
    const policy = (await c.query<{ id: number; same: boolean }>(
      "SELECT job_id AS id, (config->>'compress_after')::interval = $2::interval AS same FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' AND hypertable_name = $1",
      [t.name, age])).rows[0];
    if (policy && !policy.same) await c.query(`SELECT remove_compression_policy('${t.name}')`);
    if (!policy || !policy.same) await c.query(`SELECT add_compression_policy('${t.name}', compress_after => $1::interval)`, [age]);
  }
  log?.(`TimescaleDB: the time-series tables are hypertables, compressed after ${age}`);
  if (o.aggregates) {
    const views = new Set((await c.query<{ name: string }>('SELECT view_name AS name FROM timescaledb_information.continuous_aggregates')).rows.map((r) => r.name));
    for (const a of CANDLE_AGGREGATES) {
      if (views.has(a.view)) continue;
      await c.query(`CREATE MATERIALIZED VIEW ${a.view} WITH (timescaledb.continuous) AS
        SELECT time_bucket(INTERVAL '${a.bucket}', time) AS time, symbol, exchange, timeframe AS source_timeframe,
          first(open, time) AS open, max(high) AS high, min(low) AS low, last(close, time) AS close, sum(volume) AS volume, count(*) AS candles
        FROM ohlcv WHERE timeframe IN (${a.from.map((f) => `'${f}'`).join(', ')}) GROUP BY 1, 2, 3, 4 WITH NO DATA`);
    }
    log?.(`TimescaleDB: continuous aggregates ${CANDLE_AGGREGATES.map((a) => a.view).join(', ')} of the candles`);
  }
}

/** Whether the extension is installed in this database (`db init` installs it where the server offers it). */
export async function timescaleInstalled(c: SqlClient): Promise<boolean> {
  return (await c.query("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")).rowCount > 0;
}

/** Whether a table is a hypertable with compression on (false on plain PostgreSQL). */
export async function isCompressedHypertable(c: SqlClient, table: string): Promise<boolean> {
  if (!(await timescaleInstalled(c))) return false;
  return (await c.query('SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = $1 AND compression_enabled', [table])).rowCount > 0;
}

/** The continuous aggregates this database has (none on plain PostgreSQL). */
export async function aggregatesIn(c: SqlClient): Promise<string[]> {
  if (!(await timescaleInstalled(c))) return [];
  return (await c.query<{ name: string }>('SELECT view_name AS name FROM timescaledb_information.continuous_aggregates ORDER BY 1')).rows.map((r) => r.name);
}

/** Bring the aggregates up to the rows synced: only what changed is computed again (TimescaleDB tracks it). */
export async function refreshAggregates(c: SqlClient, views: readonly string[]): Promise<void> {
  for (const v of views) await c.query(`CALL refresh_continuous_aggregate('${v}', NULL, NULL)`);
}

/** A table as TimescaleDB sees it, for `db status`. */
export interface HypertableStatus {
  readonly table: string;
  readonly chunkInterval: string | null;
  readonly chunks: number;
  readonly compressedChunks: number;
  /** Bytes before compression over bytes after, of the compressed chunks; null while none is. */
  readonly compressionRatio: number | null;
  /** Its jobs: `compression after 30 days`, … */
  readonly policies: readonly string[];
}

/** Every hypertable's chunks, compression and policies; none on plain PostgreSQL. */
export async function hypertableStatus(c: SqlClient): Promise<Map<string, HypertableStatus>> {
  const out = new Map<string, HypertableStatus>();
  if (!(await timescaleInstalled(c))) return out;
  const tables = (await c.query<{ name: string; chunks: number; interval: string | null }>(
    `SELECT h.hypertable_name AS name, h.num_chunks AS chunks, d.time_interval::text AS interval FROM timescaledb_information.hypertables h
     LEFT JOIN timescaledb_information.dimensions d ON d.hypertable_name = h.hypertable_name AND d.dimension_number = 1`)).rows;
  for (const t of tables) {
    const stats = (await c.query<{ compressed: number | null; before: number | null; after: number | null }>(
      `SELECT number_compressed_chunks AS compressed, before_compression_total_bytes AS before, after_compression_total_bytes AS after FROM hypertable_compression_stats('${t.name}')`)).rows[0];
    const jobs = (await c.query<{ proc: string; config: Record<string, unknown> | string | null }>(
      'SELECT proc_name AS proc, config FROM timescaledb_information.jobs WHERE hypertable_name = $1 ORDER BY job_id', [t.name])).rows;
    const before = Number(stats?.before ?? 0);
    const after = Number(stats?.after ?? 0);
    out.set(t.name, {
      table: t.name, chunkInterval: t.interval, chunks: Number(t.chunks), compressedChunks: Number(stats?.compressed ?? 0),
      compressionRatio: after > 0 ? before / after : null,
      policies: jobs.map((j) => {
        const cfg = (typeof j.config === 'string' ? JSON.parse(j.config) : j.config ?? {}) as Record<string, unknown>;
        return j.proc === 'policy_compression' ? `compression after ${String(cfg['compress_after'])}` : j.proc;
      }),
    });
  }
  return out;
}
