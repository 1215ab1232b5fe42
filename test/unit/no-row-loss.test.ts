import { describe, expect, it } from 'vitest';
import { sliceFrame } from '../../src/core/frame.js';
import { OHLCV } from '../../src/datasets/ohlcv.js';
import { rowLoss } from '../../src/store/no-row-loss.js';
import { fixture, readFreqtrade } from '../helpers/fixtures.js';

const real = readFreqtrade(fixture('btcusdt-1h-2017.djienne.freqtrade.json'));
const n = real.time.length;
const copy = (f: typeof real) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Float64Array.from(v)])) as unknown as typeof real;

describe('rowLoss: the write-level invariant, on real candles', () => {
  it('allows keeping every row, and adding rows before, between and after them', () => {
    expect(rowLoss(OHLCV, real, real)).toBeUndefined();
    expect(rowLoss(OHLCV, sliceFrame(real, 100, 200), real)).toBeUndefined();
    expect(rowLoss(OHLCV, sliceFrame(real, 0, 0), sliceFrame(real, 0, 5))).toBeUndefined();
  });

  it('refuses fewer rows, a later first row, a dropped row and a changed value, naming the candle', () => {
    expect(rowLoss(OHLCV, real, sliceFrame(real, 0, n - 1))).toBe(`it would keep ${n - 1} of its ${n} rows`);
    const shifted = sliceFrame(real, 1, n);
    expect(rowLoss(OHLCV, sliceFrame(real, 0, n - 1), shifted)).toMatch(/^its first row would move from 2017-08-17T04:00:00.000Z to 2017-08-17T05:00:00.000Z$/);
    const changed = copy(real);
    changed.close[500] = changed.close[500]! + 0.01;
    expect(rowLoss(OHLCV, real, changed)).toMatch(new RegExp(`^the stored candle at ${new Date(real.time[500]!).toISOString()} would change \\(Close ${real.close[500]} → ${changed.close[500]}\\)$`));
    const moved = copy(real);
    moved.time[700] = moved.time[700]! + 1;
    expect(rowLoss(OHLCV, real, moved)).toMatch(/would be dropped$/);
  });

  it('treats NaN as equal to NaN but -0 as a change', () => {
    const a = copy(real);
    a.volume[3] = NaN;
    expect(rowLoss(OHLCV, a, copy(a))).toBeUndefined();
    const b = copy(real);
    b.volume[3] = 0;
    const c = copy(b);
    c.volume[3] = -0;
    expect(rowLoss(OHLCV, b, c)).toMatch(/Volume 0 → 0/);
  });
});
