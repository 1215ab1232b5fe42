import { parseTimeframe } from '../core/timeframe.js';
import type { VenueProfile } from './venue.js';

const DAY = 86_400_000;

/** One dataset as a venue serves it: what `qml-data venues` prints and the docs' venues table holds. */
export interface VenueDatasetRow {
  readonly venue: string;
  readonly dataset: string;
  readonly periods: readonly string[];
  readonly markets: 'perpetual' | 'any';
  /** How much history the venue serves: from listing, since a date, or the last so many days, by period. */
  readonly depth: string;
  readonly served: string;
}

export interface VenueRow {
  readonly venue: string;
  readonly name: string;
  readonly ccxtId: string;
  readonly timeframes: readonly string[];
  readonly budget: string;
  readonly liquidations: 'complete' | 'sampled' | 'none';
  readonly archives: boolean;
  readonly datasets: readonly VenueDatasetRow[];
}

/**
 * A venue's profile as rows: every dataset it serves with its periods and the depth of history it serves
 * at `now` (a rolling window is given in days; a window whose start does not move with `now` is a date).
 */
export function venueRows(p: VenueProfile, now: number, periodless: (dataset: string) => boolean = () => false): VenueRow {
  const datasets = Object.entries(p.datasets).map(([dataset, d]): VenueDatasetRow => {
    const periods = periodless(dataset) ? [] : d.timeframes ?? p.timeframes;
    const archived = periods.flatMap((name) => { const from = d.archiveFrom?.(parseTimeframe(name)); return from === undefined ? [] : [`${name} since ${new Date(from).toISOString().slice(0, 10)}`]; });
    const depth = depthOf(periods, d.servedFrom, now) + (archived.length ? ` (archives: ${archived.join(', ')})` : '');
    return { venue: p.id, dataset, periods, markets: d.markets, depth, served: d.served };
  });
  return {
    venue: p.id, name: p.name, ccxtId: p.ccxtId, timeframes: p.timeframes, budget: p.budget?.summary ?? 'none',
    liquidations: p.liquidations?.completeness ?? 'none', archives: p.archives !== undefined, datasets,
  };
}

function depthOf(periods: readonly string[], servedFrom: ((now: number, tf: ReturnType<typeof parseTimeframe>) => number) | undefined, now: number): string {
  if (!servedFrom) return 'from listing';
  // periods with the same depth together: "5m 5 d; 1h 60 d; 1d since 2024-01-01"
  const groups = new Map<string, string[]>();
  // settlements have no period: their depth at an hour's grid
  for (const name of periods.length ? periods : ['1h']) {
    const tf = parseTimeframe(name);
    const from = servedFrom(now, tf);
    const later = servedFrom(now + 30 * DAY, tf);
    const text = later === from ? `since ${new Date(from).toISOString().slice(0, 10)}` : `last ${Math.round((now - from) / DAY)} d`;
    groups.set(text, [...(groups.get(text) ?? []), name]);
  }
  if (groups.size === 1) return [...groups.keys()][0]!;
  return [...groups].map(([text, tfs]) => `${tfs.join(' ')}: ${text}`).join('; ');
}

/** The venues as one Markdown table, a row per venue and dataset (the docs hold it; a test keeps them equal). */
export function venuesMarkdown(rows: readonly VenueRow[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = ['| venue | dataset | periods | markets | history served | what the venue sends |', '| --- | --- | --- | --- | --- | --- |'];
  for (const v of rows) {
    for (const d of v.datasets) {
      const periods = d.periods.length === 0 ? 'settlements' : d.periods.length > 9 ? `${d.periods[0]} … ${d.periods[d.periods.length - 1]} (${d.periods.length})` : d.periods.join(' ');
      lines.push(`| ${v.venue} | ${d.dataset} | ${periods} | ${d.markets === 'any' ? 'spot, perpetual' : 'perpetual'} | ${esc(d.depth)} | ${esc(d.served)} |`);
    }
    lines.push(`| ${v.venue} | liquidations | events | perpetual | live only | ${v.liquidations === 'none' ? 'no stream' : `a ${v.liquidations} stream`} |`);
  }
  return lines.join('\n');
}

/** Datasets × venues, each cell the history served (short), for the README. */
export function venuesMatrix(rows: readonly VenueRow[]): string {
  const names = [...new Set(rows.flatMap((v) => v.datasets.map((d) => d.dataset)))];
  const short = (depth: string): string => {
    const [rest, archive] = depth.split(' (archives: ');
    if (archive) return `${short(rest!)}; archives: ${archive.replace(/\)$/, '')}`;
    const parts = depth.split('; ');
    if (parts.length === 1) return depth.replace(/^last /, '');
    const tail = (s: string) => s.replace(/^.*: /, '').replace(/^last /, '');
    return `${tail(parts[0]!)} (${parts[0]!.split(':')[0]!.split(' ')[0]}) to ${tail(parts[parts.length - 1]!)} (${parts[parts.length - 1]!.split(':')[0]!.split(' ').pop()})`;
  };
  const lines = [`| dataset | ${rows.map((v) => v.name).join(' | ')} |`, `| --- |${rows.map(() => ' --- |').join('')}`];
  for (const n of names) lines.push(`| ${n} | ${rows.map((v) => { const d = v.datasets.find((x) => x.dataset === n); return d ? short(d.depth) : '—'; }).join(' | ')} |`);
  lines.push(`| liquidations | ${rows.map((v) => (v.liquidations === 'none' ? '—' : `live, ${v.liquidations}`)).join(' | ')} |`);
  return lines.join('\n');
}
