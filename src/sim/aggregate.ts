import { floorOpen, nextOpen, type Timeframe } from '../core/timeframe.js';
import { allocBaseBars, type BaseBars } from './base-bars.js';

/**
 * Aggregate base bars into `tf` candles the way exchanges do: open = first, high = max, low = min,
 * close = last, volumes summed over the sub-bars that exist; a period with no sub-bars is a gap.
 * Sums are rounded to 8 decimals, the volume precision served, so they equal the exchange's decimal sums.
 */
export function aggregateBars(src: BaseBars, tf: Timeframe, units?: VolumeUnits): BaseBars {
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
    fillBucket(src, from, to, out, b, floorOpen(tf, src.time[from]!), units);
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

function fillBucket(src: BaseBars, from: number, to: number, out: BaseBars, b: number, open: number, units: VolumeUnits | undefined): void {
  let traded = -1;
  for (let i = from; i < to && traded < 0; i++) if (!isPlaceholder(src, i)) traded = i;
  const priced = (i: number) => traded < 0 || !isPlaceholder(src, i);
  let high = -Infinity;
  let low = Infinity;
  let trades = 0;
  for (let i = from; i < to; i++) {
    if (priced(i) && src.high[i]! > high) high = src.high[i]!;
    if (priced(i) && src.low[i]! < low) low = src.low[i]!;
    trades += src.trades[i]!;
  }
  out.time[b] = open;
  out.open[b] = src.open[traded < 0 ? from : traded]!;
  out.high[b] = high;
  out.low[b] = low;
  out.close[b] = src.close[to - 1]!;
  out.volume[b] = sum(src.volume, from, to, units?.volume);
  out.quoteVolume[b] = sum(src.quoteVolume, from, to, units?.quote);
  out.trades[b] = trades;
  out.takerBase[b] = sum(src.takerBase, from, to, units?.volume);
  out.takerQuote[b] = sum(src.takerQuote, from, to, units?.quote);
}

/**
 * Scales of a market's base and quote quantities (10^decimals): its volumes are whole numbers of these
 * units, so they are summed as integers and the aggregate is exactly the decimal sum, as an exchange prints it.
 */
export interface VolumeUnits {
  readonly volume: number;
  readonly quote: number;
}

function sum(values: Float64Array, from: number, to: number, scale: number | undefined): number {
  if (scale === undefined) return round8(exactSum(values, from, to));
  let units = 0;
  for (let i = from; i < to; i++) units += Math.round(values[i]! * scale);
  return units / scale;
}

/**
 * Without known units (recorded files): the sum of the values correctly rounded (Neumaier's compensated
 * sum), then to 8 decimals; a plain running sum of thousands of values drifts by several ulps.
 */
function exactSum(values: Float64Array, from: number, to: number): number {
  let sum = 0, lost = 0;
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    const t = sum + v;
    lost += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + lost;
}

/** Nearest double to the sum rounded to 8 decimals; a no-op once doubles are coarser than 1e-8. */
export function round8(v: number): number {
  return Math.abs(v) < 1e21 ? Number(v.toFixed(8)) : v;
}
