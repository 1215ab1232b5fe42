import type { Timeframe } from '../core/timeframe.js';
import type { VolumeUnits } from './aggregate.js';
import type { CandleFrame } from '../core/frame.js';

/**
 * Candles at a source's base resolution, with the extra kline fields exchanges return. Sources keep
 * their own base (1m synthetic, the file's interval for replays); every timeframe is aggregated from it.
 */
export interface BaseBars extends CandleFrame {
  readonly quoteVolume: Float64Array;
  readonly trades: Float64Array;
  readonly takerBase: Float64Array;
  readonly takerQuote: Float64Array;
}

export function allocBaseBars(n: number): BaseBars {
  // one allocation for the ten columns: the simulator makes thousands of small frames a second
  const all = new Float64Array(10 * n);
  const col = (i: number) => all.subarray(i * n, (i + 1) * n);
  return {
    time: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5),
    quoteVolume: col(6), trades: col(7), takerBase: col(8), takerQuote: col(9),
  };
}

/** A market's history: the base bars overlapping [from, to), ascending, gaps simply absent. */
export interface CandleSource {
  /** A price near time `t`, cheap (the day's open), for what only needs a level: funding's mark price. */
  priceNear?(t: number): number;
  /** Length of one base bar in ms. */
  readonly baseMs: number;
  /** Open time of the first candle ever (listing). */
  readonly listedAt: number;
  /** Decimals used when printing prices (an exchange prints a fixed number per symbol). */
  readonly priceDecimals: number;
  /** The units its volumes are whole numbers of, when known, so aggregates are exact decimal sums. */
  readonly units?: VolumeUnits;
  bars(from: number, to: number): BaseBars;
  /**
   * Daily aggregates for [from, to) when the source can give them without touching every base bar
   * (synthetic history over years); undefined means aggregate from bars().
   */
  dailyBars?(from: number, to: number): BaseBars;
  /**
   * Candles of an intraday `tf` (one that divides a day) opening in [from, to), for whole days in the
   * past, when the source can keep them ready; undefined means aggregate from bars().
   */
  intradayCandles?(tf: Timeframe, from: number, to: number): BaseBars;
}

export { lowerBoundTime as lowerBound } from '../core/time-search.js';

const BAR_KEYS = ['time', 'open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'trades', 'takerBase', 'takerQuote'] as const;

export function pickBars(src: BaseBars, rows: readonly number[]): BaseBars {
  if (rows.length === src.time.length) return src;
  const out = allocBaseBars(rows.length);
  for (const k of BAR_KEYS) for (let j = 0; j < rows.length; j++) out[k][j] = src[k][rows[j]!]!;
  return out;
}

export function sliceBars(src: BaseBars, a: number, b: number): BaseBars {
  const out = {} as Record<(typeof BAR_KEYS)[number], Float64Array>;
  for (const k of BAR_KEYS) out[k] = src[k].subarray(a, b);
  return out;
}

export function concatBars(parts: readonly BaseBars[]): BaseBars {
  const filled = parts.filter((p) => p.time.length > 0);
  if (filled.length === 1) return filled[0]!;
  if (parts.length === 1) return parts[0]!;
  const n = parts.reduce((s, p) => s + p.time.length, 0);
  const out = allocBaseBars(n);
  let at = 0;
  for (const p of parts) {
    for (const k of BAR_KEYS) out[k].set(p[k], at);
    at += p.time.length;
  }
  return out;
}
