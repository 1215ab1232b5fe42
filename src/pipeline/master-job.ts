import { candleColumns, concatFrames, type CandleFrame, type MasterFrame } from '../core/frame.js';
import { cleanCandles, type CleanReport } from '../clean/clean-candles.js';
import { wilderAtr } from '../indicators/wilder-atr.js';
import { writeFileAtomic, removeStaleTemps } from '../store/atomic-write.js';
import { encodeMaster } from '../store/master-parquet.js';
import { STORE_SCHEMA_VERSION, type StoreMeta } from '../store/master-schema.js';
import { withStoreLock } from '../store/store-lock.js';
import { TOOL_VERSION } from '../core/version.js';

/**
 * The one path from candles to a master frame: previously stored rows (already clean) followed by
 * freshly fetched ones → clean → Wilder ATR over the whole series. Build and update both go through
 * it, which is why an update equals a fresh build bit for bit.
 */
export function makeMaster(stored: CandleFrame | undefined, fetched: CandleFrame, atrPeriod: number): { frame: MasterFrame; report: CleanReport } {
  const raw = stored && stored.time.length > 0 ? concatFrames([candleColumns(stored), fetched]) : fetched;
  const { frame, report } = cleanCandles(raw);
  return { frame: { ...frame, atr: wilderAtr(frame.high, frame.low, frame.close, atrPeriod) }, report };
}

export interface WriteTarget {
  readonly path: string;
  readonly exchange: string;
  readonly symbol: string;
  readonly timeframe: string;
  readonly atrPeriod: number;
}

/** Encode and atomically replace a store. The caller holds the store's lock. */
export async function writeMaster(t: WriteTarget, frame: MasterFrame, now: Date = new Date(), partial?: string): Promise<number> {
  const meta: StoreMeta = {
    toolVersion: TOOL_VERSION, schemaVersion: STORE_SCHEMA_VERSION, exchange: t.exchange, symbol: t.symbol,
    timeframe: t.timeframe, atrPeriod: t.atrPeriod, updatedAt: now.toISOString(), partial,
  };
  const bytes = encodeMaster(frame, meta);
  await writeFileAtomic(t.path, bytes);
  return bytes.byteLength;
}

/** Hold the store's lock for the whole read-fetch-write of one job, clearing temp files a killed run left. */
export async function lockedJob<T>(path: string, waitMs: number, job: () => Promise<T>): Promise<T> {
  return withStoreLock(path, { waitMs }, async () => {
    await removeStaleTemps(path);
    return job();
  });
}
