import { stat } from 'node:fs/promises';
import type { DatasetDescriptor, SeriesFrame } from '../core/dataset.js';
import { intervalsFromJson } from '../core/interval.js';
import { LIQUIDATIONS } from '../datasets/liquidations.js';
import { checkLiquidationDay } from '../validate/check-liquidations.js';
import { COINGECKO_MARKET } from '../datasets/coingecko-market.js';
import { FUNDING } from '../datasets/funding.js';
import { MARK_PRICE, PREMIUM_INDEX } from '../datasets/price-klines.js';
import { LONG_SHORT_GLOBAL, LONG_SHORT_TOP_ACCOUNTS, LONG_SHORT_TOP_POSITIONS, OPEN_INTEREST, TAKER_VOLUME } from '../datasets/statistics.js';
import { OHLCV } from '../datasets/ohlcv.js';
import { canonicalExchange, exchangeNames } from '../exchange/venue.js';
import { checkFunding, missingSettlements } from '../validate/check-funding.js';
import { checkStatistic } from '../validate/check-statistics.js';
import { StoreError } from '../core/errors.js';
import { parseSymbol } from '../core/symbol.js';
import { isoUtc } from '../core/time-format.js';
import { parseTimeframe, type Timeframe } from '../core/timeframe.js';
import type { StoreMeta } from '../store/store-meta.js';
import { compareStores, listStores, readStoreColumns, type StoreRef } from '../store/store-read.js';
import { candlesBehind, checkHealth, findGaps, type StoreColumns } from '../validate/check-health.js';
import { statusOf, type Finding } from '../validate/findings.js';
import type { StoreHealth, StoreSummary } from '../validate/render-findings.js';

export interface StoreFilter {
  readonly symbols?: readonly string[];
  readonly timeframes?: readonly string[];
  /** Datasets to look at (default: candles only). */
  readonly datasets?: readonly DatasetDescriptor[];
  /** Only this venue's stores. */
  readonly exchange?: string;
}

/** Stores under dataDir matching the filter; named symbols/timeframes are validated first. */
export async function findStores(dataDir: string, f: StoreFilter): Promise<StoreRef[]> {
  const symbols = f.symbols?.map((s) => parseSymbol(s).symbol);
  const tfs = f.timeframes?.map((t) => parseTimeframe(t).name);
  return (await listStores(dataDir, f.datasets ?? [OHLCV], f.exchange, f.exchange ? exchangeNames(f.exchange) : []))
    .map((r) => (r.exchange === undefined ? r : { ...r, exchange: canonicalExchange(r.exchange) })).sort(compareStores)
    .filter((r) => (!symbols || symbols.includes(r.symbol)) && (!tfs || r.timeframe === '' || tfs.includes(r.timeframe)));
}

/** How each dataset's rows are judged: its findings, and its gaps and lag for `list`. Pure. */
interface DatasetChecks {
  readonly descriptor: DatasetDescriptor;
  findings(columns: Partial<Record<string, Float64Array>>, timeframe: string, meta: Partial<StoreMeta>, now: number): Finding[];
  gaps(time: Float64Array, timeframe: string): number;
  behind(last: number, now: number, timeframe: string): number | null;
}

/**
 * A series on a timeframe's grid: gaps in it are findings (warn), no rows is a failure. A gap inside a
 * span the store records as unrecoverable (the exchange dropped it before any run fetched it) is named
 * as such, not as a plain gap.
 */
function gridFindings(time: Float64Array, tf: Timeframe, unrecoverable?: string): Finding[] {
  if (time.length === 0) return [{ code: 'EMPTY', severity: 'fail', count: 0, message: 'store has no rows' }];
  const lost = parseSpans(unrecoverable);
  const gaps = findGaps(time, tf);
  const known = gaps.filter((g) => lost.some((l) => Date.parse(g.start) >= l.from && Date.parse(g.end) < l.to));
  const plain = gaps.filter((g) => !known.includes(g));
  return [
    ...(plain.length === 0 ? [] : [{ code: 'GAPS' as const, severity: 'warn' as const, count: plain.length, message: `${plain.length} gap(s) in the ${tf.name} series`, items: plain.slice(0, 10) }]),
    ...(known.length === 0 ? [] : [{ code: 'UNRECOVERABLE' as const, severity: 'warn' as const, count: known.length,
      message: `${known.length} span(s) the exchange no longer serves and no run fetched in time (kept as holes, not asked for again)`, items: known.slice(0, 10) }]),
  ];
}

function parseSpans(text: string | undefined): { from: number; to: number }[] {
  try {
    const spans = JSON.parse(text ?? '[]') as { from: number; to: number }[];
    return Array.isArray(spans) ? spans : [];
  } catch {
    return [];
  }
}

const DAY_TF = parseTimeframe('1d');

/** A dataset on a grid: the store's timeframe (or `fixed`), gaps and lag on it, plus its own checks. */
function gridChecks(d: DatasetDescriptor, fixed?: Timeframe, extra: (c: Partial<Record<string, Float64Array>>) => Finding[] = () => []): DatasetChecks {
  const tfOf = (tf: string) => fixed ?? parseTimeframe(tf);
  return {
    descriptor: d,
    findings: (c, tf, meta) => [...gridFindings(c.time ?? new Float64Array(0), tfOf(tf), meta.unrecoverable), ...extra(c)],
    gaps: (time, tf) => findGaps(time, tfOf(tf)).length,
    behind: (last, now, tf) => candlesBehind(last, tfOf(tf), now),
  };
}

const CHECKS: Record<string, DatasetChecks> = {
  funding: {
    descriptor: FUNDING,
    findings: (c) => checkFunding(c.time ?? new Float64Array(0), c['rate'] ?? new Float64Array(0)),
    gaps: (time) => missingSettlements(time).length,
    behind: () => null,
  },
  ...Object.fromEntries([MARK_PRICE, PREMIUM_INDEX].map((d) => [d.name, gridChecks(d)])),
  ...Object.fromEntries([OPEN_INTEREST, LONG_SHORT_GLOBAL, LONG_SHORT_TOP_ACCOUNTS, LONG_SHORT_TOP_POSITIONS, TAKER_VOLUME]
    .map((d) => [d.name, gridChecks(d, undefined, checkStatistic)])),
  'coingecko-market': gridChecks(COINGECKO_MARKET, DAY_TF),
  // a day store of a venue's liquidations: its events, and how much of the day the recorder saw
  liquidations: {
    descriptor: LIQUIDATIONS,
    findings: (c, day, meta, now) => checkLiquidationDay(columnsOf(LIQUIDATIONS, c), intervalsFromJson(meta.coverage), Date.parse(`${day}T00:00:00Z`), now),
    gaps: () => 0,
    behind: () => null,
  },
};

/** A frame of every column of a dataset, from what a file had (absent columns missing). */
function columnsOf(d: DatasetDescriptor, c: Partial<Record<string, Float64Array>>): SeriesFrame {
  const n = c.time?.length ?? 0;
  return Object.fromEntries(d.columns.map((col) => [col.key, c[col.key] ?? new Float64Array(n).fill(NaN)])) as SeriesFrame;
}

/** Health report of each store; an unreadable file is a failing store, not a crash. */
export async function validateStores(refs: readonly StoreRef[], now: number, staleAfter?: number): Promise<StoreHealth[]> {
  const out: StoreHealth[] = [];
  for (const ref of refs) out.push(await validateOne(ref, now, staleAfter));
  return out;
}

async function validateOne(ref: StoreRef, now: number, staleAfter: number | undefined): Promise<StoreHealth> {
  const base = { dataset: ref.dataset, exchange: ref.exchange, symbol: ref.symbol, timeframe: ref.timeframe, path: ref.path };
  try {
    const checks = CHECKS[ref.dataset];
    const { columns, meta, extraColumns } = await readStoreColumns(checks?.descriptor ?? OHLCV, ref.path);
    const findings = [
      ...(checks ? checks.findings(columns, ref.timeframe, meta, now)
        : checkHealth(columns as StoreColumns, parseTimeframe(ref.timeframe), { atrPeriod: meta.atrPeriod, now, staleAfter, wholeStore: true })),
      ...extraColumnsFinding(extraColumns),
    ];
    const time = columns.time ?? new Float64Array(0);
    return { ...base, rows: time.length, first: isoUtc(time[0]), last: isoUtc(time[time.length - 1]), status: statusOf(findings), findings };
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    return { ...base, rows: 0, first: null, last: null, status: 'fail', findings: [{ code: 'UNREADABLE', severity: 'fail', count: 1, message: e.message }] };
  }
}

function extraColumnsFinding(extra: readonly string[]): Finding[] {
  if (extra.length === 0) return [];
  return [{ code: 'EXTRA_COLUMNS', severity: 'warn', count: extra.length, items: extra.map((column) => ({ column })),
    message: `column(s) ${extra.join(', ')} are not the store's own; build and update refuse to drop them without --erase` }];
}

export interface StoreListing extends StoreSummary {
  /** Closed candles the exchange has after the last stored one, by the local clock. */
  readonly behind: number | null;
  readonly gaps: number;
  readonly bytes: number;
  readonly updatedAt: string | null;
  readonly error?: string;
}

/** One line of facts per store, like freqtrade's `list-data --show-timerange`. */
export async function describeStores(refs: readonly StoreRef[], now: number): Promise<StoreListing[]> {
  const out: StoreListing[] = [];
  for (const ref of refs) {
    const bytes = (await stat(ref.path)).size;
    try {
      const checks = CHECKS[ref.dataset];
      const { columns, meta } = await readStoreColumns(checks?.descriptor ?? OHLCV, ref.path, ['time']);
      const time = columns.time ?? new Float64Array(0);
      const last = time[time.length - 1];
      const known = last !== undefined && !Number.isNaN(last);
      const tf = checks ? undefined : parseTimeframe(ref.timeframe);
      out.push({ ...ref, rows: time.length, first: isoUtc(time[0]), last: isoUtc(last),
        behind: !known ? null : checks ? checks.behind(last, now, ref.timeframe) : candlesBehind(last, tf!, now),
        gaps: checks ? checks.gaps(time, ref.timeframe) : findGaps(time, tf!).length, bytes, updatedAt: meta.updatedAt ?? null });
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      out.push({ ...ref, rows: 0, first: null, last: null, behind: null, gaps: 0, bytes, updatedAt: null, error: e.message });
    }
  }
  return out;
}
