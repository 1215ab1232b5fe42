import { allocFrame, CANDLE_KEYS, pickRows, PRICE_KEYS, type CandleFrame, type CandleKey } from '../core/frame.js';

/** What cleaning changed, counted so that no fix is ever silent. */
export interface CleanReport {
  readonly input: number;
  /** Rows without a usable open time; they cannot be placed and are dropped. */
  readonly badTime: number;
  /** Rows sharing an open time with a later-fetched row (the later one is kept). */
  readonly duplicates: number;
  /** True when the input was not in ascending time order. */
  readonly reordered: boolean;
  /** Values that were not usable (missing, NaN, non-positive price, negative volume), per column. */
  readonly badValues: Readonly<Record<Exclude<CandleKey, 'time'>, number>>;
  /** Values filled from the previous row of the same column, per column. */
  readonly filled: Readonly<Record<Exclude<CandleKey, 'time'>, number>>;
  /** Leading rows with a value still missing after forward-fill. */
  readonly dropped: number;
  /** Rows whose High and Low were swapped because High < Low. */
  readonly swapped: number;
  readonly output: number;
}

type ValueKey = Exclude<CandleKey, 'time'>;
const VALUE_KEYS: readonly ValueKey[] = ['open', 'high', 'low', 'close', 'volume'];

/**
 * Clean raw candles: dedupe (keep the last fetched), sort by time, forward-fill missing values column
 * by column, drop rows still missing a value, swap High/Low where High < Low. Pure: the input is not
 * modified; when nothing needs fixing (every archive file, almost every page) the frame returned holds
 * the input's own columns rather than a copy.
 */
export function cleanCandles(raw: CandleFrame): { frame: CandleFrame; report: CleanReport } {
  const order = orderUniqueRows(raw.time);
  if (order.identity && allSound(raw)) {
    const n = raw.time.length;
    const none = { open: 0, high: 0, low: 0, close: 0, volume: 0 };
    const frame = { time: raw.time, open: raw.open, high: raw.high, low: raw.low, close: raw.close, volume: raw.volume };
    return { frame, report: { input: n, badTime: 0, duplicates: 0, reordered: false, badValues: none, filled: { ...none }, dropped: 0, swapped: 0, output: n } };
  }
  // rows already in order and unique (every archive file, almost every page) are copied whole, not gathered
  const f = order.identity ? copyFrame(raw) : pickRows(raw, order.rows);
  const badValues = blankUnusableValues(f);
  const filled = forwardFill(f);
  const start = firstCompleteRow(f);
  const frame = start === 0 ? f : sliceCopy(f, start);
  const swapped = swapHighLow(frame);
  return {
    frame,
    report: {
      input: raw.time.length, badTime: order.badTime, duplicates: order.duplicates,
      reordered: order.reordered, badValues, filled, dropped: start, swapped, output: frame.time.length,
    },
  };
}

/** `identity`: the rows are already in order and unique (then `rows` is left empty). */
interface RowOrder { rows: Uint32Array; badTime: number; duplicates: number; reordered: boolean; identity?: boolean }

function copyFrame(f: CandleFrame): CandleFrame {
  const out = {} as Record<CandleKey, Float64Array>;
  for (const k of CANDLE_KEYS) out[k] = f[k].slice();
  return out as CandleFrame;
}

/** Row indices in ascending time, one per time (the last occurrence wins), skipping unusable times. */
function orderUniqueRows(time: Float64Array): RowOrder {
  const n = time.length;
  let valid = 0;
  let sorted = true;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(time[i]!)) continue;
    valid++;
    if (i > 0 && Number.isFinite(time[i - 1]!) && time[i]! <= time[i - 1]!) sorted = false;
  }
  if (sorted && valid === n) return { rows: new Uint32Array(0), badTime: 0, duplicates: 0, reordered: false, identity: true };
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(time[i]!)) idx.push(i);
  const reordered = !isNonDecreasing(time, idx);
  idx.sort((a, b) => time[a]! - time[b]! || a - b);
  const keep: number[] = [];
  for (let k = 0; k < idx.length; k++) {
    const next = idx[k + 1];
    if (next === undefined || time[next] !== time[idx[k]!]) keep.push(idx[k]!);
  }
  return { rows: Uint32Array.from(keep), badTime: n - valid, duplicates: valid - keep.length, reordered };
}

function isNonDecreasing(time: Float64Array, idx: readonly number[]): boolean {
  for (let k = 1; k < idx.length; k++) if (time[idx[k]!]! < time[idx[k - 1]!]!) return false;
  return true;
}

/** A price must be finite and positive. */
export function isUsablePrice(v: number): boolean {
  return Number.isFinite(v) && v > 0;
}

/** A volume must be finite and not negative (zero is real: a halted market). */
export function isUsableVolume(v: number): boolean {
  return Number.isFinite(v) && v >= 0;
}

/** True when a row needs no repair at all: usable time, prices and volume, and High ≥ Low. */
export function isSoundRow(f: CandleFrame, i: number): boolean {
  return Number.isFinite(f.time[i]!) && isUsablePrice(f.open[i]!) && isUsablePrice(f.high[i]!) && isUsablePrice(f.low[i]!)
    && isUsablePrice(f.close[i]!) && isUsableVolume(f.volume[i]!) && f.high[i]! >= f.low[i]!;
}

function allSound(f: CandleFrame): boolean {
  for (let i = 0; i < f.time.length; i++) if (!isSoundRow(f, i)) return false;
  return true;
}

/** Turn every unusable value into NaN (missing). */
function blankUnusableValues(f: CandleFrame): Record<ValueKey, number> {
  const counts = { open: 0, high: 0, low: 0, close: 0, volume: 0 };
  for (const k of VALUE_KEYS) {
    const col = f[k];
    const usable = (PRICE_KEYS as readonly string[]).includes(k) ? isUsablePrice : isUsableVolume;
    for (let i = 0; i < col.length; i++) {
      if (usable(col[i]!)) continue;
      col[i] = NaN;
      counts[k]++;
    }
  }
  return counts;
}

function forwardFill(f: CandleFrame): Record<ValueKey, number> {
  const counts = { open: 0, high: 0, low: 0, close: 0, volume: 0 };
  for (const k of VALUE_KEYS) {
    const col = f[k];
    for (let i = 1; i < col.length; i++) {
      if (Number.isNaN(col[i]!) && !Number.isNaN(col[i - 1]!)) {
        col[i] = col[i - 1]!;
        counts[k]++;
      }
    }
  }
  return counts;
}

/** After forward-fill only leading rows can still miss a value. */
function firstCompleteRow(f: CandleFrame): number {
  let i = 0;
  while (i < f.time.length && VALUE_KEYS.some((k) => Number.isNaN(f[k][i]!))) i++;
  return i;
}

function sliceCopy(f: CandleFrame, start: number): CandleFrame {
  const out = allocFrame(f.time.length - start);
  for (const k of CANDLE_KEYS) out[k].set(f[k].subarray(start));
  return out;
}

function swapHighLow(f: CandleFrame): number {
  let swapped = 0;
  for (let i = 0; i < f.time.length; i++) {
    const h = f.high[i]!;
    const l = f.low[i]!;
    if (h < l) {
      f.high[i] = l;
      f.low[i] = h;
      swapped++;
    }
  }
  return swapped;
}
