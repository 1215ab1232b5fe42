import { floorOpen, nextOpen, type Timeframe } from '../core/timeframe.js';
import { allocBaseBars, type BaseBars } from './base-bars.js';

/**
 * Aggregate base bars into `tf` candles the way Binance does: open = first, high = max, low = min,
 * close = last, volumes summed over the sub-bars that exist; a period with no sub-bars is a gap.
 * Sums are rounded to 8 decimals, Binance's volume precision, so they equal Binance's decimal sums.
 */
export function aggregateBars(src: BaseBars, tf: Timeframe): BaseBars {
  const n = src.time.length;
  const starts: number[] = [];
  let bucketEnd = -Infinity;
  for (let i = 0; i < n; i++) {
    if (src.time[i]! >= bucketEnd) {
      starts.push(i);
      bucketEnd = nextOpen(tf, floorOpen(tf, src.time[i]!));
    }
  }
  const out = allocBaseBars(starts.length);
  for (let b = 0; b < starts.length; b++) {
    const from = starts[b]!;
    const to = starts[b + 1] ?? n;
    fillBucket(src, from, to, out, b, floorOpen(tf, src.time[from]!));
  }
  return out;
}

/**
 * A maintenance placeholder: no trades, O = H = L = C at the last price. It carries no price of its
 * own, so it never sets the open, high or low of a candle that also holds real trades.
 */
function isPlaceholder(src: BaseBars, i: number): boolean {
  const o = src.open[i]!;
  return src.trades[i] === 0 && src.volume[i] === 0 && src.high[i] === o && src.low[i] === o && src.close[i] === o;
}

function fillBucket(src: BaseBars, from: number, to: number, out: BaseBars, b: number, open: number): void {
  let traded = -1;
  for (let i = from; i < to && traded < 0; i++) if (!isPlaceholder(src, i)) traded = i;
  const priced = (i: number) => traded < 0 || !isPlaceholder(src, i);
  let high = -Infinity;
  let low = Infinity;
  let vol = 0, qv = 0, trades = 0, tb = 0, tq = 0;
  for (let i = from; i < to; i++) {
    if (priced(i) && src.high[i]! > high) high = src.high[i]!;
    if (priced(i) && src.low[i]! < low) low = src.low[i]!;
    vol += src.volume[i]!;
    qv += src.quoteVolume[i]!;
    trades += src.trades[i]!;
    tb += src.takerBase[i]!;
    tq += src.takerQuote[i]!;
  }
  out.time[b] = open;
  out.open[b] = src.open[traded < 0 ? from : traded]!;
  out.high[b] = high;
  out.low[b] = low;
  out.close[b] = src.close[to - 1]!;
  out.volume[b] = round8(vol);
  out.quoteVolume[b] = round8(qv);
  out.trades[b] = trades;
  out.takerBase[b] = round8(tb);
  out.takerQuote[b] = round8(tq);
}

/** Nearest double to the sum rounded to 8 decimals; a no-op once doubles are coarser than 1e-8. */
export function round8(v: number): number {
  return Math.abs(v) < 1e21 ? Number(v.toFixed(8)) : v;
}
