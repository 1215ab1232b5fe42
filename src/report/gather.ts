import { StoreError } from '../core/errors.js';
import { spansFromJson } from '../core/interval.js';
import { parseTimeframe } from '../core/timeframe.js';
import { recordOf } from '../datasets/registry.js';
import { exchangeNames, venueIds } from '../exchange/venue.js';
import { validateStores } from '../pipeline/store-reports.js';
import { readCollectStatuses } from '../store/collect-status.js';
import { readStoreColumns, type StoreRef } from '../store/store-read.js';
import { readCurrentUniverse, readUniverseSnapshot, universeSnapshotDates } from '../store/universe-files.js';
import type { Universe } from '../universe/refresh-universe.js';
import { CELL_STATES } from './coverage.js';
import {
  coverageSections, healthRows, MAX_POINTS, PANEL_COLUMNS, windowDays,
  type CollectorView, type ReadStore, type ReportData, type UniverseView, type ValuePanel, type ValuesView,
} from './report-data.js';
import { sampleSeries } from './sample.js';

const DAY = 86_400_000;

export interface ReportRequest {
  readonly dataDir: string;
  /** The stores to show (already filtered by dataset, venue and symbol). */
  readonly refs: readonly StoreRef[];
  /** The window: whole UTC days [from, to); undefined `from`: `days` back from where the data reaches (not before the oldest row's day). */
  readonly from?: number;
  readonly to?: number;
  readonly days: number;
  /** The symbol of the value chart; default: the universe's first member, else the symbol with the most stores. */
  readonly symbol?: string;
  /** The clock, for validate's staleness. */
  readonly now: number;
}

/** Read what the page shows from the data folder. */
export async function gatherReport(r: ReportRequest): Promise<ReportData> {
  const stores = await readStoreTimes(r.refs);
  const newest = Math.max(...stores.map((s) => s.time[s.time.length - 1] ?? -Infinity), -Infinity);
  const to = r.to ?? (Number.isFinite(newest) ? Math.floor(newest / DAY) * DAY + DAY : Math.floor(r.now / DAY) * DAY + DAY);
  // `days` back, but not before the oldest row: a young folder's page is not mostly empty
  const oldest = Math.min(...stores.map((s) => s.time[0] ?? Infinity), Infinity);
  const from = r.from ?? Math.max(to - r.days * DAY, Number.isFinite(oldest) ? Math.floor(oldest / DAY) * DAY : -Infinity);
  const universe = await universeViews(r.dataDir);
  return {
    generatedAt: new Date(r.now).toISOString(),
    dataDir: r.dataDir,
    window: { from, to, days: windowDays(from, to) },
    states: CELL_STATES,
    coverage: coverageSections(stores, from, to),
    health: healthRows(await validateStores(r.refs, r.now)),
    universe,
    collector: await collectorViews(r.dataDir),
    values: await valuesView(r.refs, r.symbol ?? defaultSymbol(r.refs, universe), from, to),
  };
}

/** Each store's time column and unrecoverable spans; an unreadable store is left to the health section. */
async function readStoreTimes(refs: readonly StoreRef[]): Promise<ReadStore[]> {
  const out: ReadStore[] = [];
  for (const ref of refs) {
    try {
      const { columns, meta } = await readStoreColumns(recordOf(ref.dataset)!.descriptor, ref.path, ['time']);
      out.push({ ref, time: columns['time'] ?? new Float64Array(0), unrecoverable: spansFromJson(meta.unrecoverable) });
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
    }
  }
  return out;
}

function defaultSymbol(refs: readonly StoreRef[], universe: readonly UniverseView[]): string | undefined {
  const top = universe.find((u) => u.current && u.current.members.length > 0)?.current?.members[0]?.market;
  if (top && refs.some((r) => r.symbol === top)) return top;
  const count = new Map<string, number>();
  for (const r of refs) if (PANEL_COLUMNS[r.dataset]) count.set(r.symbol, (count.get(r.symbol) ?? 0) + 1);
  return [...count.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

/** The value chart's panels for one symbol: candles (the finest timeframe of 5m or coarser, else the finest), then each statistic. */
async function valuesView(refs: readonly StoreRef[], symbol: string | undefined, from: number, to: number): Promise<ValuesView | null> {
  if (!symbol) return null;
  const mine = refs.filter((r) => r.symbol === symbol && PANEL_COLUMNS[r.dataset]);
  if (mine.length === 0) return null;
  const exchange = mine[0]!.exchange ?? '';
  const order = Object.keys(PANEL_COLUMNS);
  const panels: ValuePanel[] = [];
  for (const dataset of order) {
    const candidates = mine.filter((r) => r.dataset === dataset && r.exchange === mine[0]!.exchange);
    const ref = pickTimeframe(candidates);
    if (!ref) continue;
    const panel = await valuePanel(ref, from, to).catch((e: unknown) => {
      if (e instanceof StoreError) return undefined;
      throw e;
    });
    if (panel) panels.push(panel);
  }
  return { exchange, symbol, panels };
}

/** 5m where stored (the statistics' finest), else the finest timeframe at or above it, else the finest. */
function pickTimeframe(refs: readonly StoreRef[]): StoreRef | undefined {
  const ms = (r: StoreRef) => {
    try {
      return parseTimeframe(r.timeframe).ms;
    } catch {
      return Infinity; // a store without a timeframe (funding): drawn at its own times
    }
  };
  const sorted = [...refs].sort((a, b) => ms(a) - ms(b));
  return sorted.find((r) => ms(r) >= 300_000) ?? sorted[0];
}

/** A store's values in the window as a panel (reduced when longer than MAX_POINTS). */
async function valuePanel(ref: StoreRef, from: number, to: number): Promise<ValuePanel | undefined> {
  const keys = PANEL_COLUMNS[ref.dataset];
  if (!keys) return undefined;
  const { columns } = await readStoreColumns(recordOf(ref.dataset)!.descriptor, ref.path, ['time', ...keys]);
  const sampled = sampleSeries(columns as Record<string, Float64Array>, keys, from, to, MAX_POINTS, ref.dataset === 'ohlcv' ? 'candles' : 'last');
  const out: Record<string, (number | null)[]> = {};
  for (const k of ['time', ...keys]) out[k] = Array.from(sampled.columns[k] ?? [], (v) => (Number.isFinite(v) ? v : null));
  return { dataset: ref.dataset, timeframe: ref.timeframe, columns: out, bucket: sampled.bucketMs ? `${sampled.bucketMs / 60_000}m` : null, path: ref.path };
}

/** Each venue's universe: members per snapshot, entries and exits between snapshots (with reasons), the current members. */
async function universeViews(dataDir: string): Promise<UniverseView[]> {
  const out: UniverseView[] = [];
  for (const venue of venueIds()) {
    const names = exchangeNames(venue);
    const current = await readCurrentUniverse(dataDir, venue, names).catch(() => undefined) as Universe | undefined;
    const dates = await universeSnapshotDates(dataDir, venue, names);
    if (!current && dates.length === 0) continue;
    const snaps: Universe[] = [];
    for (const d of dates) {
      const u = await readUniverseSnapshot(dataDir, venue, d, names).catch(() => undefined) as Universe | undefined;
      if (u?.members) snaps.push(u);
    }
    const changes: UniverseView['changes'][number][] = [];
    for (let i = 1; i < snaps.length; i++) {
      const was = new Set(snaps[i - 1]!.members.map((m) => m.market));
      const is = new Set(snaps[i]!.members.map((m) => m.market));
      const why = new Map((snaps[i]!.inactive ?? []).map((x) => [x.market, x.reason]));
      const added = snaps[i]!.members.filter((m) => !was.has(m.market)).map((m) => ({ market: m.market, rank: m.rank }));
      const removed = snaps[i - 1]!.members.filter((m) => !is.has(m.market)).map((m) => ({ market: m.market, reason: why.get(m.market) ?? 'left the ranking' }));
      if (added.length || removed.length) changes.push({ date: snaps[i]!.date, added, removed });
    }
    out.push({
      exchange: venue,
      sizes: snaps.map((u) => ({ date: u.date, members: u.members.length })),
      changes,
      current: current?.members ? { date: current.date, source: current.source, members: current.members.map((m) => ({ rank: m.rank, market: m.market, name: m.name, marketCap: m.marketCap, volume24h: m.volume24h })) } : null,
    });
  }
  return out;
}

/** Each venue's last collect cycles, oldest first (the status file keeps the recent ones); each shard's apart. */
async function collectorViews(dataDir: string): Promise<CollectorView[]> {
  const out: CollectorView[] = [];
  for (const venue of venueIds()) for (const { shard, status } of await readCollectStatuses(dataDir, venue).catch(() => [])) {
    type Cycle = { startedAt: string; durationMs: number; rowsAdded: number; stores: Record<string, number>; weight: Record<string, number>; failures?: unknown[]; failed?: number; error?: string };
    const cycles = ((status['cycles'] as Cycle[] | undefined) ?? [status['lastCycle'] as Cycle]).filter(Boolean);
    out.push({
      exchange: shard ? `${venue} shard ${shard.k}/${shard.n}` : venue,
      cycles: cycles.map((c) => ({ startedAt: c.startedAt, durationMs: c.durationMs, rowsAdded: c.rowsAdded, stores: c.stores, weight: c.weight, failures: c.failed ?? c.failures?.length ?? 0, error: c.error ?? null })),
    });
  }
  return out;
}
