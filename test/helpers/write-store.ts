import type { MasterFrame } from '../../src/core/frame.js';
import { OHLCV } from '../../src/datasets/ohlcv.js';
import { withStoreForWrite, type WriteIdentity } from '../../src/store/store-writer.js';

/** Write a store file through the store layer (as `--erase` would), for tests that need one on disk. */
export async function writeStore(path: string, frame: MasterFrame, id: Partial<WriteIdentity> & { symbol: string; timeframe: string }): Promise<number> {
  const full: WriteIdentity = { exchange: 'binance', source: 'exchange', marketType: 'spot', atrPeriod: 14, ...id };
  return withStoreForWrite(OHLCV, path, { symbol: id.symbol, timeframe: id.timeframe }, { waitMs: 0, erase: true }, (h) => h.replace(frame, full));
}
