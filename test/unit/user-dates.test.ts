import { describe, expect, it } from 'vitest';
import { parseUserDate } from '../../src/core/time-format.js';
import { epochToMillis } from '../../src/store/time-column.js';

describe('parseUserDate: dates are never misread', () => {
  it('reads calendar dates as UTC, with or without a time and a zone', () => {
    expect(parseUserDate('2024-02-29', 'd')).toBe(Date.UTC(2024, 1, 29));
    expect(parseUserDate('2024-02-29T12:30', 'd')).toBe(Date.UTC(2024, 1, 29, 12, 30));
    expect(parseUserDate('2024-02-29 12:30:15Z', 'd')).toBe(Date.UTC(2024, 1, 29, 12, 30, 15));
    expect(parseUserDate('2024-02-29T12:30:00+02:00', 'd')).toBe(Date.UTC(2024, 1, 29, 10, 30));
  });

  it('tells epoch seconds from milliseconds by their digits', () => {
    expect(parseUserDate('1700000000', '--since')).toBe(1_700_000_000_000);
    expect(parseUserDate('1700000000000', '--since')).toBe(1_700_000_000_000);
    expect(() => parseUserDate('17000000000', '--since')).toThrow('--since "17000000000" is an epoch of 11 digits, which is ambiguous');
    expect(() => parseUserDate('1700000000000000', '--since')).toThrow('ambiguous');
  });

  it('refuses impossible dates instead of rolling them over, and instants before 1970', () => {
    expect(() => parseUserDate('2026-02-30', '--since')).toThrow('--since "2026-02-30" is not a real calendar date or time');
    expect(() => parseUserDate('2025-02-29', '--since')).toThrow('not a real calendar date');
    expect(() => parseUserDate('2024-01-01T24:00', '--until')).toThrow('not a real calendar date');
    expect(() => parseUserDate('2024-13-01', '--until')).toThrow('not a real calendar date');
    expect(() => parseUserDate('1969-12-31', '--since')).toThrow('--since "1969-12-31" is before 1970');
    expect(() => parseUserDate('yesterday', '--since')).toThrow('is not a date (expected YYYY-MM-DD');
  });
});

describe('a bare epoch column: unit by magnitude', () => {
  it('seconds, milliseconds, microseconds and nanoseconds of one instant agree', () => {
    const ms = Date.UTC(2024, 0, 1, 0, 5);
    expect([epochToMillis(ms / 1000), epochToMillis(ms), epochToMillis(ms * 1000), epochToMillis(ms * 1e6)]).toEqual([ms, ms, ms, ms]);
    expect(epochToMillis(Date.UTC(2017, 7, 17) / 1000)).toBe(Date.UTC(2017, 7, 17));
  });
});
