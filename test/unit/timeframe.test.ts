import { describe, expect, it } from 'vitest';
import { addCandles, candlesBetween, floorOpen, isAligned, lastClosedOpen, nextOpen, parseTimeframe, TIMEFRAME_NAMES } from '../../src/core/timeframe.js';

const T = (iso: string) => Date.parse(iso);

describe('timeframes', () => {
  it('knows every Binance interval and names the bad one', () => {
    expect(TIMEFRAME_NAMES).toEqual(['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M']);
    expect(() => parseTimeframe('7h')).toThrow('unknown timeframe "7h" (expected one of 1m 3m');
  });

  it('opens weeks on Monday 00:00 UTC', () => {
    const w = parseTimeframe('1w');
    expect(new Date(floorOpen(w, T('2024-03-07T15:00Z'))).toISOString()).toBe('2024-03-04T00:00:00.000Z'); // a Thursday → Monday
    expect(new Date(floorOpen(w, T('2024-03-04T00:00Z'))).getUTCDay()).toBe(1);
    expect(isAligned(w, T('2024-03-10T00:00Z'))).toBe(false); // Sunday
  });

  it('opens months on the 1st and steps through their different lengths', () => {
    const m = parseTimeframe('1M');
    expect(new Date(floorOpen(m, T('2024-02-29T23:59Z'))).toISOString()).toBe('2024-02-01T00:00:00.000Z');
    expect(new Date(nextOpen(m, T('2024-01-01T00:00Z'))).toISOString()).toBe('2024-02-01T00:00:00.000Z');
    expect(new Date(addCandles(m, T('2024-01-01T00:00Z'), -2)).toISOString()).toBe('2023-11-01T00:00:00.000Z');
    expect(candlesBetween(m, T('2023-11-01T00:00Z'), T('2024-03-01T00:00Z'))).toBe(4);
  });

  it('treats the candle containing now as open', () => {
    const h = parseTimeframe('1h');
    expect(new Date(lastClosedOpen(h, T('2022-10-11T11:30Z'))).toISOString()).toBe('2022-10-11T10:00:00.000Z');
    expect(new Date(lastClosedOpen(h, T('2022-10-11T11:00Z'))).toISOString()).toBe('2022-10-11T10:00:00.000Z');
  });
});
