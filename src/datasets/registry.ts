import type { DatasetDescriptor } from '../core/dataset.js';
import { UsageError } from '../core/errors.js';
import { COINGECKO_MARKET_RECORD } from './coingecko-market.js';
import { FUNDING_RECORD } from './funding.js';
import { LIQUIDATIONS_RECORD } from './liquidations.js';
import { OHLCV_RECORD } from './ohlcv.js';
import { INDEX_PRICE_RECORD, MARK_PRICE_RECORD, PREMIUM_INDEX_RECORD } from './price-klines.js';
import type { DatasetRecord } from './record.js';
import { LONG_SHORT_GLOBAL_RECORD, LONG_SHORT_TOP_ACCOUNTS_RECORD, LONG_SHORT_TOP_POSITIONS_RECORD, OPEN_INTEREST_RECORD, TAKER_VOLUME_RECORD } from './statistics.js';

/**
 * Every dataset, its record found here and nowhere else: a new dataset is one record in its file and one
 * line here (and, for a venue's dataset, an entry in each venue profile that serves it).
 */
export const RECORDS: readonly DatasetRecord[] = [
  OHLCV_RECORD as unknown as DatasetRecord, FUNDING_RECORD, OPEN_INTEREST_RECORD, LONG_SHORT_GLOBAL_RECORD, LONG_SHORT_TOP_ACCOUNTS_RECORD,
  LONG_SHORT_TOP_POSITIONS_RECORD, TAKER_VOLUME_RECORD, MARK_PRICE_RECORD, INDEX_PRICE_RECORD, PREMIUM_INDEX_RECORD, COINGECKO_MARKET_RECORD,
  LIQUIDATIONS_RECORD,
];

/** Every dataset a run fetches (not the recorded ones). */
export const DATASETS: readonly DatasetDescriptor[] = RECORDS.filter((r) => r.source !== 'recorder').map((r) => r.descriptor);

/** Every dataset kept in stores: the fetched ones and the recorded ones (liquidations). */
export const STORED_DATASETS: readonly DatasetDescriptor[] = RECORDS.map((r) => r.descriptor);

/** A dataset's record by name; undefined when there is none. */
export function recordOf(name: string): DatasetRecord | undefined {
  return RECORDS.find((r) => r.descriptor.name === name);
}

/** `--datasets` as descriptors: names from `pool` (default: the fetched datasets), or `all`; names the bad one. */
export function datasetsNamed(names: readonly string[], pool: readonly DatasetDescriptor[] = DATASETS): DatasetDescriptor[] {
  if (names.includes('all')) return [...pool];
  return names.map((n) => {
    const d = pool.find((x) => x.name === n);
    if (!d && recordOf(n)?.source === 'recorder') throw new UsageError(`--datasets ${n}: ${n} are recorded from a stream (qml-data ${n} record), not fetched`);
    if (!d) throw new UsageError(`--datasets: unknown dataset "${n}" (expected ${pool.map((x) => x.name).join(', ')} or all)`);
    return d;
  });
}
