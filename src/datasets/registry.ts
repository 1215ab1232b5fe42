import type { DatasetDescriptor } from '../core/dataset.js';
import { UsageError } from '../core/errors.js';
import { COINGECKO_MARKET } from './coingecko-market.js';
import { FUNDING } from './funding.js';
import { LIQUIDATIONS } from './liquidations.js';
import { OHLCV } from './ohlcv.js';
import { MARK_PRICE, PREMIUM_INDEX } from './price-klines.js';
import { LONG_SHORT_GLOBAL, LONG_SHORT_TOP_ACCOUNTS, LONG_SHORT_TOP_POSITIONS, OPEN_INTEREST, TAKER_VOLUME } from './statistics.js';

/** Every dataset a store can hold, by name. */
export const DATASETS: readonly DatasetDescriptor[] = [
  OHLCV, FUNDING, OPEN_INTEREST, LONG_SHORT_GLOBAL, LONG_SHORT_TOP_ACCOUNTS, LONG_SHORT_TOP_POSITIONS, TAKER_VOLUME, MARK_PRICE, PREMIUM_INDEX,
  COINGECKO_MARKET,
];

/** Every dataset kept in stores: the fetched ones and the recorded ones (liquidations). */
export const STORED_DATASETS: readonly DatasetDescriptor[] = [...DATASETS, LIQUIDATIONS];

/** `--datasets` as descriptors: names from `pool` (default: the fetched datasets), or `all`; names the bad one. */
export function datasetsNamed(names: readonly string[], pool: readonly DatasetDescriptor[] = DATASETS): DatasetDescriptor[] {
  if (names.includes('all')) return [...pool];
  return names.map((n) => {
    const d = pool.find((x) => x.name === n);
    if (!d && n === LIQUIDATIONS.name) throw new UsageError('--datasets liquidations: liquidations are recorded from a stream (qml-data liquidations record), not fetched');
    if (!d) throw new UsageError(`--datasets: unknown dataset "${n}" (expected ${pool.map((x) => x.name).join(', ')} or all)`);
    return d;
  });
}
