import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS, STORED_DATASETS } from '../../src/datasets/registry.js';
import { MIGRATIONS, tableOf } from '../../src/db/db-schema.js';
import { dbStatusOf } from '../../src/db/db-status.js';
import { initSchema, schemaVersion } from '../../src/db/db-sync.js';
import { syncOver } from '../../src/db/run-sync.js';
import { chunkInterval } from '../../src/db/timescale.js';
import { findStores } from '../../src/pipeline/store-reports.js';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { storePath } from '../../src/store/store-path.js';
import { readStoreColumns } from '../../src/store/store-read.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { startTimescale, type TestTimescale } from '../helpers/timescale.js';

/**
 * The database code on a real TimescaleDB (2.23, PGlite in-process): `db init` makes hypertables with
 * compression and its policy, idempotently; syncs land in compressed chunks (new rows, an --erase rebuild
 * that drops rows); the continuous aggregates equal the 1h and 1d stores of the same candles; `db status`
 * reports chunks, compression and policies. The stores are the simulator's, months before the server's
 * clock, so the 30-day policy compresses every chunk when run.
 */
const NOW = Date.parse('2026-06-01T00:30:00Z');
const DAY = 86_400_000;
const SYMBOL = 'ETH/USDT';

let ts: TestTimescale;
let sim: RunningSim;
let dir: string;
beforeAll(async () => {
  [ts, sim] = await Promise.all([startTimescale(), startSim({ port: 0, now: NOW - 10 * DAY, seed: 31, symbols: ['ETH/USDT'] })]);
  dir = await tempDir();
  for (const tf of ['5m', '1h', '1d']) {
    const r = await runCli(['build', '--symbol', SYMBOL, '--timeframes', tf, '--since', '2026-03-01', '--api-url', sim.url, '--data-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
  }
  const f = await runCli(['build', '--symbol', 'ETH/USDT:USDT', '--datasets', 'funding,open-interest', '--timeframes', '5m', '--since', '2026-03-01', '--api-url', sim.url, '--data-dir', dir]);
  expect(f.code, f.stderr).toBe(0);
}, 120_000);
afterAll(async () => {
  await Promise.all([ts?.close(), sim?.close()]);
});

const q = async <R>(sql: string, params?: unknown[]) => (await ts.client.query<R>(sql, params)).rows;
const sync = async () => syncOver([ts.client], dir, await findStores(dir, { datasets: [...STORED_DATASETS] }), { universe: false });

/** A store's rows against its table: count, first, last and every close (or value) equal. */
async function expectMirrored(dataset: string, symbol: string, timeframe?: string): Promise<number> {
  const d = DATASETS.find((x) => x.name === dataset)!;
  const t = tableOf(d);
  const { columns } = await readStoreColumns(d, storePath(dir, 'binance', d, symbol, timeframe));
  const time = columns['time']!;
  const value = t.columns.find((c) => c.from && c.from !== 'time')!;
  const rows = await q<{ time: Date; v: number }>(`SELECT time, ${value.name} AS v FROM ${t.name} WHERE symbol = $1${d.perTimeframe ? ' AND timeframe = $2' : ''} ORDER BY time`, d.perTimeframe ? [symbol, timeframe] : [symbol]);
  expect(rows.length, `${dataset} ${symbol} ${timeframe ?? ''}`).toBe(time.length);
  rows.forEach((r, i) => {
    expect(new Date(r.time).getTime()).toBe(time[i]);
    expect(Number(r.v)).toBe(columns[value.from!]![i]);
  });
  return time.length;
}

describe('TimescaleDB (2.23 in PGlite): hypertables, compression, continuous aggregates', () => {
  it('db init twice: every time-series table a hypertable with its chunk interval and a compression policy; the second run changes nothing', async () => {
    expect(await initSchema(ts.client, undefined, { aggregates: true })).toEqual(MIGRATIONS.map((m) => m.version));
    const jobs = await q<{ job_id: number; hypertable_name: string }>("SELECT job_id, hypertable_name FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' ORDER BY 1");
    expect(await initSchema(ts.client, undefined, { aggregates: true })).toEqual([]);
    expect(await schemaVersion(ts.client)).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    expect(await q("SELECT job_id, hypertable_name FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' ORDER BY 1")).toEqual(jobs);
    const hyper = await q<{ name: string; compression_enabled: boolean; interval: string }>(
      `SELECT h.hypertable_name AS name, h.compression_enabled, d.time_interval::text AS interval FROM timescaledb_information.hypertables h
       JOIN timescaledb_information.dimensions d USING (hypertable_name)`);
    const tables = STORED_DATASETS.map(tableOf);
    expect(hyper.map((h) => h.name).sort()).toEqual(tables.map((t) => t.name).sort());
    for (const t of tables) {
      const h = hyper.find((x) => x.name === t.name)!;
      expect(h.compression_enabled, t.name).toBe(true);
      expect(h.interval, t.name).toBe(chunkInterval(t));
      expect(jobs.filter((j) => j.hypertable_name === t.name), t.name).toHaveLength(1);
    }
    // the segment-by columns are the store's key: one store's rows compress together
    const seg = await q<{ attname: string }>("SELECT attname FROM timescaledb_information.compression_settings WHERE hypertable_name = 'ohlcv' AND segmentby_column_index IS NOT NULL ORDER BY segmentby_column_index");
    expect(seg.map((s) => s.attname)).toEqual(['symbol', 'exchange', 'timeframe']);
    expect(chunkInterval(tableOf(DATASETS.find((d) => d.name === 'ohlcv')!))).toBe('7 days');
    expect(chunkInterval(tableOf(DATASETS.find((d) => d.name === 'funding')!))).toBe('365 days');
  });

  it('syncs, compresses old chunks when the policy runs, and syncs into compressed chunks: new rows, and an --erase rebuild that drops rows', async () => {
    const first = await sync();
    expect(first.rowsSent).toBeGreaterThan(25_000);
    await expectMirrored('ohlcv', SYMBOL, '5m');
    await expectMirrored('funding', 'ETH/USDT:USDT');
    for (const { id } of await q<{ id: number }>("SELECT job_id AS id FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression'")) await q(`CALL run_job(${id})`);
    const chunks = await q<{ c: number; n: number }>("SELECT count(*) FILTER (WHERE is_compressed)::int AS c, count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'ohlcv'");
    expect(chunks[0]!.n).toBeGreaterThan(10);
    expect(chunks[0]!.c).toBe(chunks[0]!.n);
    await expectMirrored('ohlcv', SYMBOL, '5m');

    // ten days later: the update's rows go into the table beside the compressed chunks
    sim.setNow(NOW);
    const up = await runCli(['update', '--datasets', 'all', '--api-url', sim.url, '--data-dir', dir]);
    expect(up.code, up.stderr).toBe(0);
    const second = await sync();
    expect(second.outcomes.filter((o) => o.sent > 0).every((o) => o.mode === 'new-rows')).toBe(true);
    expect(await expectMirrored('ohlcv', SYMBOL, '5m')).toBeGreaterThan(25_000);
    await expectMirrored('open-interest', 'ETH/USDT:USDT', '5m');

    // the 5m store rebuilt from April on: the March rows, all in compressed chunks, leave the table
    const erase = await runCli(['build', '--symbol', SYMBOL, '--timeframes', '5m', '--since', '2026-04-01', '--erase', '--api-url', sim.url, '--data-dir', dir]);
    expect(erase.code, erase.stderr).toBe(0);
    const third = await sync();
    expect(third.outcomes.find((o) => o.table === 'ohlcv' && o.sent > 0)).toMatchObject({ mode: 'full' });
    await expectMirrored('ohlcv', SYMBOL, '5m');
    expect(await q("SELECT 1 FROM ohlcv WHERE timeframe = '5m' AND time < '2026-04-01'")).toEqual([]);
  }, 120_000);

  it('the continuous aggregates (1h, 1d from 5m) equal the 1h and 1d stores of the same candles', async () => {
    for (const [view, tf, per] of [['ohlcv_1h', '1h', 12], ['ohlcv_1d', '1d', 288]] as const) {
      const d = DATASETS.find((x) => x.name === 'ohlcv')!;
      const { columns: c } = await readStoreColumns(d, storePath(dir, 'binance', d, SYMBOL, tf));
      const agg = await q<{ time: Date; open: number; high: number; low: number; close: number; volume: number }>(
        `SELECT time, open, high, low, close, volume FROM ${view} WHERE symbol = $1 AND source_timeframe = '5m' AND candles = $2 ORDER BY time`, [SYMBOL, per]);
      expect(agg.length, view).toBeGreaterThan(tf === '1h' ? 1000 : 50);
      const at = new Map(Array.from(c['time']!, (t, i) => [t, i]));
      let compared = 0;
      for (const a of agg) {
        const i = at.get(new Date(a.time).getTime());
        if (i === undefined) continue;
        compared++;
        expect([a.open, a.high, a.low, a.close], `${view} ${new Date(a.time).toISOString()}`).toEqual([c['open']![i], c['high']![i], c['low']![i], c['close']![i]]);
        // the exchange's volume is the decimal sum of its sub-periods; float8 sums differ in the last bits
        expect(Math.abs(a.volume - c['volume']![i]!)).toBeLessThanOrEqual(1e-8 * Math.max(1, c['volume']![i]!));
      }
      expect(compared, view).toBe(agg.length);
    }
  });

  it('db status: per table hypertable, chunks, compressed chunks and ratio, policies; a changed policy age replaces the policy and keeps every row', async () => {
    const status = await dbStatusOf(ts.client, dir);
    const ohlcv = status.tables.find((t) => t.table === 'ohlcv')!;
    const chunks = await q<{ c: number; n: number }>("SELECT count(*) FILTER (WHERE is_compressed)::int AS c, count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'ohlcv'");
    expect(ohlcv.hypertable).toMatchObject({ chunkInterval: '7 days', chunks: chunks[0]!.n, compressedChunks: chunks[0]!.c, policies: ['compression after 30 days'] });
    expect(ohlcv.hypertable!.compressionRatio).toBeGreaterThan(1);
    expect(ohlcv.rows).toBe(Number((await q<{ n: number }>('SELECT count(*)::int AS n FROM ohlcv'))[0]!.n));
    expect(status.stores.every((s) => !s.behind)).toBe(true);

    const before = await q('SELECT count(*)::int AS n, sum(close) AS s FROM ohlcv');
    expect(await initSchema(ts.client, undefined, { compressAfter: '60 days' })).toEqual([]);
    const after = await dbStatusOf(ts.client, dir);
    for (const t of after.tables.filter((x) => x.hypertable)) expect(t.hypertable!.policies, t.table).toEqual(['compression after 60 days']);
    expect(await q('SELECT count(*)::int AS n, sum(close) AS s FROM ohlcv')).toEqual(before);
  });
});
