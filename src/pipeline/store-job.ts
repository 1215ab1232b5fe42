import { bigBuffers } from '../core/buffer-pool.js';
import { concatSeries, SeriesBuilder, type SeriesFrame } from '../core/dataset.js';
import { StoreError } from '../core/errors.js';
import { lowerBoundTime } from '../core/time-search.js';
import { isoUtc } from '../core/time-format.js';
import type { Timeframe } from '../core/timeframe.js';
import type { WriteIdentity } from '../store/store-meta.js';
import type { StoreIdentity } from '../store/store-read.js';
import { withStoreForWrite, type StoredInfo, type StoreHandle } from '../store/store-writer.js';
import { spansFromJson } from '../core/interval.js';
import { laySources, rowSourcesFromJson, rowSourcesToJson, type RowSources } from '../core/row-sources.js';
import { exchangeNames } from '../exchange/venue.js';
import { CheckpointClock, removeCheckpoint, saveCheckpoint, takeCheckpoint, type Checkpoint, type StoreSummaryTag } from './checkpoint.js';
import type { DatasetJob, Derived, OpenSource } from './dataset-job.js';
import { mergeIntervals, planFetch, type Interval } from './fetch-plan.js';
import { failedOutcome, outcomeOf, shapeOf, type StoreOutcome, type StoreShape } from './outcome.js';
import { fetchSeries } from './pager.js';
import type { RetryContext } from '../core/retry.js';
import { mapPool, type PoolSize } from './run-pool.js';
import { cpuGauge, storesForCpu, usableCores } from './cpu-room.js';
import type { RunDeps, RunSettings } from './run-settings.js';

/** One store's job, as build, update (and every later command) describe it. */
export interface StoreJob<F extends SeriesFrame> {
  /** The dataset: descriptor, fetcher, derivation. */
  readonly spec: DatasetJob<F>;
  readonly symbol: string;
  readonly tf: Timeframe;
  readonly path: string;
  /** The exchange to fetch from (update: the one the store records). */
  readonly exchange: string;
  /**
   * The span wanted, asked only once the store has passed its checks (update asks the exchange's clock);
   * it sees what the store holds (a series kept from its start asks nothing before a stored first row).
   */
  readonly window: (stored?: { readonly first: number; readonly last: number }) => Promise<{ readonly since?: number; readonly until: number; readonly servedFrom?: number; readonly note?: string }>;
  /** Replace the store instead of extending it (`--erase`). */
  readonly erase: boolean;
  /** Fetch and compute, write nothing, take no lock. */
  readonly dryRun: boolean;
  /** Fail when there is no store with rows (update extends stores, it never starts one). */
  readonly mustExist?: boolean;
  /** What the source calls the series, when not the symbol (a CoinGecko coin id). */
  readonly sourceId?: string;
  /**
   * The earliest time the source still serves (a venue's statistics: its last days only), here or from
   * `window` (when it depends on the exchange's clock). What a plan wants before it can no longer be
   * fetched is logged once, as unrecoverable, and not asked for.
   */
  readonly servedFrom?: number;
}

/** Runs of `runStores` under way in this process (the buffer pool is let go when none is). */
let runsActive = 0;

/**
 * Run a job per store through the pool, reporting each store to the run's progress display. The pool
 * starts with a store per core and grows (up to `concurrency`) while the CPU has room, which is while
 * stores wait on the network; under a weight budget also only while the budget is spent slower than it
 * could be. Stores read from the archive cache saturate the CPU: they run about one per core, and the
 * columns and files of one are reused by the next (core/buffer-pool.ts).
 */
export async function runStores<T>(items: readonly T[], s: RunSettings, deps: RunDeps, fn: (item: T) => Promise<StoreOutcome>): Promise<StoreOutcome[]> {
  deps.progress?.stores(items.length);
  const pace = deps.clientFor(s.exchange).wantedInFlight;
  const cores = usableCores();
  const busy = cpuGauge(cores);
  const size: PoolSize = {
    start: Math.min(cores, s.concurrency), max: s.concurrency,
    want: (running) => Math.min(pace ? pace(running) : s.concurrency, storesForCpu(running, busy())),
  };
  runsActive++;
  try {
    return await mapPool(items, size, async (item) => {
      const outcome = await fn(item);
      deps.progress?.storeDone(outcome);
      return outcome;
    });
  } finally {
    // the buffers kept for reuse serve a run; between runs (a collect loop sleeping) they are let go
    if (--runsActive === 0) bigBuffers.clear();
  }
}

/**
 * The one per-store job, for every dataset: identity → lock → resume → plan what is missing before
 * and after the store → fetch → clean and derive → write through the no-row-loss check → report. A
 * failure becomes this store's outcome; the run carries on with the others.
 */
export async function runStoreJob<F extends SeriesFrame>(job: StoreJob<F>, s: RunSettings, deps: RunDeps, retry: RetryContext): Promise<StoreOutcome> {
  const base = { dataset: job.spec.dataset.name, exchange: job.exchange, symbol: job.symbol, timeframe: job.tf.name, path: job.path };
  const expect: StoreIdentity = { dataset: job.spec.dataset.name, exchange: job.exchange, exchangeAliases: exchangeNames(job.exchange), source: s.source, symbol: job.symbol, timeframe: job.tf.name };
  try {
    if (job.dryRun) return await dryRun(job, s, deps, retry);
    return await withStoreForWrite<F, StoreOutcome>(job.spec.dataset, job.path, expect, { waitMs: s.lockWaitMs, erase: job.erase },
      (h) => extendStore(job, h, expect, s, deps, retry));
  } catch (e) {
    deps.log.warn({ symbol: job.symbol, timeframe: job.tf.name, err: (e as Error).message }, 'store failed');
    return failedOutcome(base, e);
  }
}

async function extendStore<F extends SeriesFrame>(
  job: StoreJob<F>, h: StoreHandle<F>, expect: StoreIdentity, s: RunSettings, deps: RunDeps, retry: RetryContext,
): Promise<StoreOutcome> {
  const base = { dataset: job.spec.dataset.name, exchange: job.exchange, symbol: job.symbol, timeframe: job.tf.name, path: job.path };
  const stored = h.stored && h.stored.rows > 0 ? h.stored : undefined;
  if (job.mustExist && !stored) throw new StoreError(`${job.path} is empty (run build to refill it)`);
  const params = job.spec.params(stored?.meta, s);
  const span: StoreSummaryTag | null = stored ? { rows: stored.rows, first: stored.first, last: stored.last } : null;
  const resumed = await takeCheckpoint<F>(job.spec.dataset, job.path, expect, span, JSON.stringify(params), deps.log);
  const { since, until, servedFrom, note } = await job.window(stored);
  if (note) deps.log.warn({ symbol: job.symbol, dataset: job.spec.dataset.name, timeframe: job.tf.name }, note);
  const noted = note ? { note } : {};
  const { plan, lost } = servable(job, servedFrom ?? job.servedFrom, planFetch({ tf: job.tf, stored: stored ?? undefined, since, until, covered: resumed?.covered, events: job.spec.dataset.series === 'events' }), deps);
  if (plan.length === 0 && !resumed) return outcomeOf({ ...base, status: stored ? 'up-to-date' : 'empty' }, await storedShape(h, gridOf(job)), noted);
  const source = await job.spec.open(job, deps, retry);
  checkMarketType(job.path, stored, job.symbol, source.marketType);
  const id: WriteIdentity = {
    exchange: job.exchange, source: s.source, marketType: source.marketType, symbol: job.symbol, timeframe: job.tf.name, ...params,
    ...unrecoverableAfter(stored?.meta.unrecoverable, lost),
  };
  const pages = storeColumns(job, plan);
  try {
    return await fetchAndWrite(job, base, h, stored, source, plan, pages, { id, base: span, params: JSON.stringify(params), resumed }, s, deps, retry, noted);
  } finally {
    pages.release();
  }
}

/** Fetch the plan into the store's columns (`pages`), then derive and write: the store job past its checks. */
async function fetchAndWrite<F extends SeriesFrame>(
  job: StoreJob<F>, base: Pick<StoreOutcome, 'dataset' | 'exchange' | 'symbol' | 'timeframe' | 'path'>, h: StoreHandle<F>, stored: StoredInfo | undefined,
  source: OpenSource<F>, plan: readonly Interval[], pages: SeriesBuilder<F>, target: CheckpointTarget<F>,
  s: RunSettings, deps: RunDeps, retry: RetryContext, noted: { note?: string },
): Promise<StoreOutcome> {
  const { id, resumed } = target;
  const { rows: fetched, sources, unserved } = await fetchPlan(job, source, plan, pages, target, s, deps, retry);
  const fresh = resumed ? concatSeries([resumed.rows, fetched]) : fetched;
  if (fresh.time.length === 0) {
    await removeCheckpoint(job.path);
    return outcomeOf({ ...base, status: stored ? 'no-new-candles' : 'empty' }, await storedShape(h, gridOf(job)), { fetched: 0, ...noted });
  }
  const rowSources = rowSourcesToJson(laySources(rowSourcesFromJson(stored?.meta.rowSources), sources));
  const lostInside = lostAfterStart(job, unserved, Math.min(stored?.first ?? Infinity, minTime(fresh.time)), deps);
  const written = await writeRows(job, h, stored, fresh, { ...id, ...unrecoverableAfter(id.unrecoverable, lostInside), ...(rowSources ? { rowSources } : {}) });
  await removeCheckpoint(job.path);
  deps.log.info({ symbol: job.symbol, timeframe: job.tf.name, prepended: written.prepended, appended: written.appended, path: job.path }, 'store written');
  return outcomeOf({ ...base, status: 'written' }, written.shape, {
    fetched: fetched.time.length, write: written.write, clean: written.report, bytes: written.bytes, prepended: written.prepended, appended: written.appended,
    ...(resumed ? { resumed: resumed.rows.time.length } : {}), ...noted,
  });
}

interface Written { write: 'append' | 'rewrite'; bytes: number; shape: StoreShape; report: Derived<SeriesFrame>['report']; prepended: number; appended: number }

/**
 * Write the store with the fresh rows. Rows that all follow the stored ones are appended: only the
 * stored last row group is decoded and re-encoded, the rest is carried over as bytes, so the cost does
 * not grow with the store. Anything else (rows before or between stored ones, a file another program
 * laid out) reads the store whole and rewrites it. Both write the same bytes.
 */
async function writeRows<F extends SeriesFrame>(job: StoreJob<F>, h: StoreHandle<F>, stored: StoredInfo | undefined, fresh: F, id: WriteIdentity): Promise<Written> {
  if (stored && minTime(fresh.time) > stored.last) {
    const tail = await h.tail();
    const derived = tail && job.spec.deriveAfter(tail.frame, fresh, id);
    if (tail && derived) {
      const bytes = await h.extend(derived.frame, id);
      const time = concatSeries([{ time: (await h.times()).subarray(0, tail.start) }, { time: derived.frame.time }]).time;
      return { write: 'append', bytes, shape: shapeOf(time, gridOf(job)), report: derived.report, prepended: 0, appended: derived.frame.time.length - tail.frame.time.length };
    }
  }
  const before = stored ? (await h.load()).frame : undefined;
  const derived = job.spec.derive(before, fresh, id);
  const bytes = await h.replace(derived.frame, id);
  return { write: 'rewrite', bytes, shape: shapeOf(derived.frame.time, gridOf(job)), report: derived.report, ...addedAround(before, derived.frame) };
}

async function storedShape<F extends SeriesFrame>(h: StoreHandle<F>, tf: Timeframe | undefined): Promise<StoreShape> {
  return shapeOf(await h.times(), tf);
}

/**
 * The plan cut to what the source still serves; the part cut away is logged as unrecoverable (and
 * recorded in the store's footer, so `validate` names it and no later run asks for it again).
 */
function servable<F extends SeriesFrame>(job: StoreJob<F>, from: number | undefined, plan: Interval[], deps: RunDeps): { plan: Interval[]; lost: Interval[] } {
  if (from === undefined) return { plan, lost: [] };
  const lost = plan.filter((p) => p.from < from).map((p) => ({ from: p.from, to: Math.min(p.to, from) }));
  for (const l of lost) {
    deps.log.warn({ symbol: job.symbol, dataset: job.spec.dataset.name, from: isoUtc(l.from), to: isoUtc(l.to) }, 'unrecoverable: the exchange no longer serves this span');
  }
  return { plan: plan.map((p) => ({ from: Math.max(p.from, from), to: p.to })).filter((p) => p.from < p.to), lost };
}

/**
 * The spans a pager found no source serves, from the series' first row on (before it, a missing file may
 * be before a listing the venue does not state: not lost), logged as unrecoverable.
 */
function lostAfterStart<F extends SeriesFrame>(job: StoreJob<F>, unserved: readonly Interval[], first: number, deps: RunDeps): Interval[] {
  const lost = mergeIntervals(unserved.filter((u) => u.to > first).map((u) => ({ from: Math.max(u.from, first), to: u.to })));
  for (const l of lost) {
    deps.log.warn({ symbol: job.symbol, dataset: job.spec.dataset.name, from: isoUtc(l.from), to: isoUtc(l.to) }, 'unrecoverable: neither the archive nor the API serves this span');
  }
  return lost;
}

/** The store's unrecoverable spans with the newly lost ones: the footer value to write, if any. */
function unrecoverableAfter(recorded: string | undefined, lost: readonly Interval[]): { unrecoverable?: string } {
  const all = mergeIntervals([...spansFromJson(recorded), ...lost]);
  return all.length > 0 ? { unrecoverable: JSON.stringify(all) } : {};
}

/** The timeframe a store's rows sit on, for counting gaps; none for events. */
function gridOf<F extends SeriesFrame>(job: StoreJob<F>): Timeframe | undefined {
  return job.spec.dataset.series === 'grid' ? job.tf : undefined;
}

async function dryRun<F extends SeriesFrame>(job: StoreJob<F>, s: RunSettings, deps: RunDeps, retry: RetryContext): Promise<StoreOutcome> {
  const { since, until } = await job.window();
  const source = await job.spec.open(job, deps, retry);
  const plan = planFetch({ tf: job.tf, since, until });
  const pages = storeColumns(job, plan);
  try {
    const { rows: fetched } = await fetchPlan(job, source, plan, pages, undefined, s, deps, retry);
    const params = job.spec.params(undefined, s);
    const { frame, report } = job.spec.derive(undefined, fetched, { exchange: job.exchange, source: s.source, marketType: source.marketType, symbol: job.symbol, ...params });
    return outcomeOf({ dataset: job.spec.dataset.name, exchange: job.exchange, symbol: job.symbol, timeframe: job.tf.name, path: job.path, status: 'dry-run' }, shapeOf(frame.time, gridOf(job)), { fetched: fetched.time.length, clean: report });
  } finally {
    pages.release();
  }
}

/**
 * The columns a store's fetched rows are copied into, sized for the rows the plan spans and lent by the
 * process's buffer pool: the caller releases them once the store is written (every step in between is
 * awaited, and what leaves the job, its outcome, holds numbers, not views of the rows).
 */
function storeColumns<F extends SeriesFrame>(job: StoreJob<F>, plan: readonly Interval[]): SeriesBuilder<F> {
  return new SeriesBuilder<F>(expectedRows(job, plan), bigBuffers);
}

function checkMarketType(path: string, stored: StoredInfo | undefined, symbol: string, type: string): void {
  const had = stored?.meta.marketType;
  if (had !== undefined && had !== type) {
    throw new StoreError(`${path} holds ${had} data, but ${symbol} is a ${type} market on this exchange; refusing to mix them`);
  }
}

/** Where a fetch keeps its resume checkpoint: the store's identity, the store version it extends, the checkpoint it continues. */
interface CheckpointTarget<F extends SeriesFrame> {
  readonly id: WriteIdentity;
  readonly base: StoreSummaryTag | null;
  readonly params: string;
  readonly resumed: Checkpoint<F> | undefined;
}

/**
 * Fetch every planned span, oldest first, through the dataset's pager. What was fetched so far is kept
 * as a resume checkpoint while fetching and when the fetch fails or is interrupted; a dry run (no
 * target) writes nothing.
 */
async function fetchPlan<F extends SeriesFrame>(
  job: StoreJob<F>, source: OpenSource<F>, plan: readonly Interval[], pages: SeriesBuilder<F>, target: CheckpointTarget<F> | undefined,
  s: RunSettings, deps: RunDeps, retry: RetryContext,
): Promise<{ rows: F; sources: RowSources; unserved: Interval[] }> {
  const d = job.spec.dataset;
  const unserved: Interval[] = [];
  // pages are copied into the store's columns (storeColumns) as they come, not kept to be joined
  const sink: { pages: SeriesBuilder<F>; sources: RowSources } = { pages, sources: target?.resumed?.sources ?? {} };
  const done: Interval[] = [...(target?.resumed?.covered ?? [])];
  let reached: Interval | undefined;
  const clock = new CheckpointClock(s.checkpointMs);
  const save = (t: CheckpointTarget<F>) => saveCheckpoint(d, job.path, t.id, concatSeries([...(t.resumed ? [t.resumed.rows] : []), ...(pages.length > 0 ? [pages.frame()!] : [])]),
    { v: 3, base: t.base, params: t.params, covered: mergeIntervals(reached ? [...done, reached] : done), ...withSources(sink.sources) });
  try {
    for (const want of plan) {
      const pager = source.pager(job.tf, want.to);
      const afterPage = target ? async (cursor: number) => {
        reached = { from: want.from, to: Math.min(cursor, want.to) };
        if (clock.due()) await clock.run(() => save(target));
      } : undefined;
      const onPage = (cursor: number, rows: number) => deps.progress?.page({
        dataset: d.name, symbol: job.symbol, timeframe: job.tf.name, since: want.from, until: want.to, reached: cursor, rows,
      });
      await fetchSeries(pager, { from: want.from, until: want.to }, retry, Object.assign(sink, { afterPage }), onPage);
      unserved.push(...(pager.unserved?.() ?? []));
      done.push(want);
      reached = undefined;
    }
  } catch (e) {
    if (target && pages.length > 0) {
      await save(target).then(
        () => deps.log.warn({ symbol: job.symbol, timeframe: job.tf.name }, 'kept what was fetched as a resume checkpoint'),
        (err: Error) => deps.log.warn({ err: err.message }, 'could not write a resume checkpoint'),
      );
    }
    throw e;
  }
  return { rows: pages.frame() ?? emptyLike<F>(job), sources: sink.sources, unserved };
}

/** Rows of a plan on a grid (one per period, a month counted as 30 days; capped at 2^24): the builder's first size. */
function expectedRows<F extends SeriesFrame>(job: StoreJob<F>, plan: readonly Interval[]): number {
  if (job.spec.dataset.series !== 'grid') return 0;
  const rows = plan.reduce((n, p) => n + Math.ceil((p.to - p.from) / job.tf.ms), 0);
  return Number.isFinite(rows) ? Math.min(rows, 1 << 24) : 0;
}

function withSources(s: RowSources): { sources?: string } {
  const text = rowSourcesToJson(s);
  return text ? { sources: text } : {};
}

function emptyLike<F extends SeriesFrame>(job: StoreJob<F>): F {
  return Object.fromEntries(job.spec.dataset.columns.map((c) => [c.key, new Float64Array(0)])) as F;
}

/** How many rows the new frame has before the stored first row and after the stored last one. */
function addedAround(stored: SeriesFrame | undefined, frame: SeriesFrame): { prepended: number; appended: number } {
  if (!stored || stored.time.length === 0) return { prepended: 0, appended: frame.time.length };
  const a = lowerBoundTime(frame.time, stored.time[0]!);
  const b = lowerBoundTime(frame.time, stored.time[stored.time.length - 1]!) + 1;
  return { prepended: a, appended: frame.time.length - b };
}

function minTime(time: Float64Array): number {
  let m = Infinity;
  for (let i = 0; i < time.length; i++) if (time[i]! < m) m = time[i]!;
  return m;
}
