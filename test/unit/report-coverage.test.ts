import { describe, expect, it } from 'vitest';
import { CELL_STATES, classifyDays, storeCoverage, type CoverageOfStore } from '../../src/report/coverage.js';
import { sampleSeries } from '../../src/report/sample.js';
import { fixture, readFreqtrade } from '../helpers/fixtures.js';

/**
 * The report's coverage on real candles: Binance's first BTCUSDT 1h candles (2,400 rows from 2017-08-17),
 * whose only gap is the 6 missing hours after the 2017-09-06 16:00 halt.
 */
const btc = readFreqtrade(fixture('btcusdt-1h-2017.djienne.freqtrade.json'));
const H = 3_600_000;
const DAY = 86_400_000;
const from = Date.parse('2017-09-01T00:00:00Z');
const to = Date.parse('2017-09-11T00:00:00Z');
const halt = { from: Date.parse('2017-09-06T17:00:00Z'), to: Date.parse('2017-09-06T23:00:00Z') };
const asOf = btc.time[btc.time.length - 1]! + H;

describe('coverage of a store by day', () => {
  it('counts the real halt day as 18 of 24 hours, its first and last missing hour, every other day whole', () => {
    const c = storeCoverage({ time: btc.time, stepMs: H, from, to, asOf });
    expect(Array.from(c.day)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const halted = 5;
    expect(c.present[halted]).toBe(18);
    expect(c.expected[halted]).toBe(24);
    expect([c.firstMissing[halted], c.lastMissing[halted]]).toEqual([halt.from, halt.to - H]);
    for (let k = 0; k < 10; k++) if (k !== halted) expect([c.present[k], c.expected[k]], `day ${k}`).toEqual([24, 24]);
    expect(c.missing).toEqual([halt]);
  });

  it('wants nothing before the first row and wants the days after the last one up to where the group reaches', () => {
    const first = Date.parse('2017-08-17T04:00:00Z');
    const c = storeCoverage({ time: btc.time, stepMs: H, from: Date.parse('2017-08-16T00:00:00Z'), to: Date.parse('2017-08-19T00:00:00Z'), asOf });
    expect(Array.from(c.day)).toEqual([1, 2]); // the 16th is before Binance listed BTCUSDT
    expect([c.present[0], c.expected[0]]).toEqual([20, 20]);
    expect(first).toBe(btc.time[0]);
    const cut = btc.time.subarray(0, 24 * 3); // the store stopped on its third day; its group reaches further
    const late = storeCoverage({ time: cut, stepMs: H, from: Date.parse('2017-08-17T00:00:00Z'), to: Date.parse('2017-08-22T00:00:00Z'), asOf });
    expect(Array.from(late.present)).toEqual([20, 24, 24, 4, 0]);
    expect(Array.from(late.expected)).toEqual([20, 24, 24, 24, 24]);
  });

  it('counts events (funding settlements) by day: a day without any inside the series is missing', () => {
    const t = Float64Array.from([0, 8, 16, 24 + 0, 24 + 8, 72, 80].map((h) => from + h * H));
    const c = storeCoverage({ time: t, from, to: from + 4 * DAY, asOf: from + 4 * DAY });
    expect(Array.from(c.present)).toEqual([3, 2, 0, 2]);
    expect(Array.from(c.expected)).toEqual([3, 2, 1, 2]);
    expect(c.missing).toEqual([{ from: from + 2 * DAY, to: from + 3 * DAY }]);
  });
});

describe('what a missing day is', () => {
  const drop = (time: Float64Array, a: number, b: number) => time.filter((t) => t < a || t >= b);
  const store = (group: string, time: Float64Array, unrecoverable: { from: number; to: number }[] = []): CoverageOfStore => ({
    group, coverage: storeCoverage({ time, stepMs: H, from, to, asOf }), span: { from: time[0]!, to: asOf }, unrecoverable,
  });
  const stateOf = (states: Uint8Array, k: number) => CELL_STATES[states[k]!];

  it('the real halt, missing in every store of the venue, is maintenance; alone it is a gap', () => {
    const whole = Float64Array.from({ length: btc.time.length + 6 }, (_, i) => btc.time[0]! + i * H).filter((t) => t <= btc.time[btc.time.length - 1]!);
    expect(stateOf(classifyDays([store('binance 1h', btc.time)])[0]!, 5)).toBe('gap');
    const halted = () => store('binance 1h', drop(whole, halt.from, halt.to));
    // 4 of 5 stores miss it (80%): a halt; 3 of 5 do not make one
    const states = classifyDays([store('binance 1h', btc.time), halted(), halted(), halted(), store('binance 1h', whole)]);
    expect(stateOf(states[0]!, 5)).toBe('maintenance');
    expect(stateOf(states[4]!, 5)).toBe('complete');
    expect(stateOf(classifyDays([store('binance 1h', btc.time), halted(), halted(), store('binance 1h', whole), store('binance 1h', whole)])[0]!, 5)).toBe('gap');
    // another venue's stores do not make it a halt
    const split = classifyDays([store('binance 1h', btc.time), store('okx 1h', drop(whole, halt.from, halt.to)), store('okx 1h', drop(whole, halt.from, halt.to))]);
    expect(stateOf(split[0]!, 5)).toBe('gap');
  });

  it('a day missing only inside a recorded unrecoverable span is unrecoverable; a day also missing elsewhere is a gap', () => {
    const lost = { from: Date.parse('2017-09-02T03:00:00Z'), to: Date.parse('2017-09-02T05:00:00Z') };
    const t = drop(btc.time, lost.from, lost.to);
    expect(stateOf(classifyDays([store('binance 1h', t, [lost])])[0]!, 1)).toBe('unrecoverable');
    const more = drop(t, Date.parse('2017-09-02T10:00:00Z'), Date.parse('2017-09-02T11:00:00Z'));
    expect(stateOf(classifyDays([store('binance 1h', more, [lost])])[0]!, 1)).toBe('gap');
  });
});

describe('the value chart\'s series', () => {
  const cols = { time: btc.time, open: btc.open, high: btc.high, low: btc.low, close: btc.close, volume: btc.volume };
  it('keeps the stored rows when they fit', () => {
    const s = sampleSeries(cols, ['close'], from, to, 1000, 'last');
    expect(s.bucketMs).toBeUndefined();
    expect(Array.from(s.columns['close']!)).toEqual(Array.from(btc.close.filter((_, i) => btc.time[i]! >= from && btc.time[i]! < to)));
  });

  it('aggregates candles exactly to a coarser bucket when they do not: the 4h candles Binance itself serves', () => {
    const four = readFreqtrade(fixture('btcusdt-4h-2017.djienne.freqtrade.json'));
    // a 4h bucket: 2,400 hours into at most 700 points
    const s = sampleSeries(cols, ['open', 'high', 'low', 'close', 'volume'], btc.time[0]!, btc.time[btc.time.length - 1]! + H, 700, 'candles');
    expect(s.bucketMs).toBe(4 * H);
    let compared = 0;
    for (let i = 0; i < four.time.length; i++) {
      const k = s.columns['time']!.indexOf(four.time[i]!);
      if (k < 0 || four.time[i]! === Date.parse('2017-09-06T16:00:00Z')) continue; // the halt's bar is not a whole 4h of 1h bars
      expect([s.columns['open']![k], s.columns['high']![k], s.columns['low']![k], s.columns['close']![k]]).toEqual([four.open[i], four.high[i], four.low[i], four.close[i]]);
      expect(s.columns['volume']![k]).toBeCloseTo(four.volume[i]!, 6);
      compared++;
    }
    expect(compared).toBeGreaterThan(550);
  });

  it('reduces other series to each bucket\'s last stored row, so every point is a stored one', () => {
    const s = sampleSeries(cols, ['close'], btc.time[0]!, btc.time[btc.time.length - 1]! + H, 700, 'last');
    const at = new Map(Array.from(btc.time, (t, i) => [t, btc.close[i]]));
    expect(s.columns['time']!.length).toBeLessThanOrEqual(700);
    s.columns['time']!.forEach((t, k) => expect(s.columns['close']![k]).toBe(at.get(t)));
  });
});
