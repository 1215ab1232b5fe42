import { describe, expect, it } from 'vitest';
import { SeriesBuilder } from '../../src/core/dataset.js';
import { sliceFrame, type CandleFrame } from '../../src/core/frame.js';
import { fixture, readFreqtrade } from '../helpers/fixtures.js';
import { expectSameColumns } from '../helpers/same-columns.js';

/**
 * The builder a store's fetched pages are copied into: real BTC/USDT 1h candles of 2017 cut into pages
 * of uneven sizes and pushed back give the candles they were cut from, whatever size the builder
 * started with (exact, too small: it grows, none).
 */
const candles = readFreqtrade(fixture('btcusdt-1h-2017.djienne.freqtrade.json'));
const n = candles.time.length;

function pagesOf(f: CandleFrame): CandleFrame[] {
  const pages: CandleFrame[] = [];
  for (let at = 0, size = 1; at < n; at += size, size = (size * 7) % 500 + 1) pages.push(sliceFrame(f, at, Math.min(n, at + size)));
  return pages;
}

describe('SeriesBuilder', () => {
  it('gives back the rows of every page, in order, from any first size', () => {
    expect(n).toBeGreaterThan(1000);
    for (const capacity of [n, 10, 0, 5 * n]) {
      const b = new SeriesBuilder<CandleFrame>(capacity);
      const pages = pagesOf(candles);
      expect(pages.length).toBeGreaterThan(10);
      for (const p of pages) b.push(p);
      expect(b.length).toBe(n);
      expectSameColumns(b.frame()!, candles, `first size ${capacity}`);
    }
  });

  it('shows the rows so far between pushes, keeps no page, refuses a page without a column', () => {
    const b = new SeriesBuilder<CandleFrame>(0);
    expect(b.frame()).toBeUndefined();
    const page = sliceFrame(candles, 0, 100);
    b.push(page);
    expectSameColumns(b.frame()!, page, 'after one page');
    // the page's own columns may change afterwards (a reused buffer): the builder copied them
    const copy = sliceFrame(candles, 100, 200);
    const mutable = { ...copy, close: Float64Array.from(copy.close) };
    b.push(mutable);
    mutable.close.fill(-1);
    expectSameColumns(b.frame()!, sliceFrame(candles, 0, 200), 'after two pages');
    const { volume: _dropped, ...partial } = sliceFrame(candles, 200, 300);
    expect(() => b.push(partial as CandleFrame)).toThrow(/without the column volume/);
  });
});
