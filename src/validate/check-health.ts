import type { MasterFrame } from '../core/frame.js';
import { OHLCV } from '../datasets/ohlcv.js';
import { isoUtc } from '../core/time-format.js';
import { candlesBetween, floorOpen, isAligned, nextOpen, type Timeframe } from '../core/timeframe.js';
import { trueRange, wilderAtr } from '../indicators/wilder-atr.js';
import type { Finding, GapItem, TimeItem } from './findings.js';

/** A candle store's columns as read from a file (keyed as in memory: `open`, `atr`, …); any may be missing. */
export type StoreColumns = Partial<MasterFrame>;

export interface HealthOptions {
  /** ATR period the store claims; the ATR column is checked against it. */
  readonly atrPeriod?: number;
  /** Current time, to flag a stored candle that had not closed yet, or a store left behind. Omit to skip both. */
  readonly now?: number;
  /** STALE when more than this many closed candles are missing after the last stored one (default 3). */
  readonly staleAfter?: number;
  /**
   * The columns are a whole store, from its first candle: the ATR is recomputed from the start, warm-up
   * included (what `validate` does). Otherwise (a range from `loadMaster`) each ATR is checked from the
   * one before it, which needs no history before the range and gives the same verdict on every row.
   */
  readonly wholeStore?: boolean;
}

const EXAMPLES = 10;
const DEFAULT_STALE_AFTER = 3;
/** ATR is compared with a recomputation to this relative tolerance (ours are bit-identical). */
const ATR_TOLERANCE = 1e-9;

/**
 * Health report of one store's columns. FAIL: empty, missing columns, NaN, non-positive prices,
 * duplicate or unsorted times, an ATR that does not match a recomputation. WARN: High < Low, gaps
 * (an interval over 1.1 × the timeframe), times off the timeframe grid, a stored open candle.
 */
export function checkHealth(cols: StoreColumns, tf: Timeframe, opts: HealthOptions = {}): Finding[] {
  const missing = OHLCV.columns.filter((c) => cols[c.key as keyof MasterFrame] === undefined).map((c) => c.name);
  if (missing.length > 0) {
    return [{ code: 'MISSING_COLUMNS', severity: 'fail', count: missing.length,
      message: `missing column(s) ${missing.join(', ')}`, items: missing.map((column) => ({ column })) }];
  }
  const f = cols as MasterFrame;
  if (f.time.length === 0) return [{ code: 'EMPTY', severity: 'fail', count: 0, message: 'store has no rows' }];
  return [
    checkNaN(f), checkNonPositive(f), checkDuplicatesAndOrder(f), checkHighLow(f), checkGaps(f, tf),
    checkGrid(f, tf), checkOpenCandle(f, tf, opts.now), checkStale(f, tf, opts.now, opts.staleAfter ?? DEFAULT_STALE_AFTER),
    opts.wholeStore ? checkAtr(f, opts.atrPeriod) : checkAtrStepwise(f, opts.atrPeriod),
  ].flat();
}

function rowsWhere(f: MasterFrame, pred: (i: number) => boolean): number[] {
  const rows: number[] = [];
  for (let i = 0; i < f.time.length; i++) if (pred(i)) rows.push(i);
  return rows;
}

function examples(f: MasterFrame, rows: readonly number[]): TimeItem[] {
  return rows.slice(0, EXAMPLES).map((i) => ({ time: isoUtc(f.time[i]) ?? String(f.time[i]) }));
}

function finding(f: MasterFrame, code: Finding['code'], severity: Finding['severity'], rows: number[], what: string): Finding[] {
  if (rows.length === 0) return [];
  return [{ code, severity, count: rows.length, message: `${rows.length} ${what}`, items: examples(f, rows) }];
}

function checkNaN(f: MasterFrame): Finding[] {
  const cols = [f.time, f.open, f.high, f.low, f.close, f.volume];
  const rows = rowsWhere(f, (i) => cols.some((c) => Number.isNaN(c[i]!)));
  return finding(f, 'NAN_VALUES', 'fail', rows, 'row(s) with NaN or null in time/Open/High/Low/Close/Volume');
}

function checkNonPositive(f: MasterFrame): Finding[] {
  const rows = rowsWhere(f, (i) => !(f.open[i]! > 0 && f.high[i]! > 0 && f.low[i]! > 0 && f.close[i]! > 0)
    && ![f.open, f.high, f.low, f.close].some((c) => Number.isNaN(c[i]!)));
  return finding(f, 'NONPOSITIVE_PRICE', 'fail', rows, 'row(s) with a zero or negative price');
}

function checkDuplicatesAndOrder(f: MasterFrame): Finding[] {
  const dup = rowsWhere(f, (i) => i > 0 && f.time[i] === f.time[i - 1]);
  const back = rowsWhere(f, (i) => i > 0 && f.time[i]! < f.time[i - 1]!);
  return [
    ...finding(f, 'DUPLICATE_TIMES', 'fail', dup, 'duplicate timestamp(s)'),
    ...finding(f, 'UNSORTED_TIMES', 'fail', back, 'timestamp(s) earlier than the row before'),
  ];
}

function checkHighLow(f: MasterFrame): Finding[] {
  return finding(f, 'HIGH_BELOW_LOW', 'warn', rowsWhere(f, (i) => f.high[i]! < f.low[i]!), 'row(s) with High < Low');
}

/** Gaps: a step longer than 1.1 × the timeframe (calendar months: longer than one month). */
export function findGaps(time: Float64Array, tf: Timeframe): GapItem[] {
  const gaps: GapItem[] = [];
  for (let i = 1; i < time.length; i++) {
    const prev = time[i - 1]!;
    const cur = time[i]!;
    const isGap = tf.calendarMonth ? cur > nextOpen(tf, floorOpen(tf, prev)) : cur - prev > 1.1 * tf.ms;
    if (!isGap) continue;
    const start = nextOpen(tf, floorOpen(tf, prev));
    const missing = Math.max(1, candlesBetween(tf, start, floorOpen(tf, cur)));
    const end = tf.calendarMonth ? floorOpen(tf, cur - 1) : start + (missing - 1) * tf.ms;
    gaps.push({ start: isoUtc(start)!, end: isoUtc(end)!, missing });
  }
  return gaps;
}

function checkGaps(f: MasterFrame, tf: Timeframe): Finding[] {
  const gaps = findGaps(f.time, tf);
  if (gaps.length === 0) return [];
  const missing = gaps.reduce((s, g) => s + g.missing, 0);
  return [{ code: 'GAPS', severity: 'warn', count: gaps.length,
    message: `${gaps.length} gap(s), ${missing} missing candle(s)`, items: gaps }];
}

function checkGrid(f: MasterFrame, tf: Timeframe): Finding[] {
  const rows = rowsWhere(f, (i) => Number.isFinite(f.time[i]!) && !isAligned(tf, f.time[i]!));
  return finding(f, 'OFF_GRID', 'warn', rows, `timestamp(s) not on the ${tf.name} grid`);
}

function checkOpenCandle(f: MasterFrame, tf: Timeframe, now: number | undefined): Finding[] {
  if (now === undefined) return [];
  const rows = rowsWhere(f, (i) => nextOpen(tf, f.time[i]!) > now);
  return finding(f, 'OPEN_CANDLE', 'warn', rows, 'candle(s) that had not closed yet');
}

/** Closed candles the exchange has after a store's last one, by the clock `now`. */
export function candlesBehind(last: number, tf: Timeframe, now: number): number {
  const next = nextOpen(tf, last);
  const open = floorOpen(tf, now);
  return next >= open ? 0 : candlesBetween(tf, next, open);
}

function checkStale(f: MasterFrame, tf: Timeframe, now: number | undefined, staleAfter: number): Finding[] {
  const last = f.time[f.time.length - 1]!;
  if (now === undefined || !Number.isFinite(last)) return [];
  const behind = candlesBehind(last, tf, now);
  if (behind <= staleAfter) return [];
  return [{ code: 'STALE', severity: 'warn', count: 1,
    message: `last candle ${isoUtc(last)} is ${behind} ${tf.name} candle(s) behind the clock (${isoUtc(now)}); run update, or the market has stopped`,
    items: [{ time: isoUtc(last)! }] }];
}

/**
 * Each ATR from the one before it: ATR[i] = (ATR[i−1]·(period−1) + TR[i]) / period, in TA-Lib's order, so
 * a correct value matches bit for bit. Rows before the first ATR are the warm-up; where the range
 * starts with exactly `period` of them, the first ATR is checked as the mean of the true ranges.
 */
function checkAtrStepwise(f: MasterFrame, period: number | undefined): Finding[] {
  if (period === undefined) return [];
  let first = 0;
  while (first < f.time.length && Number.isNaN(f.atr[first]!)) first++;
  const seed = first === period && first < f.time.length ? wilderAtr(f.high.subarray(0, period + 1), f.low.subarray(0, period + 1), f.close.subarray(0, period + 1), period)[period]! : undefined;
  const rows = rowsWhere(f, (i) => {
    if (i < first) return false;
    if (i === first) return seed !== undefined && !sameAtr(f.atr[i]!, seed);
    const prev = f.atr[i - 1]!;
    const expected = (prev * (period - 1) + trueRange(f.high, f.low, f.close, i)) / period;
    return !sameAtr(f.atr[i]!, expected);
  });
  return finding(f, 'ATR_MISMATCH', 'fail', rows, `ATR value(s) differ from Wilder ATR(${period}) continued from the value before`);
}

function checkAtr(f: MasterFrame, period: number | undefined): Finding[] {
  if (period === undefined) return [];
  const expected = wilderAtr(f.high, f.low, f.close, period);
  const rows = rowsWhere(f, (i) => !sameAtr(f.atr[i]!, expected[i]!));
  return finding(f, 'ATR_MISMATCH', 'fail', rows, `ATR value(s) differ from a Wilder ATR(${period}) recomputation`);
}

function sameAtr(stored: number, expected: number): boolean {
  if (Number.isNaN(expected) || Number.isNaN(stored)) return Number.isNaN(expected) && Number.isNaN(stored);
  return Math.abs(stored - expected) <= ATR_TOLERANCE * Math.max(Math.abs(expected), 1e-300);
}
