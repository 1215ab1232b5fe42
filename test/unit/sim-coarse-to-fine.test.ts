import { describe, expect, it } from 'vitest';
import { parseTimeframe } from '../../src/core/timeframe.js';
import { aggregateBars } from '../../src/sim/aggregate.js';
import type { BaseBars } from '../../src/sim/base-bars.js';
import { maintenanceWindows } from '../../src/sim/maintenance.js';
import { SyntheticSource } from '../../src/sim/synthetic-source.js';
import { coinProfile } from '../../src/sim/symbol-profiles.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const KEYS = ['time', 'open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'trades', 'takerBase', 'takerQuote'] as const;

/** The first difference between two sets of bars, or undefined. */
function firstDifference(a: BaseBars, b: BaseBars): string | undefined {
  if (a.time.length !== b.time.length) return `${a.time.length} bars against ${b.time.length}`;
  for (const k of KEYS) for (let i = 0; i < a.time.length; i++) {
    if (a[k][i] !== b[k][i]) return `${k} of ${new Date(a.time[i]!).toISOString()}: ${a[k][i]} against ${b[k][i]}`;
  }
  return undefined;
}

// coins at very different price levels (tick and lot sizes from 8 decimals to none), spot and perpetual
const sources = ['BTC', 'ETH', 'ADA', 'TRX', 'C1X', 'C17X'].flatMap((base) =>
  (['spot', 'perp'] as const).map((market) => ({ name: `${base} ${market}`, src: new SyntheticSource({ seed: 1, profile: coinProfile(base), market }) })));

describe('the synthetic market is generated coarse to fine and aggregates exactly', () => {
  it('a day, its hours and its 5-minute bars, served from their own levels, equal the aggregate of the 1-minute bars', () => {
    let days = 0;
    for (const { name, src } of sources) {
      const first = Math.floor(src.listedAt / DAY);
      // the listing day, then days spread over the next two years (maintenance days among them)
      for (const day of [first, first + 1, ...Array.from({ length: 40 }, (_, i) => first + 2 + i * 17)]) {
        const [from, to] = [day * DAY, (day + 1) * DAY];
        const minutes = src.bars(from, to);
        for (const tf of ['5m', '15m', '1h', '4h'] as const) {
          const served = src.intradayCandles(parseTimeframe(tf), from, to);
          expect(firstDifference(served, aggregateBars(minutes, parseTimeframe(tf), src.units)), `${name} ${tf} on day ${day}`).toBeUndefined();
        }
        expect(firstDifference(src.dailyBars(from, to), aggregateBars(minutes, parseTimeframe("1d"), src.units)), `${name} 1d on day ${day}`).toBeUndefined();
        days++;
      }
    }
    expect(days).toBe(sources.length * 42);
  });

  it('every bar is a possible candle: low ≤ open, close ≤ high, taker volume within volume, volume only where trades are', () => {
    for (const { name, src } of sources) {
      const from = src.listedAt + 30 * DAY;
      const m = src.bars(from, from + 3 * DAY);
      expect(m.time.length, name).toBe(3 * 1440 - countMissingMinutes(from, from + 3 * DAY));
      for (let i = 0; i < m.time.length; i++) {
        const ok = m.low[i]! <= Math.min(m.open[i]!, m.close[i]!) && m.high[i]! >= Math.max(m.open[i]!, m.close[i]!) && m.low[i]! > 0
          && m.takerBase[i]! <= m.volume[i]! && m.takerQuote[i]! <= m.quoteVolume[i]! && (m.volume[i]! > 0) === (m.trades[i]! > 0);
        if (!ok) expect.fail(`${name}: impossible 1m bar at ${new Date(m.time[i]!).toISOString()}`);
      }
    }
  });

  it('starts at the listing hour and shows every maintenance window the same way at every level: a flat zero-trade hour, then no bars', () => {
    const src = new SyntheticSource({ seed: 1, profile: coinProfile('ETH'), market: 'spot' });
    expect(src.bars(src.listedAt - DAY, src.listedAt + HOUR).time[0]).toBe(src.listedAt);
    const from = Date.parse('2023-01-01T00:00Z');
    const windows = maintenanceWindows(1, from, from + 365 * DAY);
    expect(windows.length).toBeGreaterThan(2);
    for (const w of windows) {
      const hours = src.intradayCandles(parseTimeframe('1h'), w.flatStart - HOUR, w.gapEnd + HOUR);
      expect(Array.from(hours.time)).toEqual([w.flatStart - HOUR, w.flatStart, w.gapEnd]);
      expect([hours.volume[1], hours.trades[1], hours.high[1], hours.low[1], hours.close[1]]).toEqual([0, 0, hours.open[1], hours.open[1], hours.open[1]]);
      // flat at the last traded price
      expect(hours.open[1]).toBe(hours.close[0]);
      const minutes = src.bars(w.flatStart, w.gapEnd + 60_000);
      expect(minutes.time.length).toBe(61);
      expect(minutes.time[60]).toBe(w.gapEnd);
      expect(new Set(minutes.close.subarray(0, 60))).toEqual(new Set([hours.open[1]]));
    }
  });

  it('is the same every run and whatever was asked first', () => {
    const make = () => new SyntheticSource({ seed: 1, profile: coinProfile('SOL'), market: 'perp' });
    const from = Date.parse('2024-03-10T00:00Z');
    const fresh = make().bars(from, from + DAY);
    const warmed = make();
    warmed.dailyBars(from - 400 * DAY, from + 10 * DAY);
    warmed.intradayCandles(parseTimeframe('1h'), from + 5 * HOUR, from + 9 * DAY);
    expect(firstDifference(warmed.bars(from, from + DAY), fresh)).toBeUndefined();
  });
});

function countMissingMinutes(from: number, to: number): number {
  return maintenanceWindows(1, from, to).reduce((n, w) => n + (Math.min(w.gapEnd, to) - Math.max(w.gapStart, from)) / 60_000, 0);
}
