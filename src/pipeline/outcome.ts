import type { CleanReport } from '../clean/clean-candles.js';
import { InterruptedError } from '../core/errors.js';
import type { MasterFrame } from '../core/frame.js';
import { isoUtc } from '../core/time-format.js';
import type { Timeframe } from '../core/timeframe.js';
import { findGaps } from '../validate/check-health.js';

/** What happened to one store in a build or update: data for the command to print. */
export interface StoreOutcome {
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
  /** Rows taken over from an interrupted run's checkpoint instead of fetched again. */
  readonly resumed?: number;
  readonly gaps: number;
  readonly bytes?: number;
  readonly clean?: CleanReport;
  /** For failed stores: the error's kind and one-line message. */
  readonly error?: { readonly kind: string; readonly message: string };
}

export function outcomeOf(
  base: Pick<StoreOutcome, 'symbol' | 'timeframe' | 'path' | 'status'>, frame: MasterFrame, tf: Timeframe,
  extra: Partial<StoreOutcome> = {},
): StoreOutcome {
  return {
    ...base, rows: frame.time.length, first: isoUtc(frame.time[0]), last: isoUtc(frame.time[frame.time.length - 1]),
    fetched: 0, gaps: findGaps(frame.time, tf).length, ...extra,
  };
}

/**
 * A store's failure as an outcome. The error itself travels with it (not enumerable, so JSON shows only
 * kind and message), so the run's exit code comes from its class, not from its name.
 */
export function failedOutcome(base: Pick<StoreOutcome, 'symbol' | 'timeframe' | 'path'>, e: unknown): StoreOutcome {
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

/**
 * Run `fn` over items with at most `limit` in flight, keeping the input order. On an error no new item
 * starts, items already running finish (so a write in progress completes), then the first error is thrown.
 */
export async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return out;
}
