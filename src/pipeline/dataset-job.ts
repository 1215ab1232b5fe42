import type { DatasetDescriptor, SeriesFrame } from '../core/dataset.js';
import { UsageError } from '../core/errors.js';
import type { Pager } from '../core/pager.js';
import type { RetryContext } from '../core/retry.js';
import { withRetry } from '../core/retry.js';
import type { Timeframe } from '../core/timeframe.js';
import type { DatasetRecord, Derived } from '../datasets/record.js';
import { servedDataset, venueProfile } from '../exchange/venue.js';
import type { StoreMeta, WriteIdentity } from '../store/store-meta.js';
import { coinGeckoSource } from './coingecko-market-job.js';
import type { RunDeps } from './run-settings.js';

export type { Derived } from '../datasets/record.js';

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
 * What a dataset plugs into the one store job: its descriptor, its source, and how fetched rows become
 * stored rows. Everything else (identity, lock, resume, planning, paging, retries, the no-row-loss write,
 * outcomes) is the job's, the same for every dataset.
 */
export interface DatasetJob<F extends SeriesFrame> {
  readonly dataset: DatasetDescriptor;
  /** Footer parameters of what this run writes (the ATR period), given the stored footer and the settings. */
  params(stored: Partial<StoreMeta> | undefined, defaults: { readonly atrPeriod: number }): Partial<WriteIdentity>;
  /**
   * Open the dataset's source for one store (look the market up on its venue, or the coin on CoinGecko):
   * its market type, and a pager over the rows before `until`.
   */
  open(job: SourceRef, deps: RunDeps, retry: RetryContext): Promise<OpenSource<F>>;
  derive(stored: F | undefined, fresh: F, id: WriteIdentity): Derived<F>;
  deriveAfter(tail: F, fresh: F, id: WriteIdentity): Derived<F> | undefined;
}

const jobs = new Map<string, DatasetJob<SeriesFrame>>();

/** The store job of a dataset record: its source is the venue's fetcher (its profile), or CoinGecko. */
export function jobOf<F extends SeriesFrame = SeriesFrame>(record: DatasetRecord<F>): DatasetJob<F> {
  const name = record.descriptor.name;
  let job = jobs.get(name);
  if (!job) {
    const r = record as unknown as DatasetRecord;
    job = {
      dataset: r.descriptor,
      params: (stored, defaults) => r.params?.(stored, defaults) ?? {},
      derive: (stored, fresh, id) => r.derive(stored, fresh, id),
      deriveAfter: (tail, fresh, id) => r.deriveAfter(tail, fresh, id),
      open: (ref, deps, retry) => {
        if (r.source === 'coingecko') return coinGeckoSource(ref, deps);
        if (r.source === 'recorder') throw new UsageError(`${name} are recorded from a stream, not fetched`);
        return venueSource(r.descriptor, ref, deps, retry);
      },
    };
    jobs.set(name, job);
  }
  return job as unknown as DatasetJob<F>;
}

/**
 * A venue's dataset opened for one store: the market looked up on the venue (a perpetual where the venue
 * serves the dataset for perpetuals only), and the venue's pager over its rows, each page completed with
 * the dataset's derived columns (missing until derived).
 */
async function venueSource(d: DatasetDescriptor, ref: SourceRef, deps: RunDeps, retry: RetryContext): Promise<OpenSource<SeriesFrame>> {
  const served = servedDataset(venueProfile(ref.exchange), d.name);
  const client = deps.clientFor(ref.exchange);
  const market = await withRetry(`look up ${ref.symbol}`, retry, () => client.market(ref.symbol));
  if (served.markets === 'perpetual' && market.type !== 'swap') {
    throw new UsageError(`${d.name}: ${ref.symbol} is a ${market.type} market (expected a perpetual, e.g. BTC/USDT:USDT)`);
  }
  const archives = deps.archives?.get(ref.exchange);
  return {
    marketType: market.type,
    pager: (tf, until) => {
      const p = served.pager({ client, market, ...(archives ? { archives } : {}) }, tf, until);
      return { ...p, fetch: async (cursor) => complete(d, await p.fetch(cursor)) };
    },
  };
}

/** A page with every column of the dataset: those a fetcher does not fill (derived ones) missing. */
function complete(d: DatasetDescriptor, page: SeriesFrame): SeriesFrame {
  const n = page.time.length;
  const out: Record<string, Float64Array> = {};
  for (const c of d.columns) out[c.key] = page[c.key] ?? new Float64Array(n).fill(NaN);
  return out as SeriesFrame;
}
