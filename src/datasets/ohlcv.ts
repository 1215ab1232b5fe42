import { cleanCandles, type CleanReport } from '../clean/clean-candles.js';
import { concatSeries, type DatasetDescriptor } from '../core/dataset.js';
import { candleColumns, concatFrames, pickRows, type CandleFrame, type MasterFrame } from '../core/frame.js';
import { parseTimeframe } from '../core/timeframe.js';
import { continueWilderAtr, wilderAtr } from '../indicators/wilder-atr.js';
import { candlesBehind, checkHealth, findGaps, type StoreColumns } from '../validate/check-health.js';
import type { DatasetRecord, DeriveParams, Derived } from './record.js';

/**
 * Candles with their Wilder ATR: the master stores `<venue>/<SYMBOL>/<tf>_master.parquet`, laid out as the
 * pandas system wrote them (`time, Open, High, Low, Close, Volume, ATR`).
 */
export const OHLCV: DatasetDescriptor = {
  name: 'ohlcv',
  rowName: 'candle',
  columns: [
    { key: 'time', name: 'time', type: 'timestamp', nullable: false },
    { key: 'open', name: 'Open', type: 'double', nullable: false },
    { key: 'high', name: 'High', type: 'double', nullable: false },
    { key: 'low', name: 'Low', type: 'double', nullable: false },
    { key: 'close', name: 'Close', type: 'double', nullable: false },
    { key: 'volume', name: 'Volume', type: 'double', nullable: false },
    // null in the warm-up rows, where Wilder's ATR is not yet defined
    { key: 'atr', name: 'ATR', type: 'double', nullable: true, derived: true },
  ],
  series: 'grid',
  merge: 'append',
  perTimeframe: true,
  fileName: (tf) => `${tf}_master.parquet`,
  // small enough that a date-range read skips most of a multi-year 5m store
  rowGroupRows: 50_000,
};

/**
 * Candles: fetched as klines, cleaned, with Wilder's ATR. Build and update derive through the same
 * functions, which is why an update equals a fresh build bit for bit.
 */
export const OHLCV_RECORD: DatasetRecord<MasterFrame> = {
  descriptor: OHLCV,
  source: 'venue',
  plan: 'klines',
  params: (stored, defaults) => ({ atrPeriod: stored?.atrPeriod ?? defaults.atrPeriod }),
  derive: (stored, fresh, p) => makeMaster(stored, fresh, atrPeriodOf(p)),
  deriveAfter: (tail, fresh, p) => extendMaster(tail, fresh, atrPeriodOf(p)),
  checks: {
    findings: (c, x) => checkHealth(c as StoreColumns, parseTimeframe(x.timeframe), { atrPeriod: x.facts.atrPeriod, now: x.now, staleAfter: x.staleAfter, wholeStore: true }),
    gaps: (time, tf) => findGaps(time, parseTimeframe(tf)).length,
    behind: (last, now, tf) => candlesBehind(last, parseTimeframe(tf), now),
  },
};

function atrPeriodOf(p: DeriveParams): number {
  if (p.atrPeriod === undefined) throw new Error('a candle store is written with its ATR period');
  return p.atrPeriod;
}

/**
 * The stored rows (already clean) with the new rows before and after them → clean → Wilder ATR over
 * the whole series. The report describes the fetched rows: stored rows pass through unchanged.
 */
export function makeMaster(stored: CandleFrame | undefined, fresh: CandleFrame, atrPeriod: number): Derived<MasterFrame> {
  const had = stored?.time.length ?? 0;
  const raw = stored && had > 0 ? aroundStored(candleColumns(stored), candleColumns(fresh)) : candleColumns(fresh);
  const { frame, report } = cleanCandles(raw);
  return { frame: { ...frame, atr: wilderAtr(frame.high, frame.low, frame.close, atrPeriod) }, report: ofFetched(report, had) };
}

/**
 * New rows after the stored ones, given only the stored last row group (`tail`): cleaned with the tail
 * before them (forward-fill sees the last stored values), ATR continued from the last stored ATR.
 * Undefined when the tail is still in ATR's warm-up or cleaning would change it: then the whole
 * series is derived instead.
 */
export function extendMaster(tail: MasterFrame, fresh: CandleFrame, atrPeriod: number): Derived<MasterFrame> | undefined {
  const n = tail.time.length;
  const prev = tail.atr[n - 1];
  if (n === 0 || prev === undefined || Number.isNaN(prev)) return undefined;
  const { frame, report } = cleanCandles(concatFrames([candleColumns(tail), candleColumns(fresh)]));
  if (!keepsRows(tail, frame)) return undefined;
  const atr = continueWilderAtr(frame.high, frame.low, frame.close, atrPeriod, n, prev);
  atr.set(tail.atr, 0);
  return { frame: { ...frame, atr }, report: ofFetched(report, n) };
}

/** True when the first rows of `next` are `tail`'s candles, value for value. */
function keepsRows(tail: CandleFrame, next: CandleFrame): boolean {
  if (next.time.length < tail.time.length) return false;
  for (const k of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) {
    for (let i = 0; i < tail.time.length; i++) if (!Object.is(tail[k][i], next[k][i])) return false;
  }
  return true;
}

/** A cleaning report over stored + fetched rows, counted for the fetched rows only. */
function ofFetched(r: CleanReport, stored: number): CleanReport {
  return { ...r, input: r.input - stored, output: r.output - stored };
}

/** New rows before the store, the store, new rows after it: in time order, so cleaning need not sort. */
function aroundStored(stored: CandleFrame, fresh: CandleFrame): CandleFrame {
  const first = stored.time[0]!;
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < fresh.time.length; i++) (fresh.time[i]! < first ? before : after).push(i);
  if (before.length === 0) return concatSeries([stored, fresh]);
  return concatFrames([pickRows(fresh, before), stored, pickRows(fresh, after)]);
}
