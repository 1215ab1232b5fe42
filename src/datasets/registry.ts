import type { DatasetDescriptor } from '../core/dataset.js';
import { UsageError } from '../core/errors.js';
import { COINGECKO_MARKET } from './coingecko-market.js';
import { FUNDING } from './funding.js';
import { OHLCV } from './ohlcv.js';
import { MARK_PRICE, PREMIUM_INDEX } from './price-klines.js';
import { LONG_SHORT_GLOBAL, LONG_SHORT_TOP_ACCOUNTS, LONG_SHORT_TOP_POSITIONS, OPEN_INTEREST, TAKER_VOLUME } from './statistics.js';

/** Every dataset a store can hold, by name. */
export const DATASETS: readonly DatasetDescriptor[] = [
  OHLCV, FUNDING, OPEN_INTEREST, LONG_SHORT_GLOBAL, LONG_SHORT_TOP_ACCOUNTS, LONG_SHORT_TOP_POSITIONS, TAKER_VOLUME, MARK_PRICE, PREMIUM_INDEX,
  COINGECKO_MARKET,
];

/** `--datasets` as descriptors: names from the list above, or `all`; names the bad one. */
export function datasetsNamed(names: readonly string[]): DatasetDescriptor[] {
  if (names.includes('all')) return [...DATASETS];
  return names.map((n) => {
    const d = DATASETS.find((x) => x.name === n);
    if (!d) throw new UsageError(`--datasets: unknown dataset "${n}" (expected ${DATASETS.map((x) => x.name).join(', ')} or all)`);
    return d;
  });
}
