import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cleanCandles } from '../../src/clean/clean-candles.js';
import { allocFrame, frameFromRows } from '../../src/core/frame.js';
import { fixture, readFreqtrade } from '../helpers/fixtures.js';

/** CryptoDataDownload rows: unix (ms, or s with ".0"), date, symbol, open, high, low, close, volume, ... */
function readCdd(path: string) {
  const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  return frameFromRows(lines.map((l) => {
    const c = l.split(',');
    const unix = Number(c[0]);
    return [unix < 1e12 ? unix * 1000 : unix, c[3], c[4], c[5], c[6], c[7]];
  }));
}

describe('cleanCandles', () => {
  it('leaves clean real data untouched, bit for bit (2,400 Binance bars with a real gap and a flat bar)', () => {
    const raw = readFreqtrade(fixture('btcusdt-1h-2017.djienne.freqtrade.json'));
    const { frame, report } = cleanCandles(raw);
    expect(report).toMatchObject({ input: 2400, output: 2400, duplicates: 0, reordered: false, dropped: 0, swapped: 0 });
    expect(Array.from(frame.close)).toEqual(Array.from(raw.close));
    expect(Array.from(frame.time)).toEqual(Array.from(raw.time));
  });

  it('keeps the real ETH bad print of 2017-08-22 04:00 (a wide bar is not a bad row)', () => {
    const raw = readFreqtrade(fixture('ethusdt-1h-2017.djienne.freqtrade.json'));
    const { frame } = cleanCandles(raw);
    const i = frame.time.indexOf(Date.parse('2017-08-22T04:00Z'));
    expect([frame.open[i], frame.high[i], frame.low[i], frame.close[i]]).toEqual([144.21, 309.03, 144.21, 287]);
    expect(frame.time.length).toBe(300);
  });

  it('sorts a descending CDD export and keeps the later of conflicting duplicates', () => {
    const raw = readCdd(fixture('cdd-btcusdt-1h-2020-11.dirty.csv'));
    const { frame, report } = cleanCandles(raw);
    const unique = new Set(raw.time).size;
    expect(report.reordered).toBe(true);
    expect(report.duplicates).toBe(raw.time.length - unique);
    expect(report.duplicates).toBeGreaterThan(20);
    expect(frame.time.length).toBe(unique);
    for (let i = 1; i < frame.time.length; i++) expect(frame.time[i]!).toBeGreaterThan(frame.time[i - 1]!);
    // 2020-11-20 07:00 appears twice: ms-vintage close 18212.00 first in the file, seconds-vintage 18143.03 later.
    const at = frame.time.indexOf(Date.parse('2020-11-20T07:00Z'));
    expect(frame.close[at]).toBe(18143.03);
  });

  it('forward-fills missing and impossible values column by column and counts each fix', () => {
    const raw = frameFromRows([
      [1, 10, 12, 9, 11, 5],
      [2, null, 13, '', 12, -1],
      [3, 12, 0, 11, NaN, 7],
    ]);
    const { frame, report } = cleanCandles(raw);
    expect(Array.from(frame.open)).toEqual([10, 10, 12]);
    expect(Array.from(frame.high)).toEqual([12, 13, 13]);
    expect(Array.from(frame.low)).toEqual([9, 9, 11]);
    expect(Array.from(frame.close)).toEqual([11, 12, 12]);
    expect(Array.from(frame.volume)).toEqual([5, 5, 7]);
    expect(report.badValues).toEqual({ open: 1, high: 1, low: 1, close: 1, volume: 1 });
    expect(report.filled).toEqual({ open: 1, high: 1, low: 1, close: 1, volume: 1 });
  });

  it('drops leading rows that nothing can fill, and rows without a time', () => {
    const raw = frameFromRows([[1, null, 2, 1, 2, 1], [null, 2, 3, 1, 2, 1], [3, 2, 3, 1, 2, 1]]);
    const { frame, report } = cleanCandles(raw);
    expect(Array.from(frame.time)).toEqual([3]);
    expect(report).toMatchObject({ badTime: 1, dropped: 1, output: 1 });
  });

  it('swaps High and Low where High < Low', () => {
    const f = allocFrame(2);
    f.time.set([1, 2]); f.open.set([5, 5]); f.high.set([4, 6]); f.low.set([6, 4]); f.close.set([5, 5]); f.volume.set([1, 1]);
    const { frame, report } = cleanCandles(f);
    expect(Array.from(frame.high)).toEqual([6, 6]);
    expect(Array.from(frame.low)).toEqual([4, 4]);
    expect(report.swapped).toBe(1);
    expect(f.high[0]).toBe(4); // input untouched
  });
});
