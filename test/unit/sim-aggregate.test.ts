import { describe, expect, it } from 'vitest';
import { parseTimeframe } from '../../src/core/timeframe.js';
import { aggregateBars } from '../../src/sim/aggregate.js';
import { allocBaseBars } from '../../src/sim/base-bars.js';

const H = 3_600_000;
const T = Date.parse('2017-09-06T16:00:00Z');

/** 1h bars [open, high, low, close, volume, trades]. */
function bars(rows: number[][]) {
  const b = allocBaseBars(rows.length);
  rows.forEach(([o, h, l, c, v, n], i) => {
    b.time[i] = T + i * H;
    b.open[i] = o!; b.high[i] = h!; b.low[i] = l!; b.close[i] = c!; b.volume[i] = v!; b.trades[i] = n!;
  });
  return b;
}

describe('the simulator aggregates as Binance does', () => {
  it('a maintenance placeholder (no trades, O = H = L = C) never sets the open, high or low of a candle with real trades', () => {
    // a 4h candle: a placeholder at the last price before maintenance, then trading resumes 300 lower
    const b = bars([[4600, 4600, 4600, 4600, 0, 0], [4300, 4350, 4250, 4320, 12.5, 900], [4320, 4400, 4310, 4390, 8, 700], [4390, 4395, 4380, 4385, 3, 200]]);
    const h4 = aggregateBars(b, parseTimeframe('4h'));
    expect([h4.open[0], h4.high[0], h4.low[0], h4.close[0], h4.volume[0], h4.trades[0]]).toEqual([4300, 4400, 4250, 4385, 23.5, 1800]);
  });

  it('a candle of placeholders only is the flat placeholder itself', () => {
    const b = bars([[4600, 4600, 4600, 4600, 0, 0], [4600, 4600, 4600, 4600, 0, 0], [4600, 4600, 4600, 4600, 0, 0], [4600, 4600, 4600, 4600, 0, 0]]);
    const h4 = aggregateBars(b, parseTimeframe('4h'));
    expect([h4.open[0], h4.high[0], h4.low[0], h4.close[0], h4.volume[0]]).toEqual([4600, 4600, 4600, 4600, 0]);
  });
});
