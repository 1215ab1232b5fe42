import { UsageError } from './errors.js';

/**
 * A candle interval and the calendar arithmetic it implies. Fixed intervals are aligned to the Unix
 * epoch (plus an offset for weeks, which open on Monday); months open on the 1st at 00:00 UTC.
 */
export interface Timeframe {
  readonly name: string;
  /** Nominal length in ms (a month counts as 30 days; use nextOpen for exact boundaries). */
  readonly ms: number;
  readonly calendarMonth: boolean;
  readonly offsetMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 1970-01-01 was a Thursday; weekly candles open on Monday 00:00 UTC. */
const MONDAY_OFFSET = 4 * DAY;

const FIXED: Record<string, number> = {
  '1m': MINUTE, '3m': 3 * MINUTE, '5m': 5 * MINUTE, '15m': 15 * MINUTE, '30m': 30 * MINUTE,
  '1h': HOUR, '2h': 2 * HOUR, '4h': 4 * HOUR, '6h': 6 * HOUR, '8h': 8 * HOUR, '12h': 12 * HOUR,
  '1d': DAY, '3d': 3 * DAY, '1w': 7 * DAY,
};

export const TIMEFRAME_NAMES: readonly string[] = [...Object.keys(FIXED), '1M'];

const cache = new Map<string, Timeframe>();

/** Parse a timeframe name (`1h`, `1M`, ...); throws UsageError naming the bad value. */
export function parseTimeframe(name: string): Timeframe {
  const hit = cache.get(name);
  if (hit) return hit;
  let tf: Timeframe;
  if (name === '1M') {
    tf = { name, ms: 30 * DAY, calendarMonth: true, offsetMs: 0 };
  } else {
    const ms = FIXED[name];
    if (ms === undefined) {
      throw new UsageError(`unknown timeframe "${name}" (expected one of ${TIMEFRAME_NAMES.join(' ')})`);
    }
    tf = { name, ms, calendarMonth: false, offsetMs: name === '1w' ? MONDAY_OFFSET : 0 };
  }
  cache.set(name, tf);
  return tf;
}

/** Open time of the candle that contains `t`. */
export function floorOpen(tf: Timeframe, t: number): number {
  if (tf.calendarMonth) {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  return Math.floor((t - tf.offsetMs) / tf.ms) * tf.ms + tf.offsetMs;
}

/** Open time of the candle after the one opening at `open`. */
export function nextOpen(tf: Timeframe, open: number): number {
  if (tf.calendarMonth) {
    const d = new Date(open);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return open + tf.ms;
}

/** Open time `n` candles after `open` (n may be negative for fixed intervals). */
export function addCandles(tf: Timeframe, open: number, n: number): number {
  if (tf.calendarMonth) {
    const d = new Date(open);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
  }
  return open + n * tf.ms;
}

/** True when `t` is exactly a candle open time. */
export function isAligned(tf: Timeframe, t: number): boolean {
  return floorOpen(tf, t) === t;
}

/** Number of candle opens in [from, to), both aligned. */
export function candlesBetween(tf: Timeframe, from: number, to: number): number {
  if (tf.calendarMonth) {
    const a = new Date(from);
    const b = new Date(to);
    return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth();
  }
  return Math.round((to - from) / tf.ms);
}

/**
 * Open time of the newest candle that has closed at `now`: the candle containing `now` is still open,
 * so the last closed one is the one before it.
 */
export function lastClosedOpen(tf: Timeframe, now: number): number {
  return addCandles(tf, floorOpen(tf, now), -1);
}
