import { addCandles, floorOpen, isAligned, nextOpen, type Timeframe } from '../core/timeframe.js';
import { aggregateBars } from './aggregate.js';
import { allocBaseBars, concatBars, sliceBars, type BaseBars, type CandleSource } from './base-bars.js';

export interface KlineQuery {
  readonly startTime?: number;
  readonly endTime?: number;
  readonly limit: number;
}

const DAY = 86_400_000;

/**
 * Kline selection as exchanges do it (the default venue's rules): with startTime, the first `limit` candles opening at or after it; without,
 * the last `limit` candles opening at or before endTime (or now). Nothing opens after `now`; the
 * candle containing `now` is returned still open (partial volume, close = last price so far).
 */
export function selectKlines(src: CandleSource, tf: Timeframe, q: KlineQuery, now: number): BaseBars {
  if (tf.ms < src.baseMs || (!tf.calendarMonth && tf.ms % src.baseMs !== 0)) return allocBaseBars(0);
  const upper = Math.min(q.endTime ?? Infinity, now);
  const lowest = floorOpen(tf, src.listedAt);
  if (upper < lowest) return allocBaseBars(0);
  const end = nextOpen(tf, floorOpen(tf, upper));
  return q.startTime === undefined
    ? selectBackward(src, tf, lowest, end, q.limit, now)
    : selectForward(src, tf, Math.max(alignUp(tf, q.startTime), lowest), end, q.limit, now);
}

function alignUp(tf: Timeframe, t: number): number {
  return isAligned(tf, t) ? t : nextOpen(tf, floorOpen(tf, t));
}

function selectForward(src: CandleSource, tf: Timeframe, from: number, end: number, limit: number, now: number): BaseBars {
  const parts: BaseBars[] = [];
  let count = 0;
  while (count < limit && from < end) {
    const to = Math.min(addCandles(tf, from, limit - count), end);
    const got = candlesIn(src, tf, from, to, now);
    const take = Math.min(got.time.length, limit - count);
    parts.push(sliceBars(got, 0, take));
    count += take;
    from = to;
  }
  return parts.length === 0 ? allocBaseBars(0) : concatBars(parts);
}

function selectBackward(src: CandleSource, tf: Timeframe, lowest: number, end: number, limit: number, now: number): BaseBars {
  const parts: BaseBars[] = [];
  let count = 0;
  let to = end;
  while (count < limit && to > lowest) {
    const from = Math.max(addCandles(tf, to, -(limit - count)), lowest);
    const got = candlesIn(src, tf, from, to, now);
    const take = Math.min(got.time.length, limit - count);
    parts.unshift(sliceBars(got, got.time.length - take, got.time.length));
    count += take;
    to = from;
  }
  return parts.length === 0 ? allocBaseBars(0) : concatBars(parts);
}

/** Candles of `tf` opening in [from, to), as known at `now`. */
function candlesIn(src: CandleSource, tf: Timeframe, from: number, to: number, now: number): BaseBars {
  const todayStart = Math.floor(now / DAY) * DAY;
  const aggregate = (b: BaseBars) => (!tf.calendarMonth && tf.ms === src.baseMs ? b : aggregateBars(b, tf, src.units));
  if (from >= todayStart) return aggregate(baseBarsUntilNow(src, from, to, now));
  // Whole past days come from the source's caches; only today is cut at now.
  const cut = Math.min(to, todayStart);
  if (src.dailyBars && tf.ms >= DAY) {
    // 1d candles are the source's days as they are; longer ones their aggregate
    if (!tf.calendarMonth && tf.ms === DAY) return concatBars([src.dailyBars(from, cut), aggregate(baseBarsUntilNow(src, cut, to, now))]);
    return aggregate(concatBars([src.dailyBars(from, cut), baseBarsUntilNow(src, cut, to, now)]));
  }
  if (src.intradayCandles && tf.ms > src.baseMs && DAY % tf.ms === 0) {
    return concatBars([src.intradayCandles(tf, from, cut), aggregate(baseBarsUntilNow(src, cut, to, now))]);
  }
  return aggregate(baseBarsUntilNow(src, from, to, now));
}

/** Base bars opening in [from, to) and at or before now; the one containing now is cut short. */
function baseBarsUntilNow(src: CandleSource, from: number, to: number, now: number): BaseBars {
  const bars = src.bars(from, Math.min(to, now + 1));
  const last = bars.time.length - 1;
  if (last < 0 || bars.time[last]! + src.baseMs <= now) return bars;
  const copy = concatBars([bars, allocBaseBars(0)]);
  cutShort(copy, last, (now - copy.time[last]! + 1) / src.baseMs, src.priceDecimals);
  return copy;
}

/** The still-open bar: only the fraction `phase` of it has traded so far. */
function cutShort(b: BaseBars, i: number, phase: number, decimals: number): void {
  const round = (v: number) => Number(v.toFixed(decimals));
  const o = b.open[i]!;
  const c = round(o + (b.close[i]! - o) * phase);
  const top = Math.max(o, b.close[i]!);
  const bottom = Math.min(o, b.close[i]!);
  b.high[i] = Math.max(o, c, round(Math.max(o, c) + (b.high[i]! - top) * phase));
  b.low[i] = Math.min(o, c, round(Math.min(o, c) - (bottom - b.low[i]!) * phase));
  b.close[i] = c;
  for (const k of ['volume', 'quoteVolume', 'takerBase', 'takerQuote'] as const) b[k][i] = Number((b[k][i]! * phase).toFixed(8));
  b.trades[i] = Math.round(b.trades[i]! * phase);
}
