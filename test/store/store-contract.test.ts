import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DatasetDescriptor, SeriesFrame } from '../../src/core/dataset.js';
import { StoreError } from '../../src/core/errors.js';
import { OHLCV } from '../../src/datasets/ohlcv.js';
import { wilderAtr } from '../../src/indicators/wilder-atr.js';
import { makeRng } from '../../src/sim/rng.js';
import { dayStorePath, partialPath, storePath } from '../../src/store/store-path.js';
import { STORED_DATASETS } from '../../src/datasets/registry.js';
import { textCode, textOf } from '../../src/core/text-codes.js';
import { listStores, readStore } from '../../src/store/store-read.js';
import { readCheckpointFile, RowLossError, withStoreForWrite, writeCheckpointFile, type WriteIdentity } from '../../src/store/store-writer.js';
import { expectSameColumns } from '../helpers/same-columns.js';
import { tempDir } from '../helpers/cli.js';
import { fixture, readFreqtrade, ROOT } from '../helpers/fixtures.js';

/**
 * The store layer's contract, run over every dataset of the registry (found there: a new dataset is
 * covered without a line here), with frames made from each descriptor's columns (times on its grid or as
 * events, numbers, texts, nulls where allowed), real candles for the candles, and a test-only dataset with
 * row groups of 100 rows so that appends cross group boundaries.
 */
const RATES: DatasetDescriptor = {
  name: 'test-rates',
  rowName: 'settlement',
  columns: [
    { key: 'time', name: 'time', type: 'timestamp', nullable: false },
    { key: 'rate', name: 'rate', type: 'double', nullable: false },
    { key: 'mark', name: 'mark_price', type: 'double', nullable: true },
    { key: 'smooth', name: 'smoothed', type: 'double', nullable: true, derived: true },
  ],
  series: 'events',
  merge: 'append',
  perTimeframe: false,
  fileName: () => 'test-rates.parquet',
  rowGroupRows: 100,
};

interface Case {
  readonly d: DatasetDescriptor;
  readonly timeframe?: string;
  /** `n` rows of the dataset, the same for the same `n` prefix. */
  readonly frame: (n: number) => SeriesFrame;
  /** Row counts: stored, then after an append (stored ends inside a row group, then on a boundary). */
  readonly appends: readonly (readonly [number, number])[];
  /** Row counts of the two versions the kill -9 writer alternates between. */
  readonly kill: readonly [number, number];
  /** Moments the writer is killed at (the store layer's own datasets more, every other dataset a few). */
  readonly kills?: number;
}

const candles = readFreqtrade(fixture('btcusdt-1h-2017.djienne.freqtrade.json'));

/** Real 2017 candles repeated forward in time as far as needed, with their ATR. */
function candleFrame(n: number): SeriesFrame {
  const m = candles.time.length;
  const cols = { time: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const j = i % m;
    cols.time[i] = candles.time[0]! + i * 3_600_000;
    for (const k of ['open', 'high', 'low', 'close', 'volume'] as const) cols[k][i] = candles[k][j]!;
  }
  return { ...cols, atr: wilderAtr(cols.high, cols.low, cols.close, 14) };
}

/** Funding-like settlements at irregular times, with missing mark prices. */
function rateFrame(n: number): SeriesFrame {
  const rng = makeRng(7);
  const time = new Float64Array(n);
  const rate = new Float64Array(n);
  const mark = new Float64Array(n);
  const smooth = new Float64Array(n);
  let t = Date.parse('2023-01-01T00:00:00Z');
  for (let i = 0; i < n; i++) {
    t += [1, 4, 8][Math.floor(rng() * 3)]! * 3_600_000;
    time[i] = t;
    rate[i] = Math.round((rng() - 0.45) * 2e6) / 1e10;
    mark[i] = i % 17 === 3 ? NaN : 20_000 + Math.round(rng() * 1e6) / 100;
    smooth[i] = i === 0 ? NaN : (rate[i]! + rate[i - 1]!) / 2;
  }
  return { time, rate, mark, smooth };
}

const TEXTS = ['BTCUSDT', 'ETHUSDT', 'SELL', 'BUY', 'long', 'short', 'FILLED'];

/** `n` rows of any dataset from its descriptor: times on a 5m grid or as events (some sharing a time), numbers, texts, nulls where allowed. */
function descriptorFrame(d: DatasetDescriptor): (n: number) => SeriesFrame {
  return (n) => {
    const rng = makeRng(hashName(d.name));
    const out: Record<string, Float64Array> = Object.fromEntries(d.columns.map((c) => [c.key, new Float64Array(n)]));
    let t = Date.parse('2024-01-01T00:00:00Z');
    // row by row, so the first n rows are the same whatever n
    for (let i = 0; i < n; i++) {
      // events kept as a set may share a time (not at the rows where the cases split a store); other series move on
      t += d.series === 'grid' ? 300_000 : d.merge === 'distinct' && i % 7 === 3 ? 0 : 1 + Math.floor(rng() * 60_000);
      out['time']![i] = t;
      for (const c of d.columns.slice(1)) {
        const missing = c.nullable && i % 13 === 5;
        const v = c.type === 'text' ? textCode(TEXTS[Math.floor(rng() * TEXTS.length)]!) : c.type === 'timestamp' ? t + Math.floor(rng() * 5) : Math.round(rng() * 1e8) / 1e4;
        out[c.key]![i] = missing ? NaN : v;
      }
    }
    return out as SeriesFrame;
  };
}

function hashName(s: string): number {
  let h = 7;
  for (const ch of s) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h;
}

const CASES: Case[] = [
  { d: OHLCV, timeframe: '1h', frame: candleFrame, appends: [[120_000, 121_440], [100_000, 100_024], [2_000, 2_300]], kill: [11_000, 12_440] },
  { d: RATES, frame: rateFrame, appends: [[250, 280], [200, 250], [30, 420]], kill: [250, 280] },
  ...STORED_DATASETS.filter((d) => d !== OHLCV).map((d): Case => ({
    d, ...(d.perTimeframe ? { timeframe: '5m' } : d.partition === 'day' ? { timeframe: '2024-01-01' } : {}), frame: descriptorFrame(d),
    appends: [[d.rowGroupRows + 10, d.rowGroupRows + 500], [300, 900]], kill: [2_000, 2_600], kills: 4,
  })),
];

/** A store's place: a symbol's folder, or the venue's daily folder. */
function placeOf(c: Case, dir: string): string {
  return c.d.partition === 'day' ? dayStorePath(dir, 'binance', c.d, Date.parse(`${c.timeframe}T00:00:00Z`)) : storePath(dir, 'binance', c.d, 'BTC/USDT', c.timeframe);
}

const ID = (c: Case, symbol = 'BTC/USDT'): WriteIdentity => ({ exchange: 'binance', source: 'simulator', marketType: 'swap', symbol, timeframe: c.timeframe, atrPeriod: 14 });
const rows = (f: SeriesFrame, a: number, b: number): SeriesFrame => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v.slice(a, b)])) as SeriesFrame;
const columns = (f: SeriesFrame) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Array.from(v)]));

async function write(c: Case, path: string, frame: SeriesFrame, erase = true): Promise<void> {
  await withStoreForWrite(c.d, path, { symbol: 'BTC/USDT', timeframe: c.timeframe }, { waitMs: 0, erase }, (h) => h.replace(frame, ID(c)));
}

afterEach(() => {
  vi.useRealTimers();
});

describe.each(CASES)('the store layer for $d.name', (c) => {
  const pathIn = async () => placeOf(c, await tempDir());

  it('writes and reads back every value exactly, where listing finds it', async () => {
    const path = await pathIn();
    const frame = c.frame(c.appends[0]![0]);
    await write(c, path, frame);
    const back = await readStore(c.d, path, { symbol: 'BTC/USDT' });
    expectSameColumns(back.frame, frame);
    expect(back.meta).toMatchObject({ dataset: c.d.name, symbol: 'BTC/USDT', exchange: 'binance', source: 'simulator' });
    const listed = await listStores(dirname(dirname(dirname(path))), [...STORED_DATASETS, RATES]);
    expect(listed).toEqual([{ dataset: c.d.name, exchange: 'binance', symbol: c.d.scope === 'venue' ? 'all' : 'BTC/USDT', timeframe: c.timeframe ?? '', path }]);
  });

  it('reads a time range from row-group statistics, with exact bounds', async () => {
    const path = await pathIn();
    const frame = c.frame(c.appends[0]![0]);
    await write(c, path, frame);
    const start = frame.time[Math.floor(frame.time.length / 3)]! + 1;
    const end = frame.time[Math.floor(frame.time.length / 2)]!;
    const part = await readStore(c.d, path, { symbol: 'BTC/USDT' }, { start, end });
    expect(Array.from(part.frame.time)).toEqual(Array.from(frame.time).filter((t) => t >= start && t < end));
  });

  it.each(c.appends)('appends (%i → %i rows) carrying stored row groups over: the same bytes as a full rewrite', async (stored, total) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-12-01T00:00:00Z'));
    const whole = c.frame(total);
    const appended = await pathIn();
    await write(c, appended, rows(whole, 0, stored));
    const bytes = await withStoreForWrite(c.d, appended, { symbol: 'BTC/USDT' }, { waitMs: 0, erase: false }, async (h) => {
      const tail = await h.tail();
      expect(tail?.start).toBe(Math.floor((stored - 1) / c.d.rowGroupRows) * c.d.rowGroupRows);
      expectSameColumns(tail!.frame, rows(whole, tail!.start, stored));
      return h.extend(rows(whole, tail!.start, total), ID(c));
    });
    const rewritten = await pathIn();
    await write(c, rewritten, whole);
    const [a, b] = [await readFile(appended), await readFile(rewritten)];
    expect(bytes).toBe(a.byteLength);
    expect(a.equals(b)).toBe(true);
    expectSameColumns((await readStore(c.d, appended, { symbol: 'BTC/USDT' })).frame, whole);
  });

  it('refuses a write that would drop or change a stored row, by replace or by append', async () => {
    const path = await pathIn();
    const [stored, total] = c.appends[0]!;
    const whole = c.frame(total);
    await write(c, path, rows(whole, 0, stored));
    const before = await readFile(path);
    await expect(withStoreForWrite(c.d, path, { symbol: 'BTC/USDT' }, { waitMs: 0, erase: false }, (h) => h.replace(rows(whole, 1, total), ID(c))))
      .rejects.toThrow(RowLossError);
    const changed = rows(whole, 0, total);
    const col = c.d.columns.find((x) => x.type === 'double' && !x.derived)!;
    changed[col.key]![stored - 1] = changed[col.key]![stored - 1]! * 2 + 1;
    await expect(withStoreForWrite(c.d, path, { symbol: 'BTC/USDT' }, { waitMs: 0, erase: false }, async (h) => {
      const tail = await h.tail();
      return h.extend(rows(changed, tail!.start, total), ID(c));
    })).rejects.toThrow(c.d.merge === 'distinct' ? new RegExp(`1 stored ${c.d.rowName}\\(s\\) would be dropped or changed`) : new RegExp(`the stored ${c.d.rowName} at .* would change \\(${col.name} `));
    expect((await readFile(path)).equals(before)).toBe(true);
  });

  it('holds a lock while writing: a second writer is refused, naming the holder', async () => {
    const path = await pathIn();
    await write(c, path, c.frame(50));
    await withStoreForWrite(c.d, path, { symbol: 'BTC/USDT' }, { waitMs: 0, erase: false }, async () => {
      await expect(write(c, path, c.frame(60), false)).rejects.toThrow(new RegExp(`is being written by process ${process.pid}`));
    });
    await write(c, path, c.frame(60), false); // released
  });

  it('keeps a resume checkpoint beside the store, found only by the same identity', async () => {
    const path = await pathIn();
    const fetched = c.frame(70);
    await writeCheckpointFile(c.d, path, fetched, ID(c), '{"v":3}');
    expect(partialPath(path)).toMatch(/\.partial\.parquet$/);
    const back = await readCheckpointFile(c.d, path, { symbol: 'BTC/USDT', timeframe: c.timeframe });
    expect(back).not.toBeInstanceOf(StoreError);
    expectSameColumns((back as { frame: SeriesFrame }).frame, fetched);
    expect((back as { meta: { partial?: string } }).meta.partial).toBe('{"v":3}');
    expect(await readCheckpointFile(c.d, path, { symbol: 'ETH/USDT', timeframe: c.timeframe })).toBeInstanceOf(StoreError);
  });

  it('refuses a file of another symbol, exchange or dataset', async () => {
    const path = await pathIn();
    await write(c, path, c.frame(40));
    await expect(readStore(c.d, path, { symbol: 'ETH/USDT' })).rejects.toThrow(/holds symbol BTC\/USDT, not ETH\/USDT; refusing to mix them/);
    await expect(readStore(c.d, path, { symbol: 'BTC/USDT', exchange: 'bybit' })).rejects.toThrow(/holds exchange binance/);
    const other = c.d === OHLCV ? RATES : OHLCV;
    if (c.d.scope === 'venue') return; // a venue's store names no symbol to refuse by; the dataset check is below
    await expect(readStore(other, path, { symbol: 'BTC/USDT' })).rejects.toThrow(StoreError);
    await expect(readStore({ ...c.d, name: 'another' }, path, { symbol: 'BTC/USDT', dataset: 'another' })).rejects.toThrow(/holds dataset /);
  });

  // independent folders and processes: three at a time
  it.concurrent(`survives kill -9 at ${c.kills ?? 12} moments of replace and append: the store is always one whole version`, async () => {
    const dir = await tempDir();
    const path = placeOf(c, dir);
    const [stored, total] = c.kill;
    const whole = c.frame(total);
    const versions = [columns(rows(whole, 0, stored)), columns(whole)];
    // texts travel as their text (codes are this process's)
    const text = new Set(c.d.columns.filter((x) => x.type === 'text').map((x) => x.key));
    const json = (f: Record<string, number[]>) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v.map((x) => (Number.isNaN(x) ? null : text.has(k) ? textOf(x) : x))]));
    await writeFile(join(dir, 'desc.json'), JSON.stringify(c.d));
    await writeFile(join(dir, 'frames.json'), JSON.stringify({ short: json(versions[0]!), long: json(versions[1]!), id: ID(c) }));
    const rng = makeRng(20261201);
    for (let k = 0; k < (c.kills ?? 12); k++) {
      const child = spawn(process.execPath, [join(ROOT, 'test', 'helpers', 'store-writer-child.mjs'), join(dir, 'desc.json'), join(dir, 'frames.json'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
      const closed = once(child, 'close');
      const ready = await Promise.race([once(child.stdout!, 'data').then(() => true), closed.then(() => false)]);
      expect(ready, 'the writer died before its first write').toBe(true); // the first version is on disk
      await new Promise((r) => setTimeout(r, Math.round(rng() * 400)));
      child.kill('SIGKILL');
      const [, signal] = await closed;
      expect(signal, 'the writer died by itself').toBe('SIGKILL');
      const back = columns((await readStore(c.d, path, { symbol: 'BTC/USDT' })).frame);
      expect(versions.some((v) => JSON.stringify(v) === JSON.stringify(back))).toBe(true);
    }
    // the next writer clears the temp files the killed ones left
    await write(c, path, rows(whole, 0, stored));
    expect((await readdir(dirname(path))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
