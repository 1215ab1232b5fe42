/**
 * Liquidation events in memory, column by column (datasets/liquidations.ts): built from a feed's frames,
 * united with a stored day, told apart by all their values. Pure: no clock, no files, no network.
 */
import { allocSeries, type SeriesFrame } from '../core/dataset.js';
import { textCode, textOf } from '../core/text-codes.js';
import { eventKey, LIQUIDATIONS } from '../datasets/liquidations.js';
import type { LiquidationFields } from './feed.js';

export { coverage, clip, unite, type Interval } from '../core/interval.js';
export { eventKey };

const DAY = 86_400_000;
const KEYS = LIQUIDATIONS.columns.map((c) => c.key);
const TEXT = new Set(LIQUIDATIONS.columns.filter((c) => c.type === 'text').map((c) => c.key));

/** Events appended one by one into growing columns (no row objects kept). */
export class EventColumns {
  private readonly cols: Record<string, number[]> = Object.fromEntries(KEYS.map((k) => [k, []]));

  get length(): number {
    return this.cols['time']!.length;
  }

  add(e: LiquidationFields): void {
    for (const k of KEYS) {
      const v = (e as unknown as Record<string, unknown>)[k];
      this.cols[k]!.push(TEXT.has(k) ? (typeof v === 'string' ? textCode(v) : NaN) : typeof v === 'number' ? v : NaN);
    }
  }

  frame(): SeriesFrame {
    return Object.fromEntries(KEYS.map((k) => [k, Float64Array.from(this.cols[k]!)])) as SeriesFrame;
  }
}

/**
 * The events of a frame once each (the first reception kept), in a stable order: trade time, symbol, event
 * time, then all values.
 */
export function distinctEvents(f: SeriesFrame): SeriesFrame {
  const keys = Array.from(f.time, (_, i) => eventKey(f, i));
  const seen = new Set<string>();
  const rows: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    if (seen.has(keys[i]!)) continue;
    seen.add(keys[i]!);
    rows.push(i);
  }
  const sym = (i: number) => textOf(f['symbol']![i]!) ?? '';
  rows.sort((a, b) => f.time[a]! - f.time[b]! || sym(a).localeCompare(sym(b)) || f['eventTime']![a]! - f['eventTime']![b]! || keys[a]!.localeCompare(keys[b]!));
  return pick(f, rows);
}

/** The rows of a frame whose trade time falls on the UTC day starting at `day`. */
export function eventsOfDay(f: SeriesFrame, day: number): SeriesFrame {
  const rows: number[] = [];
  for (let i = 0; i < f.time.length; i++) if (f.time[i]! >= day && f.time[i]! < day + DAY) rows.push(i);
  return pick(f, rows);
}

/** The UTC days (midnights) a frame's events fall on. */
export function daysOf(f: SeriesFrame): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < f.time.length; i++) out.add(Math.floor(f.time[i]! / DAY) * DAY);
  return out;
}

/** The side of the position each order closed (a SELL closes a long), where a day file of an earlier version lacks it. */
export function withPositionSides(f: SeriesFrame): SeriesFrame {
  const sell = textCode('SELL');
  const long = textCode('long');
  const short = textCode('short');
  const side = f['side']!;
  return { ...f, positionSide: Float64Array.from(f['positionSide']!, (v, i) => (Number.isNaN(v) ? (side[i] === sell ? long : short) : v)) } as SeriesFrame;
}

/** No events. */
export function noEvents(): SeriesFrame {
  return allocSeries(LIQUIDATIONS, 0);
}

function pick(f: SeriesFrame, rows: readonly number[]): SeriesFrame {
  return Object.fromEntries(Object.entries(f).map(([k, col]) => [k, Float64Array.from(rows, (i) => col[i]!)])) as SeriesFrame;
}
