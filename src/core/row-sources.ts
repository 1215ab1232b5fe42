import { intervalsFromJson, intervalsToJson, subtract, unite, type Interval } from './interval.js';

/**
 * Which rows of a store came from which source (`archive`: a venue's published files; `rest`: its API),
 * as time spans [from, to) per source, epoch ms. A store keeps them in its footer (`qml.row_sources`,
 * JSON `{"archive": [[from, to], …], "rest": […]}`), so a reader can tell an archived row (which may lack
 * fields the API serves) from a fetched one. Pure.
 */
export type RowSources = Readonly<Record<string, readonly Interval[]>>;

/** A footer's row sources; none when absent or unreadable. */
export function rowSourcesFromJson(text: string | undefined): RowSources {
  if (!text) return {};
  try {
    const o = JSON.parse(text) as unknown;
    if (!o || typeof o !== 'object' || Array.isArray(o)) return {};
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, intervalsFromJson(JSON.stringify(v))]));
  } catch {
    return {};
  }
}

/** Row sources as the footer keeps them; undefined when there are none. */
export function rowSourcesToJson(s: RowSources): string | undefined {
  const kept = Object.entries(s).filter(([, v]) => v.length > 0).sort(([a], [b]) => a.localeCompare(b));
  return kept.length > 0 ? `{${kept.map(([k, v]) => `${JSON.stringify(k)}:${intervalsToJson(v)}`).join(',')}}` : undefined;
}

/** The spans of `fresh` laid over `old`: a span fetched now replaces what any source said of it before. */
export function laySources(old: RowSources, fresh: RowSources): RowSources {
  const cuts = Object.values(fresh).flat();
  const out: Record<string, Interval[]> = {};
  for (const [k, v] of Object.entries(old)) out[k] = subtract(v, cuts);
  for (const [k, v] of Object.entries(fresh)) out[k] = unite([...(out[k] ?? []), ...v]);
  return out;
}

/** Row sources with one more span. */
export function addSource(s: RowSources, source: string, span: Interval): RowSources {
  return { ...s, [source]: unite([...(s[source] ?? []), span]) };
}
