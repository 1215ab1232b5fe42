import { coverage, intervalsFromJson } from '../core/interval.js';
import { textOf } from '../core/text-codes.js';
import { LIQUIDATIONS } from '../datasets/liquidations.js';
import { listStores, readStoreColumns } from '../store/store-read.js';
import { canonicalExchange, exchangeNames } from '../exchange/venue.js';

const DAY = 86_400_000;

/** One day store of a venue's liquidations, summarized for `list`, `liquidations list` and `status`. */
export interface LiquidationDaySummary {
  readonly exchange: string | undefined;
  readonly day: string;
  readonly events: number;
  readonly symbols: number;
  /** `complete` or `sampled`: what the venue's feed sends (from the footer; unknown for an earlier version's file). */
  readonly feed: string | null;
  /** Connected time inside the day (up to now, for today), ms. */
  readonly coveredMs: number;
  readonly spanMs: number;
  readonly gaps: { from: string; to: string }[];
  readonly path: string;
}

/** Every liquidations day store of the data folder (of one venue, when given), summarized. */
export async function liquidationDays(dataDir: string, now: number, venue?: string): Promise<LiquidationDaySummary[]> {
  const out: LiquidationDaySummary[] = [];
  for (const ref of await listStores(dataDir, [LIQUIDATIONS], venue, venue ? exchangeNames(venue) : [])) {
    const { columns, meta } = await readStoreColumns(LIQUIDATIONS, ref.path, ['time', 'symbol']);
    const day = Date.parse(`${ref.timeframe}T00:00:00Z`);
    const end = Math.min(day + DAY, Math.max(day, now));
    const cov = coverage(intervalsFromJson(meta.coverage), day, end);
    const symbols = new Set(Array.from(columns['symbol'] ?? [], (c) => textOf(c)));
    out.push({
      exchange: ref.exchange === undefined ? undefined : canonicalExchange(ref.exchange), day: ref.timeframe, events: columns.time?.length ?? 0, symbols: symbols.size, feed: meta.feed ?? null,
      coveredMs: cov.covered, spanMs: end - day,
      gaps: cov.gaps.map((g) => ({ from: new Date(g.from).toISOString(), to: new Date(g.to).toISOString() })), path: ref.path,
    });
  }
  return out;
}
