import type { CleanReport } from '../clean/clean-candles.js';
import type { DatasetDescriptor, SeriesFrame } from '../core/dataset.js';
import type { Timeframe } from '../core/timeframe.js';
import type { ExchangeClient, MarketInfo } from '../exchange/exchange-client.js';
import type { StoreMeta, WriteIdentity } from '../store/store-meta.js';
import type { Pager } from './pager.js';

/** Fetched rows made ready to store, and what cleaning changed (datasets without cleaning omit it). */
export interface Derived<F extends SeriesFrame> {
  readonly frame: F;
  readonly report?: CleanReport;
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
  /** The pager over one market's rows before `until`. */
  pager(client: ExchangeClient, market: MarketInfo, tf: Timeframe, until: number): Pager<F>;
  /** The whole series: stored rows and fresh rows (before, between or after them) → the rows to write. */
  derive(stored: F | undefined, fresh: F, id: WriteIdentity): Derived<F>;
  /**
   * Fresh rows that all follow the stored ones, given only the stored last row group: that group,
   * unchanged, then the new rows derived. Undefined when only `derive` over the whole series will do
   * (then the store is read whole and rewritten).
   */
  deriveAfter(tail: F, fresh: F, id: WriteIdentity): Derived<F> | undefined;
}
