import type { CleanReport } from '../clean/clean-candles.js';
import { InterruptedError } from '../core/errors.js';
import type { MasterFrame } from '../core/frame.js';
import { isoUtc } from '../core/time-format.js';
import type { Timeframe } from '../core/timeframe.js';
import { findGaps } from '../validate/check-health.js';

/** What happened to one store in a build or update: data for the command to print. */
export interface StoreOutcome {
  readonly symbol: string;
  readonly timeframe: string;
  readonly path: string;
  readonly status: 'written' | 'up-to-date' | 'dry-run' | 'empty' | 'failed';
  readonly rows: number;
  readonly first: string | null;
  readonly last: string | null;
  /** Candles received from the exchange in this run. */
  readonly fetched: number;
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

export function failedOutcome(base: Pick<StoreOutcome, 'symbol' | 'timeframe' | 'path'>, e: unknown): StoreOutcome {
  if (e instanceof InterruptedError) throw e;
  const err = e instanceof Error ? e : new Error(String(e));
  return { ...base, status: 'failed', rows: 0, first: null, last: null, fetched: 0, gaps: 0, error: { kind: err.name, message: err.message } };
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
