import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { cleanCandles } from '../../src/clean/clean-candles.js';
import type { DatasetDescriptor, SeriesFrame } from '../../src/core/dataset.js';
import { OHLCV } from '../../src/datasets/ohlcv.js';
import { STORED_DATASETS } from '../../src/datasets/registry.js';
import { parseCandleText } from '../../src/files/parse-candles.js';
import { wilderAtr } from '../../src/indicators/wilder-atr.js';
import { decodeColumns, encodeByLibrary, encodeSeries, readFooter } from '../../src/store/parquet-codec.js';
import { encodesFast } from '../../src/store/parquet-encode.js';
import type { StoreMeta } from '../../src/store/store-meta.js';
import { FIXTURES } from '../helpers/fixtures.js';

/**
 * The store's own Parquet encoder (time and double columns, from the typed arrays) writes byte for byte
 * the file hyparquet-writer writes for the same frame: on a real Binance series and on every shape the
 * encoder has a separate path for (dictionary pages, nulls, irregular times and gaps past 2^53 ns of
 * delta, pages cut inside a row group, one row, none). And what it writes reads back as the frame.
 */
const META: StoreMeta = { toolVersion: 'test', schemaVersion: '1', dataset: 'ohlcv', exchange: 'binance', source: 'test', marketType: 'spot', symbol: 'BTC/USDT', updatedAt: '2026-12-05T00:00:00.000Z' };

function realCandles(): SeriesFrame {
  const file = join(FIXTURES, 'btcusdt-1h-2017.djienne.freqtrade.json');
  const { frame } = cleanCandles(parseCandleText(readFileSync(file, 'utf8'), file).frame);
  return { ...frame, atr: wilderAtr(frame.high, frame.low, frame.close, 14) };
}

/** A seeded random frame of a dataset: a low-priced walk on 5 decimals (dictionary-friendly), some nulls. */
function synthetic(d: DatasetDescriptor, n: number, times: (i: number) => number, seed = 7): SeriesFrame {
  let s = seed;
  const rand = () => ((s = Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5 | 0) >>> 0) / 2 ** 32;
  const out: Record<string, Float64Array> = { time: Float64Array.from({ length: n }, (_, i) => times(i)) };
  d.columns.filter((c) => c.key !== 'time').forEach((c, k) => {
    let p = 0.07;
    out[c.key] = Float64Array.from({ length: n }, (_, i) => {
      if (c.nullable && (i < 14 || (i % 977 === 5 && k % 2 === 0))) return NaN;
      if (k % 2 === 1) return rand() * 1000; // mostly distinct: PLAIN
      p = Math.max(0.01, Math.round((p + (rand() - 0.5) * 2e-4) * 1e5) / 1e5);
      return p;
    });
  });
  return out as SeriesFrame;
}

function expectSameBytes(d: DatasetDescriptor, f: SeriesFrame): Uint8Array {
  const ours = encodeSeries(d, f, META);
  const library = encodeByLibrary(d, f, META);
  expect(ours.byteLength).toBe(library.byteLength);
  expect(Buffer.from(ours.buffer, ours.byteOffset, ours.byteLength).equals(Buffer.from(library))).toBe(true);
  return ours;
}

function encodingsOf(bytes: Uint8Array): Set<string> {
  const md = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  return new Set(md.row_groups.flatMap((g) => g.columns.flatMap((c) => c.meta_data!.encodings)));
}

describe('the store encoder', () => {
  it('writes the bytes hyparquet-writer writes for real BTC/USDT 1h candles with their ATR', () => {
    const f = realCandles();
    expect(f.time.length).toBeGreaterThan(1000);
    expectSameBytes(OHLCV, f);
  });

  it('writes them for dictionary pages, nulls, irregular times and gaps of years, pages cut inside a group', () => {
    const minute = 60_000;
    // a gap of three years: a delta past 2^53 ns, packed with BigInt
    // after row 8000 deltas alternate 60,000 and 60,001 ms: every block needs one bit
    const irregular = (i: number) => 1.5e12 + i * minute + (i > 1000 ? 3_600_000 : 0) + (i > 5000 ? 3 * 365 * 86_400_000 : 0)
      + (i % 7 === 0 && i < 8000 ? 1 : 0) + (i > 8000 ? Math.floor((i - 8000) / 2) : 0);
    const f = synthetic(OHLCV, 120_000, irregular);
    const bytes = expectSameBytes(OHLCV, f);
    expect(encodingsOf(bytes)).toEqual(new Set(['DELTA_BINARY_PACKED', 'PLAIN', 'RLE_DICTIONARY']));
    // one group of 300,000 rows: pages of 131,071 values (262,143 dictionary indexes), nulls counting no bytes
    expectSameBytes({ ...OHLCV, rowGroupRows: 1_000_000 }, synthetic(OHLCV, 300_000, (i) => 1.6e12 + i * minute));
  });

  it('writes them for every stored dataset of time and doubles, for one row and for none', () => {
    const fast = STORED_DATASETS.filter(encodesFast);
    expect(fast.map((d) => d.name)).toContain('funding');
    for (const d of fast) {
      for (const n of [0, 1, 5, 20_000]) expectSameBytes(d, synthetic(d, n, (i) => 1.6e12 + i * 300_000, n + 1));
    }
  });

  it('writes what reads back as the frame, nulls as NaN', async () => {
    const f = synthetic(OHLCV, 60_000, (i) => 1.6e12 + i * 60_000 + (i > 30_000 ? 86_400_000 : 0));
    const bytes = encodeSeries(OHLCV, f, META);
    const md = readFooter(bytes, 'test.parquet');
    const names = OHLCV.columns.map((c) => c.name);
    const back = await decodeColumns(bytes, md, names, 0, f.time.length, 'test.parquet');
    for (const c of OHLCV.columns) expect(Array.from(back[c.name]!)).toEqual(Array.from(f[c.key]!));
  });
});
