import { unite, type Interval } from '../core/interval.js';
import { lowerBoundTime } from '../core/time-search.js';

const DAY = 86_400_000;

/** What a heatmap cell says of one store on one UTC day. */
export const CELL_STATES = ['complete', 'gap', 'unrecoverable', 'maintenance'] as const;
export type CellState = typeof CELL_STATES[number];

/** One store's coverage, day by day over the report's window: one typed array per column. */
export interface StoreCoverage {
  /** Day index from the window's first day (0 = `from`). */
  readonly day: Int32Array;
  readonly present: Float64Array;
  /** Rows the grid wants that day within the store's span (events: the rows present, or 1 on a day without any). */
  readonly expected: Float64Array;
  /** First and last missing open time of the day (NaN when none is missing). */
  readonly firstMissing: Float64Array;
  readonly lastMissing: Float64Array;
  /** The missing runs [from, to) within the window, for telling a venue-wide halt from a store's own gap. */
  readonly missing: readonly Interval[];
}

export interface CoverageInput {
  /** The store's row times, ascending (epoch ms). */
  readonly time: Float64Array;
  /** The grid step (ms) of a series on a grid; undefined for events (funding settlements). */
  readonly stepMs?: number;
  /** The report's window: whole UTC days [from, to). */
  readonly from: number;
  readonly to: number;
  /** Where the group's data reaches (the newest row of the venue's stores of this dataset and timeframe, + one step). */
  readonly asOf: number;
}

/**
 * Day-by-day coverage of one store: rows present against the rows its grid wants from its first row to
 * `asOf`, and the runs of missing rows. Days before the first row want nothing (listing, or `--since`);
 * days after the last row up to `asOf` want rows (a store that stopped updating shows as missing). Pure.
 */
export function storeCoverage(c: CoverageInput): StoreCoverage {
  const { time, stepMs, from, to } = c;
  const end = Math.min(to, c.asOf);
  const first = time[0];
  const days = first === undefined ? 0 : Math.max(0, Math.ceil((end - from) / DAY));
  const out = { day: [] as number[], present: [] as number[], expected: [] as number[], firstMissing: [] as number[], lastMissing: [] as number[] };
  const missing: Interval[] = [];
  if (first === undefined) return freeze(out, missing);
  for (let d = 0; d < days; d++) {
    const dayFrom = from + d * DAY;
    const dayTo = Math.min(dayFrom + DAY, end);
    const a = lowerBoundTime(time, dayFrom);
    const b = lowerBoundTime(time, dayTo);
    const present = b - a;
    if (stepMs === undefined) {
      // events: a day inside the series with none is missing; otherwise whole
      if (dayTo <= first) continue;
      out.day.push(d); out.present.push(present); out.expected.push(Math.max(present, 1));
      if (present === 0) {
        out.firstMissing.push(dayFrom); out.lastMissing.push(dayTo - 1);
        missing.push({ from: dayFrom, to: dayTo });
      } else {
        out.firstMissing.push(NaN); out.lastMissing.push(NaN);
      }
      continue;
    }
    const gridFrom = Math.max(Math.ceil(dayFrom / stepMs) * stepMs, Math.ceil(first / stepMs) * stepMs);
    const expected = gridFrom < dayTo ? Math.ceil((dayTo - gridFrom) / stepMs) : 0;
    if (expected === 0) continue;
    out.day.push(d); out.present.push(present); out.expected.push(expected);
    let firstMiss = NaN;
    let lastMiss = NaN;
    if (present < expected) {
      // walk the grid against the rows: each run of grid times without a row is one missing run
      let i = lowerBoundTime(time, gridFrom);
      let runFrom = NaN;
      for (let t = gridFrom; t < dayTo; t += stepMs) {
        while (i < b && time[i]! < t) i++;
        const has = i < b && time[i] === t;
        if (!has) {
          if (Number.isNaN(firstMiss)) firstMiss = t;
          lastMiss = t;
          if (Number.isNaN(runFrom)) runFrom = t;
        } else if (!Number.isNaN(runFrom)) {
          missing.push({ from: runFrom, to: t });
          runFrom = NaN;
        }
      }
      if (!Number.isNaN(runFrom)) missing.push({ from: runFrom, to: lastMiss + stepMs });
    }
    out.firstMissing.push(firstMiss); out.lastMissing.push(lastMiss);
  }
  return freeze(out, unite(missing));
}

function freeze(o: { day: number[]; present: number[]; expected: number[]; firstMissing: number[]; lastMissing: number[] }, missing: Interval[]): StoreCoverage {
  return { day: Int32Array.from(o.day), present: Float64Array.from(o.present), expected: Float64Array.from(o.expected), firstMissing: Float64Array.from(o.firstMissing), lastMissing: Float64Array.from(o.lastMissing), missing };
}

/** A store's coverage with what its venue's other stores say: for classifying its missing runs. */
export interface CoverageOfStore {
  /** The stores a halt is looked for across: a venue's stores of one timeframe (`<venue> 5m`). */
  readonly group: string;
  readonly coverage: StoreCoverage;
  /** The store's span [first row, asOf): a store covers a time when the time is inside it. */
  readonly span: Interval;
  /** Spans the store records as unrecoverable (footer `qml.unrecoverable`). */
  readonly unrecoverable: readonly Interval[];
}

/** At least this share of a venue's stores spanning a time must miss it for a venue-wide halt. */
export const HALT_SHARE = 0.8;
/** And at least this many stores. */
export const HALT_STORES = 3;

/**
 * The state of each store's each covered day (an index into CELL_STATES): `complete`; `unrecoverable` when
 * every missing row of the day is in a span the store records as unrecoverable; `maintenance` when every one
 * is in a run that most of the group's stores spanning it miss too (a venue-wide halt: at least HALT_SHARE of them and HALT_STORES);
 * `gap` otherwise. Returned per store, aligned with its coverage's days. Pure.
 */
export function classifyDays(stores: readonly CoverageOfStore[]): Uint8Array[] {
  const halts = venueHalts(stores);
  return stores.map((s) => {
    const c = s.coverage;
    const states = new Uint8Array(c.day.length);
    const venueHalt = halts.get(s.group) ?? [];
    for (let k = 0; k < c.day.length; k++) {
      if (c.present[k]! >= c.expected[k]!) continue; // complete (0)
      const day = { from: c.firstMissing[k]!, to: c.lastMissing[k]! + 1 };
      const runs = c.missing.filter((m) => m.to > day.from && m.from < day.to);
      const within = (spans: readonly Interval[]) => runs.every((r) => spans.some((x) => x.from <= Math.max(r.from, day.from) && Math.min(r.to, day.to) <= x.to));
      states[k] = within(s.unrecoverable) ? 2 : within(venueHalt) ? 3 : 1;
    }
    return states;
  });
}

/**
 * Venue-wide halts: the runs missing in at least HALT_SHARE (and HALT_STORES) of the venue's stores whose
 * span covers them, by a sweep over every run's edges.
 */
function venueHalts(stores: readonly CoverageOfStore[]): Map<string, Interval[]> {
  const out = new Map<string, Interval[]>();
  for (const group of new Set(stores.map((s) => s.group))) {
    const own = stores.filter((s) => s.group === group);
    const edges = new Set<number>();
    for (const s of own) for (const m of s.coverage.missing) { edges.add(m.from); edges.add(m.to); }
    const cuts = [...edges].sort((a, b) => a - b);
    const halts: Interval[] = [];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const piece = { from: cuts[i]!, to: cuts[i + 1]! };
      let spanning = 0;
      let missing = 0;
      for (const s of own) {
        if (s.span.from > piece.from || s.span.to < piece.to) continue;
        spanning++;
        if ((runAt(s.coverage.missing, piece.from)?.to ?? -Infinity) >= piece.to) missing++;
      }
      if (missing >= HALT_STORES && missing >= HALT_SHARE * spanning) {
        const last = halts[halts.length - 1];
        if (last && last.to === piece.from) halts[halts.length - 1] = { from: last.from, to: piece.to };
        else halts.push(piece);
      }
    }
    out.set(group, halts);
  }
  return out;
}

/** The run (sorted, disjoint) holding time t, by binary search. */
function runAt(runs: readonly Interval[], t: number): Interval | undefined {
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (runs[mid]!.to <= t) lo = mid + 1;
    else hi = mid;
  }
  const r = runs[lo];
  return r && r.from <= t ? r : undefined;
}
