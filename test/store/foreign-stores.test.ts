import { DuckDBInstance } from '@duckdb/node-api';
import { cp, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MasterFrame } from '../../src/core/frame.js';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { masterPath } from '../../src/store/store-path.js';
import { loadMaster } from '../../src/store/store-read.js';
import { runCli, simArgs, tempDir } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { PYTHON, python } from '../helpers/python.js';

// Stores re-saved by other tools (pandas, pyarrow, polars, DuckDB), through the real binary: each is
// read by validate and extended by update to exactly what a fresh build stores, and no row is lost.
const NOW = '2017-11-25T10:30:00Z';
const SPLIT = '2017-10-01';
const SYMBOL = 'BTC/USDT';
const KEYS = ['time', 'open', 'high', 'low', 'close', 'volume', 'atr'] as const;

let sim: RunningSim;
let seedDir: string;
let seedRows: number;
let reference: MasterFrame;

const storeOf = (dir: string) => masterPath(dir, 'binance', SYMBOL, '1h');

beforeAll(async () => {
  sim = await startSim({ port: 0, now: Date.parse(NOW), replay: { [SYMBOL]: fixture('btcusdt-1h-2017.djienne.freqtrade.json') }, symbols: ['ETH/USDT'] });
  seedDir = await tempDir();
  const seeded = await runCli(['build', '--symbol', SYMBOL, '--timeframes', '1h', '--since', '2017-08-01', '--until', SPLIT, ...simArgs(sim.url, seedDir)]);
  expect(seeded.code, seeded.stderr).toBe(0);
  seedRows = (await loadMaster({ symbol: SYMBOL, timeframe: '1h', dataDir: seedDir })).time.length;
  const refDir = await tempDir();
  const built = await runCli(['build', '--symbol', SYMBOL, '--timeframes', '1h', '--since', '2017-08-01', ...simArgs(sim.url, refDir)]);
  expect(built.code, built.stderr).toBe(0);
  reference = await loadMaster({ symbol: SYMBOL, timeframe: '1h', dataDir: refDir });
});
afterAll(async () => { await sim.close(); });

/** A copy of the seed folder whose store `write` has re-saved in another tool's way. */
async function foreignCopy(write: (src: string, dst: string) => Promise<void>): Promise<string> {
  const dir = await tempDir();
  await cp(seedDir, dir, { recursive: true });
  const tmp = join(dir, 'foreign.parquet');
  await write(storeOf(seedDir), tmp);
  await rename(tmp, storeOf(dir));
  return dir;
}

async function expectReadAndExtended(dir: string, dropped = 0, columns: readonly (typeof KEYS)[number][] = KEYS): Promise<void> {
  const v = await runCli(['validate', '--json', '--now', NOW, '--data-dir', dir]);
  const store = (JSON.parse(v.stdout) as { stores: { rows: number; status: string; findings: { code: string }[] }[] }).stores[0]!;
  expect(store.rows).toBe(seedRows - dropped);
  expect(store.findings.map((f) => f.code)).not.toContain('UNREADABLE');
  const u = await runCli(['update', '--json', ...simArgs(sim.url, dir)]);
  expect(u.code, u.stderr).toBe(0);
  expect((JSON.parse(u.stdout) as { stores: { status: string }[] }).stores[0]!.status).toBe('written');
  const got = await loadMaster({ symbol: SYMBOL, timeframe: '1h', dataDir: dir });
  expect(got.time.length).toBe(reference.time.length - dropped);
  for (const k of columns) expect(Array.from(got[k]), k).toEqual(Array.from(reference[k].subarray(dropped)));
}

const DUCKDB_CASES: [string, string, string][] = [
  // [name, select list, COPY options]; DuckDB writes TIMESTAMPTZ as TIMESTAMP(MICROS, UTC).
  ['zstd, TIMESTAMP MICROS UTC', '*', 'COMPRESSION zstd'],
  ['gzip', '*', 'COMPRESSION gzip'],
  ['brotli', '*', 'COMPRESSION brotli'],
  ['lz4', '*', 'COMPRESSION lz4_raw'],
  ['uncompressed', '*', 'COMPRESSION uncompressed'],
  ['snappy, TIMESTAMP NANOS naive', '* REPLACE (time::TIMESTAMP::TIMESTAMP_NS AS time)', 'COMPRESSION snappy'],
  ['TIMESTAMP MILLIS naive', '* REPLACE (time::TIMESTAMP::TIMESTAMP_MS AS time)', 'COMPRESSION zstd'],
  ['epoch microseconds as BIGINT', '* REPLACE (epoch_us(time) AS time)', 'COMPRESSION zstd'],
  ['small row groups', '*', 'COMPRESSION zstd, ROW_GROUP_SIZE 300'],
];

describe('stores re-saved by DuckDB: validate reads them, update extends them exactly', () => {
  for (const [name, select, options] of DUCKDB_CASES) {
    it.concurrent(name, async () => {
      const dir = await foreignCopy(async (src, dst) => {
        const db = await (await DuckDBInstance.create(':memory:')).connect();
        await db.run(`COPY (SELECT ${select} FROM read_parquet('${src}')) TO '${dst}' (FORMAT parquet, ${options})`);
      });
      await expectReadAndExtended(dir);
    });
  }
});

const PYTHON_CASES: [string, number, readonly (typeof KEYS)[number][]][] = [
  // [mode, leading rows the writer dropped, columns that must equal the reference]
  ['pandas-ms', 0, KEYS], ['pandas-us', 0, KEYS], ['pandas-default', 0, KEYS],
  ['polars-default', 0, KEYS], ['polars-lz4-small-groups', 0, KEYS], ['pyarrow-int96', 0, KEYS],
  ['pyarrow-gzip', 0, KEYS], ['pyarrow-brotli', 0, KEYS], ['pyarrow-none', 0, KEYS], ['pyarrow-lz4', 0, KEYS],
  ['pyarrow-naive-ns', 0, KEYS], ['pyarrow-dictionary-v1', 0, KEYS], ['pyarrow-epoch-ms', 0, KEYS], ['pyarrow-epoch-s', 0, KEYS],
  // A store trimmed by pandas: its first 100 rows are gone; the ATR restarts at its new first row.
  ['pandas-trim-head', 100, ['time', 'open', 'high', 'low', 'close', 'volume']],
];

describe.skipIf(!PYTHON)('stores re-saved by pandas, pyarrow and polars (needs .venv: scripts/setup-python.sh)', () => {
  let folders: Map<string, string>;
  beforeAll(async () => {
    folders = new Map();
    const pairs: string[] = [];
    for (const [mode] of [...PYTHON_CASES, ['pandas-extra-column']]) {
      const dir = await tempDir();
      await cp(seedDir, dir, { recursive: true });
      folders.set(mode as string, dir);
      pairs.push(`${mode}=${join(dir, 'foreign.parquet')}`);
    }
    await python('foreign-writers.py', [storeOf(seedDir), ...pairs]);
    for (const dir of folders.values()) await rename(join(dir, 'foreign.parquet'), storeOf(dir));
  });

  for (const [mode, dropped, columns] of PYTHON_CASES) {
    it.concurrent(mode, async () => expectReadAndExtended(folders.get(mode)!, dropped, columns));
  }

  it('pandas and polars read our stores as datetime64[ns, UTC] and float64, every value as written', async () => {
    const seen = JSON.parse(await python('read-with-python.py', [storeOf(seedDir)])) as {
      pandas_dtypes: Record<string, string>; polars_schema: Record<string, string>; rows: number; time_ms: number[]; sub_ms_ns: number; close: number[]; atr_nulls: number; polars_time_ms: number[];
    };
    const ours = await loadMaster({ symbol: SYMBOL, timeframe: '1h', dataDir: seedDir });
    expect(seen.pandas_dtypes).toEqual({ time: 'datetime64[ns, UTC]', Open: 'float64', High: 'float64', Low: 'float64', Close: 'float64', Volume: 'float64', ATR: 'float64' });
    expect(seen.polars_schema.time).toBe("Datetime(time_unit='ns', time_zone='UTC')");
    expect(seen.rows).toBe(ours.time.length);
    expect(seen.time_ms).toEqual(Array.from(ours.time));
    expect(seen.sub_ms_ns).toBe(0);
    expect(seen.polars_time_ms).toEqual(seen.time_ms);
    expect(seen.close).toEqual(Array.from(ours.close));
    expect(seen.atr_nulls).toBe(14);
  });

  it('a column another tool added is never dropped silently: update refuses, the file is unchanged', async () => {
    const dir = folders.get('pandas-extra-column')!;
    const before = await readFile(storeOf(dir));
    const v = await runCli(['validate', '--json', '--now', NOW, '--data-dir', dir]);
    expect(v.stdout).toContain('EXTRA_COLUMNS');
    const u = await runCli(['update', ...simArgs(sim.url, dir)], { QML_LOG_LEVEL: 'silent' });
    expect(u.code).toBe(4);
    expect(u.stderr.trim()).toMatch(/refusing to write .*1h_master\.parquet: its column\(s\) signal would be dropped \(pass --erase/);
    expect((await readFile(storeOf(dir))).equals(before)).toBe(true);
  });
});
