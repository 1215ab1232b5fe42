import { numberOrNaN } from './numbers.js';

/**
 * Candles in memory: one Float64Array per column, never an array of row objects. `time` is the candle
 * open time in epoch milliseconds (exact in a double until year 287,396).
 */
export type CandleFrame = {
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
};

/** A cleaned frame with its indicator: what a master store holds. ATR is NaN in the warm-up rows. */
export type MasterFrame = CandleFrame & {
  readonly atr: Float64Array;
};

export const CANDLE_KEYS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;
export const PRICE_KEYS = ['open', 'high', 'low', 'close'] as const;

export type CandleKey = (typeof CANDLE_KEYS)[number];

/** A frame of `n` zeroed rows. */
export function allocFrame(n: number): CandleFrame {
  return {
    time: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n),
    low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n),
  };
}

/** Rows [start, end) as views (no copy). */
export function sliceFrame<F extends CandleFrame>(f: F, start: number, end: number): F {
  const out: Record<string, Float64Array> = {};
  for (const [k, col] of Object.entries(f)) out[k] = (col as Float64Array).subarray(start, end);
  return out as unknown as F;
}

/** The candle columns of several frames, one after the other, copied into new arrays. */
export function concatFrames(frames: readonly CandleFrame[]): CandleFrame {
  const n = frames.reduce((sum, f) => sum + f.time.length, 0);
  const out = allocFrame(n);
  let at = 0;
  for (const f of frames) {
    for (const k of CANDLE_KEYS) out[k].set(f[k], at);
    at += f.time.length;
  }
  return out;
}

/** The given rows of a frame's candle columns, in the given order, copied. */
export function pickRows(f: CandleFrame, rows: ArrayLike<number>): CandleFrame {
  const out = allocFrame(rows.length);
  for (const k of CANDLE_KEYS) {
    const src = f[k];
    const dst = out[k];
    for (let i = 0; i < rows.length; i++) dst[i] = src[rows[i]!]!;
  }
  return out;
}

/** Only the candle columns of a frame (drops ATR), sharing memory. */
export function candleColumns(f: CandleFrame): CandleFrame {
  return { time: f.time, open: f.open, high: f.high, low: f.low, close: f.close, volume: f.volume };
}

/** Build a frame from row tuples `[t, o, h, l, c, v]`, as ccxt and freqtrade JSON give them. */
export function frameFromRows(rows: ReadonlyArray<ReadonlyArray<unknown>>): CandleFrame {
  const f = allocFrame(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    f.time[i] = numberOrNaN(r[0]);
    f.open[i] = numberOrNaN(r[1]);
    f.high[i] = numberOrNaN(r[2]);
    f.low[i] = numberOrNaN(r[3]);
    f.close[i] = numberOrNaN(r[4]);
    f.volume[i] = numberOrNaN(r[5]);
  }
  return f;
}
