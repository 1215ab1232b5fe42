/**
 * What a dataset is, described once: the store layer, the job template, listing and validation work
 * from this description, so a new dataset is one descriptor plus one fetcher, never a copy of the
 * candle path.
 */
import type { BufferPool } from './buffer-pool.js';

/**
 * How a column is kept on disk. `time` is TIMESTAMP(NANOS, UTC); values are IEEE doubles; `text` is UTF-8
 * (in memory: codes of core/text-codes.ts, so a frame stays one Float64Array per column).
 */
export type ColumnType = 'timestamp' | 'double' | 'text';

export interface ColumnSpec {
  /** The column's key in a frame in memory. */
  readonly key: string;
  /** The column's name on disk (what pandas, polars and DuckDB see). */
  readonly name: string;
  readonly type: ColumnType;
  /** May hold nulls on disk (NaN in memory). */
  readonly nullable: boolean;
  /** Computed from the other columns (an indicator): recomputed on a rewrite, optional in a file. */
  readonly derived?: boolean;
}

/**
 * A dataset in memory: one Float64Array per column, keyed by `ColumnSpec.key`; `time` is epoch ms.
 * Every column has the same length; rows are in ascending time.
 */
export type SeriesFrame = { readonly time: Float64Array } & { readonly [key: string]: Float64Array };

export interface DatasetDescriptor {
  /** The name users type (`--datasets ohlcv,funding`) and the footer records (`qml.dataset`). */
  readonly name: string;
  /** What one row is called in messages (`candle`, `settlement`, `row`). */
  readonly rowName: string;
  /** Columns in disk order; the first is `time`. */
  readonly columns: readonly ColumnSpec[];
  /**
   * `grid`: one row per open time of a timeframe (candles, open interest at 5m); a missing open time is
   * a gap. `events`: rows at whatever times things happened (funding settlements, liquidations).
   */
  readonly series: 'grid' | 'events';
  /**
   * How fetched rows meet stored ones. `append`: stored rows are final, new rows only extend the series
   * (the no-row-loss rule refuses any change to a stored row). `upsert`: a row with a stored time replaces it.
   * `distinct`: events are a set: many may share a time, and every stored event must be kept (by all its values).
   */
  readonly merge: 'append' | 'upsert' | 'distinct';
  /** Whether a store is kept per timeframe (candles) or one per symbol (funding settlements). */
  readonly perTimeframe: boolean;
  /**
   * Whose rows a store holds: one symbol's (a folder per symbol), or a whole venue's (liquidations of every
   * symbol, in the venue's folder). Default `symbol`.
   */
  readonly scope?: 'symbol' | 'venue';
  /** A store per UTC day (liquidations): `fileName` then gets the day, `YYYY-MM-DD`. */
  readonly partition?: 'day';
  /** The store's file name inside its folder; `timeframe` is the on-disk spelling (`1Mo`), or the day of a daily partition. */
  fileName(timeframe: string | undefined): string;
  /** Rows per Parquet row group: a range read skips whole groups by their time statistics. */
  readonly rowGroupRows: number;
}

/**
 * The columns a file must have to be read as this dataset: derived ones are recomputed when absent, and a
 * nullable one an older file lacks reads as missing (the liquidations' `position_side`).
 */
export function requiredColumns(d: DatasetDescriptor): ColumnSpec[] {
  return d.columns.filter((c) => !c.derived && !c.nullable);
}

/** A frame of `n` rows of this dataset, every value NaN (missing). */
export function allocSeries(d: DatasetDescriptor, n: number): SeriesFrame {
  const out: Record<string, Float64Array> = {};
  for (const c of d.columns) out[c.key] = new Float64Array(n).fill(NaN);
  return out as SeriesFrame;
}

/** Several frames of one dataset, one after the other, copied into new columns. */
export function concatSeries<F extends SeriesFrame>(frames: readonly F[]): F {
  const keys = Object.keys(frames[0] ?? { time: 0 });
  const n = frames.reduce((sum, f) => sum + f.time.length, 0);
  const out: Record<string, Float64Array> = {};
  for (const k of keys) {
    const col = new Float64Array(n);
    let at = 0;
    for (const f of frames) {
      col.set(f[k]!, at);
      at += f.time.length;
    }
    out[k] = col;
  }
  return out as F;
}

/**
 * Frames of one dataset appended one after the other into columns sized once (`capacity`: the rows
 * expected, e.g. a span's candles) and grown by half when they are not enough: the rows are copied once, as
 * they come, and the pages need not be kept to be joined at the end. `frame()` is a view of the rows so
 * far (valid until the next `push`). With a pool, the columns are lent by it and `release` gives them back
 * once the owner is done with every view of them.
 */
export class SeriesBuilder<F extends SeriesFrame> {
  private cols: Record<string, Float64Array> | undefined;
  private rows = 0;
  private released = false;

  constructor(private capacity: number, private readonly pool?: BufferPool) {}

  private column(length: number): Float64Array {
    return this.pool ? this.pool.doubles(length) : new Float64Array(length);
  }

  /** Give the columns back to the pool: no view from `frame()` may be used after this. */
  release(): void {
    if (this.cols) for (const c of Object.values(this.cols)) this.pool?.give(c, this.rows * 8);
    this.cols = undefined;
    this.released = true;
  }

  get length(): number {
    return this.rows;
  }

  push(page: F): void {
    const n = page.time.length;
    if (this.released) throw new Error('push() on a released SeriesBuilder');
    if (n === 0) return;
    if (!this.cols) {
      this.capacity = Math.max(this.capacity, n);
      this.cols = {};
      for (const k of Object.keys(page)) this.cols[k] = this.column(this.capacity);
    } else if (this.rows + n > this.capacity) {
      // the old columns are not given back: a view of them may still be held (they go to the collector)
      this.capacity = Math.max(this.rows + n, Math.ceil(this.capacity * 1.5));
      for (const [k, c] of Object.entries(this.cols)) {
        const grown = this.column(this.capacity);
        grown.set(c.subarray(0, this.rows));
        this.cols[k] = grown;
      }
    }
    for (const [k, c] of Object.entries(this.cols)) {
      const from = page[k];
      if (!from) throw new Error(`a page without the column ${k}`);
      c.set(from, this.rows);
    }
    this.rows += n;
  }

  /** The rows so far, as views of the columns (none pushed: undefined). */
  frame(): F | undefined {
    if (this.released) throw new Error('frame() of a released SeriesBuilder');
    if (!this.cols) return undefined;
    const out: Record<string, Float64Array> = {};
    for (const [k, c] of Object.entries(this.cols)) out[k] = c.subarray(0, this.rows);
    return out as F;
  }
}

/** Rows in time order, one per time (of rows sharing a time, the one that came later wins). */
export function uniqueByTime<F extends SeriesFrame>(f: F): F {
  const order = Array.from(f.time.keys()).sort((a, b) => f.time[a]! - f.time[b]! || a - b)
    .filter((i, k, all) => k === all.length - 1 || f.time[all[k + 1]!] !== f.time[i]);
  const out: Record<string, Float64Array> = {};
  for (const [k, col] of Object.entries(f)) out[k] = Float64Array.from(order, (i) => col[i]!);
  return out as F;
}
