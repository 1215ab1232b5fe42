import { describe, expect, it } from 'vitest';
import { wilderAtr } from '../../src/indicators/wilder-atr.js';
import { parseTimeframe } from '../../src/core/timeframe.js';
import { checkHealth, type StoreColumns } from '../../src/validate/check-health.js';
import { fixture, readFreqtrade, shared } from '../helpers/fixtures.js';

function storeColumns(path: string): Required<StoreColumns> {
  const f = readFreqtrade(path);
  return { ...f, atr: wilderAtr(f.high, f.low, f.close, 14) };
}

const H1 = parseTimeframe('1h');

describe('checkHealth', () => {
  it('finds the one real 2017 maintenance gap and nothing else', () => {
    const findings = checkHealth(storeColumns(fixture('btcusdt-1h-2017.djienne.freqtrade.json')), H1, { atrPeriod: 14 });
    expect(findings).toEqual([{
      code: 'GAPS', severity: 'warn', count: 1, message: '1 gap(s), 6 missing candle(s)',
      items: [{ start: '2017-09-06T17:00:00.000Z', end: '2017-09-06T22:00:00.000Z', missing: 6 }],
    }]);
  });

  it.skipIf(!shared('candles/binance_spot_BTCUSDT_1h.djienne.freqtrade.json'))('lists the 27 gaps / 127 missing hours SOURCES.md records for 2017–2022', () => {
    const findings = checkHealth(storeColumns(shared('candles/binance_spot_BTCUSDT_1h.djienne.freqtrade.json')!), H1, { atrPeriod: 14 });
    const gaps = findings.find((f) => f.code === 'GAPS')!;
    expect(gaps.count).toBe(27);
    expect(gaps.message).toBe('27 gap(s), 127 missing candle(s)');
    // SOURCES.md: last bar before it 2018-02-08 00:00, next 2018-02-09 10:00, 33 hours missing in between.
    expect(gaps.items).toContainEqual({ start: '2018-02-08T01:00:00.000Z', end: '2018-02-09T09:00:00.000Z', missing: 33 });
    expect(findings.map((f) => f.code)).toEqual(['GAPS']);
  });

  it('fails on empty stores, missing columns, NaN and non-positive prices', () => {
    const c = storeColumns(fixture('btcusdt-1h-2017.djienne.freqtrade.json'));
    expect(checkHealth({ ...c, time: new Float64Array(0), open: new Float64Array(0), high: new Float64Array(0), low: new Float64Array(0), close: new Float64Array(0), volume: new Float64Array(0), atr: new Float64Array(0) }, H1)[0]!.code).toBe('EMPTY');
    expect(checkHealth({ ...c, atr: undefined }, H1)[0]).toMatchObject({ code: 'MISSING_COLUMNS', severity: 'fail', items: [{ column: 'ATR' }] });
    const bad = { ...c, close: c.close.slice(), low: c.low.slice() };
    bad.close[100] = NaN;
    bad.low[200] = 0;
    const codes = checkHealth(bad, H1).map((f) => [f.code, f.severity, f.count]);
    expect(codes).toContainEqual(['NAN_VALUES', 'fail', 1]);
    expect(codes).toContainEqual(['NONPOSITIVE_PRICE', 'fail', 1]);
  });

  it('warns on High < Low, off-grid times and a stored open candle; fails on duplicates, disorder and a wrong ATR', () => {
    const c = storeColumns(fixture('btcusdt-1h-2017.djienne.freqtrade.json'));
    const x = { ...c, time: c.time.slice(), high: c.high.slice(), atr: c.atr.slice() };
    x.high[50] = x.low[50]! - 1;
    x.time[10] = x.time[9]!; // duplicate
    x.time[20] = x.time[20]! + 60_000; // off the hour
    const last = x.time[x.time.length - 1]!;
    const byCode = new Map(checkHealth(x, H1, { atrPeriod: 14, now: last + 1_800_000 }).map((f) => [f.code, f]));
    expect(byCode.get('HIGH_BELOW_LOW')?.severity).toBe('warn');
    expect(byCode.get('DUPLICATE_TIMES')?.severity).toBe('fail');
    expect(byCode.get('OFF_GRID')?.items).toEqual([{ time: new Date(x.time[20]!).toISOString() }]);
    expect(byCode.get('OPEN_CANDLE')?.count).toBe(1);
    const wrongAtr = { ...c, atr: c.atr.slice() };
    wrongAtr.atr[500] = wrongAtr.atr[500]! * (1 + 1e-6);
    wrongAtr.atr[3] = 1; // a value inside the warm-up, where the store must hold null
    expect(checkHealth(wrongAtr, H1, { atrPeriod: 14, wholeStore: true }).find((f) => f.code === 'ATR_MISMATCH')).toMatchObject({ severity: 'fail', count: 2 });
    expect(checkHealth(c, H1, { atrPeriod: 14 }).map((f) => f.code)).not.toContain('ATR_MISMATCH');
    const unsorted = { ...c, time: c.time.slice() };
    unsorted.time[30] = unsorted.time[5]!;
    expect(checkHealth(unsorted, H1).map((f) => f.code)).toContain('UNSORTED_TIMES');
  });

  it('checks a loaded range (no history before it) with no false ATR_MISMATCH, and still catches a wrong value', () => {
    const c = storeColumns(fixture('btcusdt-1h-2017.djienne.freqtrade.json'));
    const slice = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v.subarray(400, 900)])) as Required<StoreColumns>;
    expect(checkHealth(slice, H1, { atrPeriod: 14 }).map((f) => f.code)).not.toContain('ATR_MISMATCH');
    // the whole-store check recomputes from the slice's first row, and so disagrees with a real store's values
    expect(checkHealth(slice, H1, { atrPeriod: 14, wholeStore: true }).map((f) => f.code)).toContain('ATR_MISMATCH');
    const wrong = { ...slice, atr: slice.atr.slice() };
    wrong.atr[200] = wrong.atr[200]! * (1 + 1e-6);
    const found = checkHealth(wrong, H1, { atrPeriod: 14 }).find((f) => f.code === 'ATR_MISMATCH')!;
    expect(found.items![0]).toEqual({ time: new Date(slice.time[200]!).toISOString() });
    // a range from the store's first candle: the warm-up and the first value (the mean of 14 true ranges) are checked
    const head = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v.slice(0, 300)])) as Required<StoreColumns>;
    expect(checkHealth(head, H1, { atrPeriod: 14 }).map((f) => f.code)).not.toContain('ATR_MISMATCH');
    head.atr[14] = head.atr[14]! + 1;
    expect(checkHealth(head, H1, { atrPeriod: 14 }).find((f) => f.code === 'ATR_MISMATCH')!.items![0]).toEqual({ time: new Date(head.time[14]!).toISOString() });
  });

  it('warns STALE when more than staleAfter closed candles are missing after the last one', () => {
    const c = storeColumns(fixture('btcusdt-1h-2017.djienne.freqtrade.json'));
    const last = c.time[c.time.length - 1]!;
    const at = (hours: number) => checkHealth(c, H1, { now: last + hours * 3_600_000 + 60_000, staleAfter: 3 }).find((f) => f.code === 'STALE');
    expect(at(1)).toBeUndefined(); // the next candle is still open
    expect(at(4)).toBeUndefined(); // 3 closed candles missing
    expect(at(5)).toMatchObject({ severity: 'warn', message: expect.stringContaining('is 4 1h candle(s) behind the clock') });
  });
});
