import type { DatasetDescriptor, SeriesFrame } from '../core/dataset.js';
import { textOf } from '../core/text-codes.js';
import { intervalsFromJson } from '../core/interval.js';
import { checkLiquidationDay } from '../validate/check-liquidations.js';
import type { DatasetRecord } from './record.js';

/**
 * Liquidations as a venue's recorder keeps them: every symbol's forced orders of one UTC day in one store,
 * `<venue folder>/liquidations/<YYYY-MM-DD>.parquet`, in one schema for every venue. `side` is the order's
 * side (`BUY`/`SELL`) and `position_side` the side of the position liquidated (`long`/`short`): venues send
 * one or the other, and both follow from it. `quantity` is in the base coin (contracts times their size
 * where a venue counts contracts, which are kept in `contracts`), prices in the quote. What a venue does
 * not send is null. The footer
 * keeps the day's coverage (`qml.coverage`) and whether the venue's feed is complete or sampled (`qml.feed`).
 */
export const LIQUIDATIONS: DatasetDescriptor = {
  name: 'liquidations',
  rowName: 'event',
  columns: [
    { key: 'time', name: 'time', type: 'timestamp', nullable: false },
    { key: 'eventTime', name: 'event_time', type: 'timestamp', nullable: false },
    { key: 'symbol', name: 'symbol', type: 'text', nullable: false },
    { key: 'side', name: 'side', type: 'text', nullable: false },
    // follows from `side` (a SELL order closes a long): derived, so day files of earlier versions, without it, read and merge
    { key: 'positionSide', name: 'position_side', type: 'text', nullable: false, derived: true },
    { key: 'orderType', name: 'order_type', type: 'text', nullable: true },
    { key: 'timeInForce', name: 'time_in_force', type: 'text', nullable: true },
    { key: 'quantity', name: 'quantity', type: 'double', nullable: true },
    { key: 'contracts', name: 'contracts', type: 'double', nullable: true },
    { key: 'price', name: 'price', type: 'double', nullable: false },
    { key: 'averagePrice', name: 'average_price', type: 'double', nullable: true },
    { key: 'status', name: 'status', type: 'text', nullable: true },
    { key: 'lastFilled', name: 'last_filled', type: 'double', nullable: true },
    { key: 'filledAccumulated', name: 'filled_accumulated', type: 'double', nullable: true },
  ],
  series: 'events',
  merge: 'distinct',
  perTimeframe: false,
  scope: 'venue',
  partition: 'day',
  fileName: (day) => `${day}.parquet`,
  rowGroupRows: 100_000,
};

const IDENTITY = LIQUIDATIONS.columns.filter((c) => !c.derived).map((c) => c.key);
const TEXT = new Set(LIQUIDATIONS.columns.filter((c) => c.type === 'text').map((c) => c.key));

/** What makes two receptions one event (a reconnect can deliver one twice): every value of it. Venues give liquidations no id. */
export function eventKey(f: SeriesFrame, i: number): string {
  return IDENTITY.map((k) => {
    const v = f[k]![i]!;
    // numbers by value ("0.0140" and "0.014" are one quantity); texts by their text, not their process-local code
    return TEXT.has(k) ? textOf(v) ?? '' : Number.isNaN(v) ? '' : String(v);
  }).join('|');
}

/**
 * Liquidations: recorded from a venue's stream (the recorder merges its journal into the day stores),
 * never fetched; judged per day by its events and how much of the day the recorder was connected.
 */
export const LIQUIDATIONS_RECORD: DatasetRecord = {
  descriptor: LIQUIDATIONS,
  source: 'recorder',
  plan: 'recorded',
  derive: () => { throw new Error('liquidations are recorded, not fetched'); },
  deriveAfter: () => undefined,
  checks: {
    findings: (c, x) => {
      const n = c.time?.length ?? 0;
      const frame = Object.fromEntries(LIQUIDATIONS.columns.map((col) => [col.key, c[col.key] ?? new Float64Array(n).fill(NaN)])) as SeriesFrame;
      return checkLiquidationDay(frame, eventKey, intervalsFromJson(x.facts.coverage), Date.parse(`${x.timeframe}T00:00:00Z`), x.now);
    },
    gaps: () => 0,
    behind: () => null,
  },
};
