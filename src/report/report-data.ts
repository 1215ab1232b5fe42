import type { Interval } from '../core/interval.js';
import { parseTimeframe } from '../core/timeframe.js';
import { recordOf } from '../datasets/registry.js';
import type { StoreRef } from '../store/store-read.js';
import { classifyDays, storeCoverage, type CoverageOfStore, type StoreCoverage } from './coverage.js';
import type { StoreHealth } from '../validate/render-findings.js';

const DAY = 86_400_000;

/** Everything the page shows, as JSON the page's script reads (numbers epoch ms; null where missing). */
export interface ReportData {
  readonly generatedAt: string;
  readonly dataDir: string;
  readonly window: { readonly from: number; readonly to: number; readonly days: readonly string[] };
  readonly states: readonly string[];
  readonly coverage: readonly CoverageSection[];
  readonly health: readonly HealthRow[];
  readonly universe: readonly UniverseView[];
  readonly collector: readonly CollectorView[];
  readonly values: ValuesView | null;
}

/** A dataset's heatmap: a row per store, a column per day. */
export interface CoverageSection {
  readonly dataset: string;
  readonly rows: readonly { readonly label: string; readonly exchange: string; readonly symbol: string; readonly timeframe: string; readonly path: string; readonly rows: number }[];
  /**
   * Cells, 8 numbers each, flat: day index, row index, share present (0..1), state (index into `states`),
   * rows present, rows expected, first and last missing time (null when none is missing).
   */
  readonly cells: readonly (number | null)[];
}

export interface HealthRow {
  readonly label: string;
  readonly dataset: string;
  readonly status: string;
  readonly path: string;
  readonly findings: readonly { readonly code: string; readonly severity: string; readonly count: number; readonly message: string }[];
}

export interface UniverseView {
  readonly exchange: string;
  /** Members per snapshot, oldest first. */
  readonly sizes: readonly { readonly date: string; readonly members: number }[];
  readonly changes: readonly { readonly date: string; readonly added: readonly { market: string; rank: number }[]; readonly removed: readonly { market: string; reason: string }[] }[];
  readonly current: { readonly date: string; readonly source: string; readonly members: readonly { rank: number; market: string; name: string; marketCap: number | null; volume24h: number | null }[] } | null;
}

export interface CollectorView {
  readonly exchange: string;
  readonly cycles: readonly { readonly startedAt: string; readonly durationMs: number; readonly rowsAdded: number; readonly stores: Readonly<Record<string, number>>; readonly weight: Readonly<Record<string, number>>; readonly failures: number; readonly error: string | null }[];
}

/** One symbol's values on one time axis: a panel per dataset. */
export interface ValuesView {
  readonly exchange: string;
  readonly symbol: string;
  readonly panels: readonly ValuePanel[];
}

export interface ValuePanel {
  readonly dataset: string;
  readonly timeframe: string;
  /** The columns drawn (store keys) with their values; `time` first. */
  readonly columns: Readonly<Record<string, readonly (number | null)[]>>;
  /** The bucket the rows were reduced to when there were too many to draw (candles: aggregated; others: the bucket's last row). */
  readonly bucket: string | null;
  readonly path: string;
}

/** A store as the report reads it: its reference and the columns it needs. */
export interface ReadStore {
  readonly ref: StoreRef;
  readonly time: Float64Array;
  readonly unrecoverable: readonly Interval[];
}

/** The grid step of a store, or undefined for events and daily files. */
function stepOf(ref: StoreRef): number | undefined {
  const rec = recordOf(ref.dataset);
  if (!rec || rec.descriptor.series !== 'grid' || !ref.timeframe || /^\d{4}-/.test(ref.timeframe)) return undefined;
  const tf = parseTimeframe(ref.timeframe);
  return tf.calendarMonth ? undefined : tf.ms;
}

/** The label of a store's heatmap row. */
function labelOf(ref: StoreRef, venues: number): string {
  return `${venues > 1 ? `${ref.exchange ?? '?'} ` : ''}${ref.symbol}${ref.timeframe ? ` ${ref.timeframe}` : ''}`;
}

/**
 * The coverage heatmaps of the window [from, to) (whole UTC days): one per dataset, one row per store.
 * Where each group's data reaches (the newest row of a venue's stores of one dataset and timeframe) is
 * what the group's stores are held to, so a store that stopped updating shows its missing days. Pure.
 */
export function coverageSections(stores: readonly ReadStore[], from: number, to: number): CoverageSection[] {
  const venues = new Set(stores.map((s) => s.ref.exchange)).size;
  const reach = new Map<string, number>();
  const groupOf = (s: ReadStore) => `${s.ref.exchange} ${s.ref.dataset} ${s.ref.timeframe}`;
  for (const s of stores) {
    const last = s.time[s.time.length - 1];
    if (last === undefined) continue;
    const g = groupOf(s);
    reach.set(g, Math.max(reach.get(g) ?? -Infinity, last + (stepOf(s.ref) ?? 1)));
  }
  const covered: { store: ReadStore; coverage: StoreCoverage }[] = stores.filter((s) => stepOf(s.ref) !== undefined || recordOf(s.ref.dataset)?.descriptor.series === 'events')
    .map((store) => ({ store, coverage: storeCoverage({ time: store.time, stepMs: stepOf(store.ref), from, to, asOf: reach.get(groupOf(store)) ?? from }) }));
  const classified: CoverageOfStore[] = covered.map(({ store, coverage }) => ({
    group: `${store.ref.exchange} ${store.ref.timeframe}`, coverage, unrecoverable: store.unrecoverable,
    span: { from: store.time[0] ?? Infinity, to: reach.get(groupOf(store)) ?? -Infinity },
  }));
  const states = classifyDays(classified);
  const sections = new Map<string, { rows: CoverageSection['rows'][number][]; cells: (number | null)[] }>();
  covered.forEach(({ store, coverage }, i) => {
    const sec = sections.get(store.ref.dataset) ?? { rows: [], cells: [] };
    sections.set(store.ref.dataset, sec);
    const row = sec.rows.length;
    sec.rows.push({ label: labelOf(store.ref, venues), exchange: store.ref.exchange ?? '', symbol: store.ref.symbol, timeframe: store.ref.timeframe, path: store.ref.path, rows: store.time.length });
    for (let k = 0; k < coverage.day.length; k++) {
      const p = coverage.present[k]!;
      const e = coverage.expected[k]!;
      sec.cells.push(coverage.day[k]!, row, Math.round((p / e) * 1e4) / 1e4, states[i]![k]!, p, e, nullIfNaN(coverage.firstMissing[k]!), nullIfNaN(coverage.lastMissing[k]!));
    }
  });
  return [...sections.entries()].map(([dataset, s]) => ({ dataset, ...s }));
}

function nullIfNaN(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

/** The days of a window, `YYYY-MM-DD`. */
export function windowDays(from: number, to: number): string[] {
  const out: string[] = [];
  for (let d = from; d < to; d += DAY) out.push(new Date(d).toISOString().slice(0, 10));
  return out;
}

/** Health rows, failing first, then warnings, then the rest; by label within each. Pure. */
export function healthRows(stores: readonly StoreHealth[]): HealthRow[] {
  const rank = { fail: 0, warn: 1, ok: 2 } as Record<string, number>;
  return stores.map((s) => ({
    label: `${s.exchange ?? '?'} ${s.symbol}${s.timeframe ? ` ${s.timeframe}` : ''}`, dataset: s.dataset ?? 'ohlcv', status: s.status, path: s.path,
    findings: s.findings.map((f) => ({ code: f.code, severity: f.severity, count: f.count, message: f.message })),
  })).sort((a, b) => (rank[a.status] ?? 3) - (rank[b.status] ?? 3) || a.dataset.localeCompare(b.dataset) || a.label.localeCompare(b.label));
}

/** The columns a dataset's value panel draws (store keys), in the order drawn. */
export const PANEL_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  ohlcv: ['open', 'high', 'low', 'close', 'volume'],
  funding: ['rate'],
  'open-interest': ['contracts', 'value'],
  'long-short-global': ['ratio'],
  'long-short-top-accounts': ['ratio'],
  'long-short-top-positions': ['ratio'],
  'taker-volume': ['buySellRatio'],
};

/** Most points a panel carries; more are reduced to a coarser bucket. */
export const MAX_POINTS = 50_000;

