import type { CleanReport } from '../clean/clean-candles.js';
import { InterruptedError } from '../core/errors.js';
import { isoUtc } from '../core/time-format.js';
import type { Timeframe } from '../core/timeframe.js';
import { findGaps } from '../validate/check-health.js';

/** What happened to one store in a build or update: data for the command to print. */
export interface StoreOutcome {
  /** The dataset the store holds (`ohlcv`, `funding`, …). */
  readonly dataset?: string;
  /** The venue (or source: `coingecko`) whose store it is. */
  readonly exchange?: string;
  readonly symbol: string;
  /** null only for a named symbol that has no store at all. */
  readonly timeframe: string | null;
  readonly path: string;
  /**
   * written; up-to-date (nothing to fetch); no-new-candles (the exchange had no newer closed candle: a
   * halted or delisted market; nothing rewritten); dry-run; empty (no candles at all, no file); failed.
   */
  readonly status: 'written' | 'up-to-date' | 'no-new-candles' | 'dry-run' | 'empty' | 'failed';
  readonly rows: number;
  readonly first: string | null;
  readonly last: string | null;
  /** Candles received from the exchange in this run. */
  readonly fetched: number;
  /** Rows added before the store's first row and after its last one (written stores). */
  readonly prepended?: number;
  readonly appended?: number;
  /**
   * How a written store was written: `append` (only the last row group re-encoded, the rest carried
   * over as bytes) or `rewrite` (the whole file encoded again: a new store, rows before or between the
   * stored ones, or a file another program laid out).
   */
  readonly write?: 'append' | 'rewrite';
  /** Rows taken over from an interrupted run's checkpoint instead of fetched again. */
  readonly resumed?: number;
  readonly gaps: number;
  readonly bytes?: number;
  readonly clean?: CleanReport;
  /** What the user should know of the span served (history cut to what the venue's API still serves). */
  readonly note?: string;
  /** For failed stores: the error's kind and one-line message. */
  readonly error?: { readonly kind: string; readonly message: string };
}

/** A store's size, span and gaps, as an outcome reports them. */
export interface StoreShape {
  readonly rows: number;
  readonly first: number | undefined;
  readonly last: number | undefined;
  readonly gaps: number;
}

/** The shape of a whole time column; gaps are counted on a grid's timeframe (events have none). */
export function shapeOf(time: Float64Array, grid: Timeframe | undefined): StoreShape {
  return { rows: time.length, first: time[0], last: time[time.length - 1], gaps: grid ? findGaps(time, grid).length : 0 };
}

export function outcomeOf(
  base: Pick<StoreOutcome, 'dataset' | 'exchange' | 'symbol' | 'timeframe' | 'path' | 'status'>, shape: StoreShape, extra: Partial<StoreOutcome> = {},
): StoreOutcome {
  return { ...base, rows: shape.rows, first: isoUtc(shape.first), last: isoUtc(shape.last), fetched: 0, gaps: shape.gaps, ...extra };
}

/**
 * A store's failure as an outcome. The error itself travels with it (not enumerable, so JSON shows only
 * kind and message), so the run's exit code comes from its class, not from its name.
 */
export function failedOutcome(base: Pick<StoreOutcome, 'dataset' | 'exchange' | 'symbol' | 'timeframe' | 'path'>, e: unknown): StoreOutcome {
  if (e instanceof InterruptedError) throw e;
  const err = e instanceof Error ? e : new Error(String(e));
  const out: StoreOutcome = { ...base, status: 'failed', rows: 0, first: null, last: null, fetched: 0, gaps: 0, error: { kind: err.name, message: err.message } };
  Object.defineProperty(out, 'cause', { value: err, enumerable: false });
  return out;
}

/** The error a failed outcome carries. */
export function causeOf(o: StoreOutcome): Error | undefined {
  return (o as { cause?: Error }).cause;
}
