import { describe, expect, it } from 'vitest';
import { checkStatistic } from '../../src/validate/check-statistics.js';

const time = Float64Array.from([0, 300_000, 600_000]);

describe('futures statistics validation', () => {
  it('accepts long + short = 1 and ratio = long / short at Binance\'s 4-decimal rounding', () => {
    const long = Float64Array.from([0.3819, 0.5, 0.7123]);
    const short = Float64Array.from([0.6181, 0.5, 0.2877]);
    const ratio = Float64Array.from([0.6179, 1, 2.4758]);
    expect(checkStatistic({ time, long, short, ratio })).toEqual([]);
  });

  it('warns where the split does not add up, and fails on a negative or missing value', () => {
    const long = Float64Array.from([0.3819, 0.6, 0.7123]);
    const short = Float64Array.from([0.6181, 0.5, 0.2877]);
    const ratio = Float64Array.from([0.6179, 1.2, 2.4758]);
    expect(checkStatistic({ time, long, short, ratio })).toMatchObject([{ code: 'INCONSISTENT', severity: 'warn', count: 1 }]);
    expect(checkStatistic({ time, contracts: Float64Array.from([1, -1, NaN]) })).toMatchObject([{ code: 'NAN_VALUES', severity: 'fail', count: 2 }]);
  });
});
