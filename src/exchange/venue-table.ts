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
  /** The same, short (the README's table). */
  readonly depthShort: string;
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
    const groups = depthGroups(periods, d.servedFrom, now);
    const archives = archived.length ? archived.join(', ') : undefined;
    const depth = (groups.length === 1 ? groups[0]!.text : groups.map((g) => `${g.periods.join(' ')}: ${g.text}`).join('; ')) + (archives ? ` (archives: ${archives})` : '');
    // the README's short form: the shallowest and the deepest period, days without "last"
    const bare = (g: DepthGroup) => g.text.replace(/^last /, '');
    const first = groups[0]!;
    const last = groups[groups.length - 1]!;
    const depthShort = (groups.length === 1 ? bare(first) : `${bare(first)} (${first.periods[0]}) to ${bare(last)} (${last.periods[last.periods.length - 1]})`) + (archives ? `; archives: ${archives}` : '');
    return { venue: p.id, dataset, periods, markets: d.markets, depth, depthShort, served: d.served };
  });
  return {
    venue: p.id, name: p.name, ccxtId: p.ccxtId, timeframes: p.timeframes, budget: p.budget?.summary ?? 'none',
    liquidations: p.liquidations?.completeness ?? 'none', archives: p.archives !== undefined, datasets,
  };
}

interface DepthGroup { readonly periods: readonly string[]; readonly text: string }

/** Periods with the same depth together, shallowest first: "5m: last 5 d", "1d: since 2024-01-01"; one group "from listing" when the venue serves all. */
function depthGroups(periods: readonly string[], servedFrom: ((now: number, tf: ReturnType<typeof parseTimeframe>) => number) | undefined, now: number): DepthGroup[] {
  if (!servedFrom) return [{ periods, text: 'from listing' }];
  const groups = new Map<string, string[]>();
  // settlements have no period: their depth at an hour's grid
  for (const name of periods.length ? periods : ['1h']) {
    const tf = parseTimeframe(name);
    const from = servedFrom(now, tf);
    const later = servedFrom(now + 30 * DAY, tf);
    const text = later === from ? `since ${new Date(from).toISOString().slice(0, 10)}` : `last ${Math.ceil((now - from) / DAY)} d`;
    groups.set(text, [...(groups.get(text) ?? []), name]);
  }
  return [...groups].map(([text, tfs]) => ({ periods: tfs, text }));
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
  const lines = [`| dataset | ${rows.map((v) => v.name).join(' | ')} |`, `| --- |${rows.map(() => ' --- |').join('')}`];
  for (const n of names) lines.push(`| ${n} | ${rows.map((v) => { const d = v.datasets.find((x) => x.dataset === n); return d ? d.depthShort : '—'; }).join(' | ')} |`);
  lines.push(`| liquidations | ${rows.map((v) => (v.liquidations === 'none' ? '—' : `live, ${v.liquidations}`)).join(' | ')} |`);
  return lines.join('\n');
}
