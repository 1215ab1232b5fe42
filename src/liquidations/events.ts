/**
 * Liquidation events as Binance's USDT-M `forceOrder` stream sends them, kept column by column.
 * Pure: parsing, keys, merging; no clock, no files, no network.
 *
 *   {"e":"forceOrder","E":1568014460893,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC",
 *    "q":"0.014","p":"9910","ap":"9910","X":"FILLED","l":"0.014","z":"0.014","T":1568014460893}}
 */

import { LIQUIDATION_COLUMNS } from '../datasets/liquidations.js';
import { numberOrNaN } from '../core/numbers.js';

export { LIQUIDATION_COLUMNS };

/** Events in memory: a Float64Array per numeric column (times in epoch ms), a string array per text column. */
export interface LiquidationFrame {
  readonly length: number;
  readonly numbers: Readonly<Record<string, Float64Array>>;
  readonly texts: Readonly<Record<string, readonly string[]>>;
}

/** One event as received: the raw order object and the event time. */
export interface RawLiquidation {
  readonly E: number;
  readonly o: Readonly<Record<string, unknown>>;
}

/**
 * Parse one frame of the stream: a bare event (`/ws/…`) or a combined-stream wrapper
 * (`{"stream":…,"data":…}`). Undefined for anything that is not a forceOrder event.
 */
export function parseLiquidation(text: string): RawLiquidation | undefined {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return undefined;
  }
  const m = (msg as { data?: unknown }).data ?? msg;
  const e = m as { e?: unknown; E?: unknown; o?: unknown };
  if (!e || e.e !== 'forceOrder' || typeof e.E !== 'number' || !e.o || typeof e.o !== 'object') return undefined;
  const o = e.o as Record<string, unknown>;
  if (typeof o['s'] !== 'string' || typeof o['T'] !== 'number') return undefined;
  return { E: e.E, o };
}

/**
 * What makes two receptions the same event (a reconnect can deliver one twice): every field of it.
 * Binance gives liquidations no id; two distinct events never agree on all of these.
 */
export function liquidationKey(r: RawLiquidation): string {
  const o = r.o;
  return `${o['s']}|${o['T']}|${r.E}|${o['S']}|${o['q']}|${o['p']}|${o['ap']}|${o['X']}|${o['l']}|${o['z']}`;
}

/** UTC day (epoch ms of its midnight) an event belongs to: its trade time's. */
export function dayOf(r: RawLiquidation): number {
  const DAY = 86_400_000;
  return Math.floor(Number(r.o['T']) / DAY) * DAY;
}

/** Events as columns, sorted by trade time, then symbol, then event time (a stable, reproducible order). */
export function toFrame(events: readonly RawLiquidation[]): LiquidationFrame {
  const sorted = [...events].sort((a, b) => Number(a.o['T']) - Number(b.o['T']) || String(a.o['s']).localeCompare(String(b.o['s'])) || a.E - b.E
    || liquidationKey(a).localeCompare(liquidationKey(b)));
  const numbers: Record<string, Float64Array> = {};
  const texts: Record<string, string[]> = {};
  for (const c of LIQUIDATION_COLUMNS) {
    if (c.type === 'string') texts[c.name] = sorted.map((r) => String(r.o[c.field] ?? ''));
    else numbers[c.name] = Float64Array.from(sorted, (r) => (c.field === 'E' ? r.E : numberOrNaN(r.o[c.field])));
  }
  return { length: sorted.length, numbers, texts };
}

/** Back from columns to events (to merge a stored day with journaled events). */
export function fromFrame(f: LiquidationFrame): RawLiquidation[] {
  const out: RawLiquidation[] = [];
  for (let i = 0; i < f.length; i++) {
    const o: Record<string, unknown> = {};
    let E = 0;
    for (const c of LIQUIDATION_COLUMNS) {
      if (c.field === 'E') E = f.numbers[c.name]![i]!;
      else if (c.type === 'string') o[c.field] = f.texts[c.name]![i]!;
      else if (c.type === 'timestamp') o[c.field] = f.numbers[c.name]![i]!;
      // numbers as Binance's text, so keys of stored and received events agree
      else o[c.field] = String(f.numbers[c.name]![i]!);
    }
    out.push({ E, o });
  }
  return out;
}

/** Events without repeats, first reception kept. */
export function distinct(events: Iterable<RawLiquidation>): RawLiquidation[] {
  const seen = new Map<string, RawLiquidation>();
  for (const e of events) {
    const k = liquidationKey(normalized(e));
    if (!seen.has(k)) seen.set(k, e);
  }
  return [...seen.values()];
}

/** Numeric text as the number it is ("0.0140" and "0.014" are one quantity). */
function normalized(e: RawLiquidation): RawLiquidation {
  const o: Record<string, unknown> = { ...e.o };
  for (const c of LIQUIDATION_COLUMNS) if (c.type === 'double') o[c.field] = String(Number(o[c.field]));
  return { E: e.E, o };
}

/** Time intervals [from, to): a recorder's connected periods. */
export interface Interval { readonly from: number; readonly to: number }

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

/** Covered time and the gaps of [from, to) not covered. */
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
