import type { CleanReport } from '../clean/clean-candles.js';
import { concatSeries, uniqueByTime, type DatasetDescriptor, type SeriesFrame } from '../core/dataset.js';
import { parseTimeframe, type Timeframe } from '../core/timeframe.js';
import { candlesBehind, findGaps } from '../validate/check-health.js';
import { splitUnrecoverable, type Finding } from '../validate/findings.js';

/** Fetched rows made ready to store, and what cleaning changed (datasets without cleaning omit it). */
export interface Derived<F extends SeriesFrame> {
  readonly frame: F;
  readonly report?: CleanReport;
}

/** A store's parameters that change what is derived (the candles' ATR period). */
export interface DeriveParams {
  readonly atrPeriod?: number;
}

/** What a store's footer tells its checks. */
export interface StoreFacts {
  readonly atrPeriod?: number;
  /** Spans the source no longer served when a run came (JSON `[{from, to}]`). */
  readonly unrecoverable?: string;
  /** A recorded store's connected spans (JSON `[[from, to]]`). */
  readonly coverage?: string;
}

/** How a dataset's stored rows are judged: its findings, and its gaps and lag for `list`. Pure. */
export interface DatasetChecks {
  /** `timeframe`: the store's (a grid's timeframe, a daily store's day, or ''). */
  findings(columns: Partial<Record<string, Float64Array>>, c: { timeframe: string; facts: StoreFacts; now: number; staleAfter?: number }): Finding[];
  gaps(time: Float64Array, timeframe: string): number;
  /** Rows the source has after `last` by `now` (null when it cannot say). */
  behind(last: number, now: number, timeframe: string): number | null;
}

/**
 * A dataset, described once and found through one registry (datasets/registry.ts): its columns, where its
 * rows come from, how a store's window is planned, how fetched rows become stored rows, and how stored
 * rows are judged. Everything else (identity, lock, resume, paging, retries, the no-row-loss write,
 * listing, validation, export, the database) works from this record; which venues serve it, and how, is
 * each venue profile's (exchange/<venue>/profile.ts `datasets`).
 */
export interface DatasetRecord<F extends SeriesFrame = SeriesFrame> {
  readonly descriptor: DatasetDescriptor;
  /** `venue`: a venue's REST API; `coingecko`: CoinGecko; `recorder`: a venue's stream, recorded (never fetched). */
  readonly source: 'venue' | 'coingecko' | 'recorder';
  /**
   * How a store's window is planned: `klines` (closed candles of a timeframe from a start), `settlements`
   * (events from listing, extended forward), `statistic` (periods within the history the venue still
   * serves, extended forward; older spans recorded as unrecoverable), `days` (whole past days).
   */
  readonly plan: 'klines' | 'settlements' | 'statistic' | 'days' | 'recorded';
  /** Footer parameters of what this run writes, given the stored footer and the settings. */
  params?(stored: DeriveParams | undefined, defaults: { readonly atrPeriod: number }): DeriveParams;
  /** The whole series: stored rows and fresh rows (before, between or after them) → the rows to write. */
  derive(stored: F | undefined, fresh: F, p: DeriveParams): Derived<F>;
  /** Fresh rows after the stored last row group (`tail`): that group unchanged, then the new rows; undefined: derive the whole series. */
  deriveAfter(tail: F, fresh: F, p: DeriveParams): Derived<F> | undefined;
  readonly checks: DatasetChecks;
}

/**
 * Derivation for rows kept as the source served them (statistics, market data, price klines): time order,
 * one row per time; new rows after the stored tail are appended as they are.
 */
export const AS_SERVED: Pick<DatasetRecord, 'derive' | 'deriveAfter'> = {
  derive: (stored, fresh) => ({ frame: uniqueByTime(stored ? concatSeries([stored, fresh]) : fresh) }),
  deriveAfter: (tail, fresh) => ({ frame: concatSeries([tail, uniqueByTime(fresh)]) }),
};

/**
 * A series on a timeframe's grid: gaps in it are findings (warn), no rows is a failure. A gap inside a
 * span the store records as unrecoverable (the source dropped it before any run fetched it) is named as
 * such, not as a plain gap.
 */
export function gridFindings(time: Float64Array, tf: Timeframe, unrecoverable?: string): Finding[] {
  if (time.length === 0) return [{ code: 'EMPTY', severity: 'fail', count: 0, message: 'store has no rows' }];
  const { plain, lost } = splitUnrecoverable(findGaps(time, tf), unrecoverable);
  return [
    ...(plain.length === 0 ? [] : [{ code: 'GAPS' as const, severity: 'warn' as const, count: plain.length, message: `${plain.length} gap(s) in the ${tf.name} series`, items: plain.slice(0, 10) }]),
    ...lost,
  ];
}

/** Checks of a dataset on a grid: the store's timeframe (or `fixed`), gaps and lag on it, plus its own checks. */
export function gridChecks(fixed?: Timeframe, extra: (c: Partial<Record<string, Float64Array>>) => Finding[] = () => []): DatasetChecks {
  const tfOf = (tf: string) => fixed ?? parseTimeframe(tf);
  return {
    findings: (c, x) => [...gridFindings(c.time ?? new Float64Array(0), tfOf(x.timeframe), x.facts.unrecoverable), ...extra(c)],
    gaps: (time, tf) => findGaps(time, tfOf(tf)).length,
    behind: (last, now, tf) => candlesBehind(last, tfOf(tf), now),
  };
}
