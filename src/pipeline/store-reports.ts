import type { DatasetDescriptor } from '../core/dataset.js';
import { OHLCV } from '../datasets/ohlcv.js';
import { recordOf } from '../datasets/registry.js';
import { canonicalExchange, exchangeNames } from '../exchange/venue.js';
import { StoreError } from '../core/errors.js';
import { parseSymbol } from '../core/symbol.js';
import { isoUtc } from '../core/time-format.js';
import { parseTimeframe } from '../core/timeframe.js';
import { compareStores, listStores, readStoreColumns, storeFileSize, type StoreRef } from '../store/store-read.js';
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

/** Health report of each store; an unreadable file is a failing store, not a crash. */
export async function validateStores(refs: readonly StoreRef[], now: number, staleAfter?: number): Promise<StoreHealth[]> {
  const out: StoreHealth[] = [];
  for (const ref of refs) out.push(await validateOne(ref, now, staleAfter));
  return out;
}

async function validateOne(ref: StoreRef, now: number, staleAfter: number | undefined): Promise<StoreHealth> {
  const base = { dataset: ref.dataset, exchange: ref.exchange, symbol: ref.symbol, timeframe: ref.timeframe, path: ref.path };
  try {
    const record = recordOf(ref.dataset)!;
    const { columns, meta, extraColumns } = await readStoreColumns(record.descriptor, ref.path);
    const findings = [
      ...record.checks.findings(columns, { timeframe: ref.timeframe, facts: meta, now, staleAfter }),
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
    const bytes = await storeFileSize(ref.path);
    try {
      const record = recordOf(ref.dataset)!;
      const { columns, meta } = await readStoreColumns(record.descriptor, ref.path, ['time']);
      const time = columns.time ?? new Float64Array(0);
      const last = time[time.length - 1];
      const known = last !== undefined && !Number.isNaN(last);
      out.push({ ...ref, rows: time.length, first: isoUtc(time[0]), last: isoUtc(last),
        behind: !known ? null : record.checks.behind(last, now, ref.timeframe),
        gaps: record.checks.gaps(time, ref.timeframe), bytes, updatedAt: meta.updatedAt ?? null });
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      out.push({ ...ref, rows: 0, first: null, last: null, behind: null, gaps: 0, bytes, updatedAt: null, error: e.message });
    }
  }
  return out;
}
