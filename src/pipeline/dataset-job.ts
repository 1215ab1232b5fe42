import type { CleanReport } from '../clean/clean-candles.js';
import { concatSeries, uniqueByTime, type DatasetDescriptor, type SeriesFrame } from '../core/dataset.js';
import type { Timeframe } from '../core/timeframe.js';
import type { RetryContext } from './retry.js';
import type { RunDeps } from './run-settings.js';
import type { StoreMeta, WriteIdentity } from '../store/store-meta.js';
import type { Pager } from './pager.js';

/** Fetched rows made ready to store, and what cleaning changed (datasets without cleaning omit it). */
export interface Derived<F extends SeriesFrame> {
  readonly frame: F;
  readonly report?: CleanReport;
}

/** Which series a store job fetches. */
export interface SourceRef {
  readonly symbol: string;
  readonly exchange: string;
  /** The source's own name for it when not the symbol (a CoinGecko coin id). */
  readonly sourceId?: string;
}

/** A dataset's source, opened for one store. */
export interface OpenSource<F extends SeriesFrame> {
  /** ccxt market type of the symbol (`spot`, `swap`), recorded in the footer. */
  readonly marketType: string;
  pager(tf: Timeframe, until: number): Pager<F>;
}

/**
 * What a dataset plugs into the one store job: its descriptor, its fetcher, and how fetched rows become
 * stored rows. Everything else (identity, lock, resume, planning, paging, retries, the no-row-loss
 * write, outcomes) is the job's, the same for every dataset.
 */
export interface DatasetJob<F extends SeriesFrame> {
  readonly dataset: DatasetDescriptor;
  /** Footer parameters of what this run writes (the ATR period), given the stored footer and the settings. */
  params(stored: Partial<StoreMeta> | undefined, defaults: { readonly atrPeriod: number }): Partial<WriteIdentity>;
  /**
   * Open the dataset's source for one store (look the market up on its exchange, or the coin on
   * CoinGecko): its market type, and a pager over the rows before `until`.
   */
  open(job: SourceRef, deps: RunDeps, retry: RetryContext): Promise<OpenSource<F>>;
  /** The whole series: stored rows and fresh rows (before, between or after them) → the rows to write. */
  derive(stored: F | undefined, fresh: F, id: WriteIdentity): Derived<F>;
  /**
   * Fresh rows that all follow the stored ones, given only the stored last row group: that group,
   * unchanged, then the new rows derived. Undefined when only `derive` over the whole series will do
   * (then the store is read whole and rewritten).
   */
  deriveAfter(tail: F, fresh: F, id: WriteIdentity): Derived<F> | undefined;
}

/**
 * Derivation for rows kept as the source served them (statistics, market data, mark/premium klines):
 * time order, one row per time; new rows after the stored tail are appended as they are.
 */
export const AS_SERVED: Pick<DatasetJob<SeriesFrame>, 'derive' | 'deriveAfter'> = {
  derive: (stored, fresh) => ({ frame: uniqueByTime(stored ? concatSeries([stored, fresh]) : fresh) }),
  deriveAfter: (tail, fresh) => ({ frame: concatSeries([tail, uniqueByTime(fresh)]) }),
};
