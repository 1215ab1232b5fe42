/** Time spans [from, to) in epoch ms: spans fetched, spans a recorder was connected, spans lost. Pure. */
export interface Interval {
  readonly from: number;
  readonly to: number;
}

/** The union of intervals, sorted, touching ones joined. */
export function unite(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].filter((i) => i.to > i.from).sort((a, b) => a.from - b.from);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.from <= last.to) out[out.length - 1] = { from: last.from, to: Math.max(last.to, i.to) };
    else out.push(i);
  }
  return out;
}

/** The intervals cut to [from, to). */
export function clip(intervals: readonly Interval[], from: number, to: number): Interval[] {
  return intervals.map((i) => ({ from: Math.max(i.from, from), to: Math.min(i.to, to) })).filter((i) => i.to > i.from);
}

/** The intervals less the spans cut out of them. */
export function subtract(intervals: readonly Interval[], cuts: readonly Interval[]): Interval[] {
  return cuts.reduce<Interval[]>((left, cut) => left.flatMap((i) => [
    { from: i.from, to: Math.min(i.to, cut.from) },
    { from: Math.max(i.from, cut.to), to: i.to },
  ].filter((x) => x.to > x.from)), [...intervals]);
}

/** Covered time of [from, to), and the gaps not covered. */
export function coverage(intervals: readonly Interval[], from: number, to: number): { covered: number; gaps: Interval[] } {
  const inside = unite(clip(intervals, from, to));
  const gaps: Interval[] = [];
  let at = from;
  for (const i of inside) {
    if (i.from > at) gaps.push({ from: at, to: i.from });
    at = i.to;
  }
  if (at < to) gaps.push({ from: at, to });
  return { covered: inside.reduce((s, i) => s + i.to - i.from, 0), gaps };
}

/** Intervals kept as JSON (`[[from, to], …]`, a store footer's coverage); none when absent or unreadable. */
export function intervalsFromJson(text: string | undefined): Interval[] {
  if (!text) return [];
  try {
    const spans = JSON.parse(text) as unknown;
    return Array.isArray(spans) ? spans.filter((x): x is [number, number] => Array.isArray(x) && typeof x[0] === 'number' && typeof x[1] === 'number').map(([from, to]) => ({ from, to })) : [];
  } catch {
    return [];
  }
}

/** Spans kept as JSON objects (`[{"from": …, "to": …}]`, a footer's `qml.unrecoverable`); none when absent or unreadable. */
export function spansFromJson(text: string | undefined): Interval[] {
  if (!text) return [];
  try {
    const spans = JSON.parse(text) as unknown;
    return Array.isArray(spans) ? spans.filter((x): x is Interval => !!x && typeof x.from === 'number' && typeof x.to === 'number').map(({ from, to }) => ({ from, to })) : [];
  } catch {
    return [];
  }
}

/** Intervals as JSON, the form intervalsFromJson reads. */
export function intervalsToJson(intervals: readonly Interval[]): string {
  return JSON.stringify(intervals.map((i) => [i.from, i.to]));
}
