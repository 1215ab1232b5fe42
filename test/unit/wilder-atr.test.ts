import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { wilderAtr } from '../../src/indicators/wilder-atr.js';
import { fixture, readAtrCsv, readFreqtrade, shared } from '../helpers/fixtures.js';

/** Relative difference, the measure the issue sets (1e-9). */
function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

function checkAgainstReference(candlesPath: string, atrPath: string): { compared: number; maxRel: number } {
  const f = readFreqtrade(candlesPath);
  const ref = readAtrCsv(atrPath);
  const atr = wilderAtr(f.high, f.low, f.close, 14);
  let compared = 0;
  let maxRel = 0;
  for (let i = 0; i < f.time.length; i++) {
    const expected = ref.get(f.time[i]!);
    if (expected === undefined) {
      expect(atr[i], `row ${i} has no reference value, so it must be warm-up`).toBeNaN();
      continue;
    }
    maxRel = Math.max(maxRel, rel(atr[i]!, expected));
    compared++;
  }
  return { compared, maxRel };
}

describe('wilderAtr (TA-Lib convention)', () => {
  it('matches the published technicalindicators ATR(14) vector', () => {
    const v = JSON.parse(readFileSync(fixture('technicalindicators_ATR14_testvector.json'), 'utf8')) as
      { high: number[]; low: number[]; close: number[]; period: number; expected: number[] };
    const atr = wilderAtr(Float64Array.from(v.high), Float64Array.from(v.low), Float64Array.from(v.close), v.period);
    const values = Array.from(atr).filter((x) => !Number.isNaN(x));
    expect(values).toHaveLength(v.expected.length);
    values.forEach((x, i) => expect(rel(x, v.expected[i]!)).toBeLessThan(1e-12));
    expect(Number.isNaN(atr[13]!)).toBe(true);
    expect(Number.isNaN(atr[14]!)).toBe(false);
  });

  it('matches TA-Lib on the committed 2017 BTCUSDT 1h slice (2,386 values)', () => {
    const r = checkAgainstReference(fixture('btcusdt-1h-2017.djienne.freqtrade.json'), fixture('btcusdt-1h-2017.djienne.atr14.talib.csv'));
    expect(r.compared).toBe(2386);
    expect(r.maxRel).toBeLessThan(1e-9);
  });

  it.skipIf(!shared('atr/binance_spot_BTCUSDT_1h.djienne.atr14.talib.csv'))('matches TA-Lib on all 45,010 values of BTCUSDT 1h 2017–2022', () => {
    const r = checkAgainstReference(shared('candles/binance_spot_BTCUSDT_1h.djienne.freqtrade.json')!, shared('atr/binance_spot_BTCUSDT_1h.djienne.atr14.talib.csv')!);
    expect(r.compared).toBe(45010);
    expect(r.maxRel).toBeLessThan(1e-9);
  });

  it('differs from the StockCharts convention only in the seed (first value one bar later)', () => {
    const rows = readFileSync(fixture('bukosabino-ta_cs-atr.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    // columns: Date(index), High, Low, Close, TR, ATR; StockCharts seeds with mean(TR[0..13]) where TR[0] = H0 − L0.
    const col = (k: number) => Float64Array.from(rows.map((r) => r[k]!));
    const atr = wilderAtr(col(1), col(2), col(3), 14);
    expect(Number.isNaN(atr[13]!)).toBe(true);
    expect(rows[13]![5]).toBeCloseTo(0.555, 3);
    expect(atr[14]).not.toBeCloseTo(rows[14]![5]!, 6);
  });

  it('is all warm-up when there are not more rows than the period', () => {
    const x = Float64Array.from([2, 3, 4]);
    expect(Array.from(wilderAtr(x, x, x, 3)).every(Number.isNaN)).toBe(true);
    expect(Array.from(wilderAtr(new Float64Array(0), new Float64Array(0), new Float64Array(0), 14))).toEqual([]);
  });

  it('uses the previous close for the true range across a gap', () => {
    // bar 2 gaps up: TR = |H − prevC| = 20 − 10, larger than H − L = 1
    const h = Float64Array.from([10, 11, 20]);
    const l = Float64Array.from([9, 10, 19]);
    const c = Float64Array.from([10, 10, 19.5]);
    const atr = wilderAtr(h, l, c, 1);
    expect(Array.from(atr)).toEqual([NaN, 1, 10]);
  });
});
