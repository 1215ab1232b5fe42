import type { DatasetDescriptor, SeriesFrame } from '../core/dataset.js';
import { StoreError } from '../core/errors.js';
import { textOf } from '../core/text-codes.js';
import { allVenues, exchangeNames } from '../exchange/venue.js';
import { readStore, readStoreMeta, type StoreRef } from '../store/store-read.js';
import { universeSnapshotDates, readUniverseSnapshot } from '../store/universe-files.js';
import { binaryCopyChunks, type CopyValue } from './binary-copy.js';
import { MIGRATIONS, tableOf, UNIVERSE_TABLE, type DbTable } from './db-schema.js';
import type { SqlClient } from './sql-client.js';
import { applyTimescale, hasTimescale, isCompressedHypertable, type TimescaleOptions } from './timescale.js';

/** What one store's sync did. */
export interface SyncOutcome {
  readonly table: string;
  readonly store: string;
  /** `new-rows`: only rows after the last sync; `full`: every row (first sync, or the store was rewritten); `current`: nothing to send. */
  readonly mode: 'new-rows' | 'full' | 'current';
  readonly sent: number;
}

/** Create or migrate the schema: the migrations not yet applied, each in its own transaction. Returns those applied. */
export async function initSchema(c: SqlClient, log?: (msg: string) => void, timescale: TimescaleOptions = {}): Promise<number[]> {
  await c.query('CREATE TABLE IF NOT EXISTS qml_schema_version (version INTEGER PRIMARY KEY, what TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
  // two `db init` at once: the second waits here, then finds the work done
  await c.query('BEGIN');
  await c.query('SELECT pg_advisory_xact_lock(7290331)');
  const done = new Set((await c.query<{ version: number }>('SELECT version FROM qml_schema_version')).rows.map((r) => Number(r.version)));
  const applied: number[] = [];
  try {
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const sql of m.sql) await c.query(sql);
      await c.query('INSERT INTO qml_schema_version (version, what) VALUES ($1, $2)', [m.version, m.what]);
      applied.push(m.version);
    }
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK');
    throw e;
  }
  if (await hasTimescale(c)) await applyTimescale(c, timescale, log);
  return applied;
}

/** The schema version the database is at (0: never initialized). */
export async function schemaVersion(c: SqlClient): Promise<number> {
  const exists = (await c.query<{ t: unknown }>("SELECT to_regclass('qml_schema_version')::text AS t")).rows[0]!.t !== null;
  if (!exists) return 0;
  return Number((await c.query<{ v: unknown }>('SELECT coalesce(max(version), 0) AS v FROM qml_schema_version')).rows[0]!.v);
}

interface SyncState { rewritten_at: string; last_time: Date | null; rows: string }

/**
 * Mirror one grid store into its table, in one transaction: a kill leaves the table and the sync state
 * as they were, and the next sync does it again. While the store has only been extended since the last
 * sync (its `qml.rewritten_at` is the same), only the rows after the last one copied are sent; otherwise
 * every row goes to a staging table and is merged: changed rows updated, rows the store no longer holds
 * deleted. Rows go by binary COPY, never one INSERT a row.
 */
export async function syncStore(c: SqlClient, d: DatasetDescriptor, ref: StoreRef): Promise<SyncOutcome> {
  if (d.merge === 'distinct') return syncEvents(c, d, ref);
  const t = tableOf(d);
  const meta = await readStoreMeta(ref.path);
  const keyValues = storeKeyOf(d, ref, meta.exchange);
  const store = keyValues.join(' ');
  const rewrittenAt = meta.rewrittenAt ?? '';
  await c.query('BEGIN');
  try {
    // the rows and the sync state commit together: a server crash before the WAL reaches disk loses both,
    // and the next sync sends them again, so the commit need not wait for the disk
    await c.query('SET LOCAL synchronous_commit TO OFF');
    const state = (await c.query<SyncState>('SELECT rewritten_at, last_time, rows FROM qml_sync_state WHERE table_name = $1 AND store = $2 FOR UPDATE', [t.name, store])).rows[0];
    const incremental = state !== undefined && state.rewritten_at === rewrittenAt && state.last_time !== null;
    const after = incremental ? state.last_time!.getTime() + 1 : undefined;
    const { frame } = await readStore<SeriesFrame>(d, ref.path, { symbol: ref.symbol }, after === undefined ? undefined : { start: after, end: Number.MAX_SAFE_INTEGER });
    const n = frame.time.length;
    const columns = copyColumns(t, frame, keyValues);
    let mode: SyncOutcome['mode'] = incremental ? (n > 0 ? 'new-rows' : 'current') : 'full';
    if (incremental) {
      if (n > 0) await copyInto(c, t.name, t, columns, n);
    } else {
      // rows and sync state commit together, so a store without state has no rows here, unless someone
      // put them there: looked up by the primary key at the store's first row, not by a scan
      const held = n > 0 && (await c.query(`SELECT 1 FROM ${t.name} WHERE time = $${keyValues.length + 1} AND ${whereStore(t)} LIMIT 1`, [...keyValues, new Date(frame.time[0]!)])).rowCount! > 0;
      if (state === undefined && !held) await copyInto(c, t.name, t, columns, n);
      else if (await isCompressedHypertable(c, t.name)) await replaceAll(c, t, columns, n, keyValues);
      else await mergeAll(c, t, columns, n, keyValues);
    }
    if (n === 0 && !incremental) mode = 'full';
    const last = frame.time[n - 1];
    await c.query(`INSERT INTO qml_sync_state (table_name, store, rewritten_at, last_time, rows) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (table_name, store) DO UPDATE SET rewritten_at = EXCLUDED.rewritten_at, last_time = coalesce(EXCLUDED.last_time, qml_sync_state.last_time),
      rows = qml_sync_state.rows * $6 + EXCLUDED.rows, synced_at = now()`,
    [t.name, store, rewrittenAt, last === undefined ? null : new Date(last), n, incremental ? 1 : 0]);
    await c.query('COMMIT');
    return { table: t.name, store, mode, sent: n };
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** The values naming a store in its table (symbol, exchange[, timeframe]); joined, its name in the sync state. */
export function storeKeyOf(d: DatasetDescriptor, ref: StoreRef, footerExchange: string | undefined): string[] {
  const exchange = footerExchange ?? ref.exchange;
  if (!exchange) throw new StoreError(`${ref.path}: no exchange recorded, and the store is not in a venue's folder; move it into one (qml-data migrate-layout)`);
  return [...(d.scope === 'venue' ? [] : [ref.symbol]), exchange, ...(d.perTimeframe ? [ref.timeframe] : [])];
}

function whereStore(t: DbTable, alias = ''): string {
  return t.storeKey.map((k, i) => `${alias}${k} = $${i + 1}`).join(' AND ');
}

/** The COPY columns of a store's rows: its own columns, the store's identity as constants, nulls for what it does not keep. */
function copyColumns(t: DbTable, frame: SeriesFrame, keyValues: readonly string[]): CopyValue[] {
  let k = 0;
  return t.columns.map((col): CopyValue => {
    if (col.from) {
      const values = frame[col.from]!;
      return col.type === 'timestamptz' ? { kind: 'timestamptz', values } : col.type === 'text' ? { kind: 'text', values: Array.from(values, textOf) } : { kind: 'float8', values };
    }
    if (t.storeKey.includes(col.name)) return { kind: 'constant-text', value: keyValues[k++]! };
    return { kind: 'null' };
  });
}

async function copyInto(c: SqlClient, table: string, t: DbTable, columns: readonly CopyValue[], n: number): Promise<void> {
  await c.copyFrom(`COPY ${table} (${t.columns.map((x) => x.name).join(', ')}) FROM STDIN (FORMAT binary)`, binaryCopyChunks(columns, 0, n));
}

/**
 * A compressed hypertable (TimescaleDB): the store's rows deleted by its key (whole compressed batches go
 * at once: the key is the segment-by) and copied again, in the same transaction. A merge would look up
 * each row in compressed batches, decompressing them one conflict at a time.
 */
async function replaceAll(c: SqlClient, t: DbTable, columns: readonly CopyValue[], n: number, keyValues: readonly string[]): Promise<void> {
  await c.query(`DELETE FROM ${t.name} WHERE ${whereStore(t)}`, [...keyValues]);
  await copyInto(c, t.name, t, columns, n);
}

/** Every row through a staging table: inserted, updated where different, and the store's other rows deleted. */
async function mergeAll(c: SqlClient, t: DbTable, columns: readonly CopyValue[], n: number, keyValues: readonly string[]): Promise<void> {
  await c.query(`CREATE TEMP TABLE qml_stage (LIKE ${t.name} INCLUDING DEFAULTS) ON COMMIT DROP`);
  await copyInto(c, 'qml_stage', t, columns, n);
  const values = t.columns.filter((x) => !t.key.includes(x.name)).map((x) => x.name);
  await c.query(`INSERT INTO ${t.name} (${t.columns.map((x) => x.name).join(', ')}) SELECT ${t.columns.map((x) => x.name).join(', ')} FROM qml_stage ON CONFLICT (${t.key.join(', ')}) DO UPDATE SET ${values.map((v) => `${v} = EXCLUDED.${v}`).join(', ')}
    WHERE (${values.map((v) => `${t.name}.${v}`).join(', ')}) IS DISTINCT FROM (${values.map((v) => `EXCLUDED.${v}`).join(', ')})`);
  await c.query(`DELETE FROM ${t.name} AS t WHERE ${whereStore(t, 't.')} AND NOT EXISTS (SELECT 1 FROM qml_stage s WHERE ${t.key.map((k) => `s.${k} = t.${k}`).join(' AND ')})`, [...keyValues]);
}

/**
 * A store of events kept as a set (a venue's liquidations of one day): while its row count is the one last
 * synced, nothing is sent; otherwise every row goes to a staging table and is inserted where the table
 * lacks it (its events only grow, and one merged again is the same event).
 */
async function syncEvents(c: SqlClient, d: DatasetDescriptor, ref: StoreRef): Promise<SyncOutcome> {
  const t = tableOf(d);
  const meta = await readStoreMeta(ref.path);
  const keyValues = storeKeyOf(d, ref, meta.exchange);
  const store = [...keyValues, ref.timeframe].join(' ');
  await c.query('BEGIN');
  try {
    const { frame } = await readStore<SeriesFrame>(d, ref.path, {});
    const n = frame.time.length;
    const state = (await c.query<SyncState>('SELECT rows FROM qml_sync_state WHERE table_name = $1 AND store = $2 FOR UPDATE', [t.name, store])).rows[0];
    if (state && Number(state.rows) === n) {
      await c.query('COMMIT');
      return { table: t.name, store, mode: 'current', sent: 0 };
    }
    await c.query(`CREATE TEMP TABLE qml_stage (LIKE ${t.name} INCLUDING DEFAULTS) ON COMMIT DROP`);
    await copyInto(c, 'qml_stage', t, copyColumns(t, frame, keyValues), n);
    await c.query(`INSERT INTO ${t.name} (${t.columns.map((x) => x.name).join(', ')}) SELECT ${t.columns.map((x) => x.name).join(', ')} FROM qml_stage ON CONFLICT (${t.key.join(', ')}) DO NOTHING`);
    await c.query(`INSERT INTO qml_sync_state (table_name, store, rows) VALUES ($1, $2, $3) ON CONFLICT (table_name, store) DO UPDATE SET rows = EXCLUDED.rows, synced_at = now()`, [t.name, store, n]);
    await c.query('COMMIT');
    return { table: t.name, store, mode: 'full', sent: n };
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Every venue's universe snapshots not yet in the table (a snapshot never changes once its day is over). */
export async function syncUniverse(c: SqlClient, dataDir: string): Promise<SyncOutcome[]> {
  const out: SyncOutcome[] = [];
  for (const venue of allVenues()) out.push(...await syncVenueUniverse(c, dataDir, venue.id, exchangeNames(venue.id)));
  return out;
}

async function syncVenueUniverse(c: SqlClient, dataDir: string, venue: string, names: readonly string[]): Promise<SyncOutcome[]> {
  const out: SyncOutcome[] = [];
  for (const date of await universeSnapshotDates(dataDir, venue, names)) {
    const u = await readUniverseSnapshot(dataDir, venue, date, names) as unknown as { date: string; createdAt: string; source: string; exchange: string; members: { rank: number; id: string; symbol: string; name: string; market: string; multiplier: number; marketCap: number | null; volume24h: number | null }[] } | undefined;
    if (!u) continue;
    const held = (await c.query(`SELECT count(*) AS n, max(created_at) AS at FROM ${UNIVERSE_TABLE} WHERE date = $1 AND exchange = $2`, [date, venue])).rows[0] as { n: string; at: Date | null };
    if (Number(held.n) === u.members.length && held.at?.getTime() === Date.parse(u.createdAt)) {
      out.push({ table: UNIVERSE_TABLE, store: `${venue} ${date}`, mode: 'current', sent: 0 });
      continue;
    }
    await c.query('BEGIN');
    try {
      await c.query(`DELETE FROM ${UNIVERSE_TABLE} WHERE date = $1 AND exchange = $2`, [date, venue]);
      // one statement for the whole snapshot
      const members = u.members;
      const col = <T>(f: (m: (typeof members)[number]) => T) => members.map(f);
      await c.query(`INSERT INTO ${UNIVERSE_TABLE} SELECT $1::date, * , $9, $10, $11::timestamptz FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[], $12::float8[])
        AS m(rank, coin_id, coin_symbol, name, market, multiplier, market_cap, volume_24h)`,
      [date, col((m) => m.rank), col((m) => m.id), col((m) => m.symbol), col((m) => m.name), col((m) => m.market), col((m) => m.multiplier), col((m) => m.marketCap), venue, u.source, u.createdAt, col((m) => m.volume24h)]);
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
    out.push({ table: UNIVERSE_TABLE, store: `${venue} ${date}`, mode: 'full', sent: u.members.length });
  }
  return out;
}
