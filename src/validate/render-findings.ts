import type { Finding, GapItem, Status } from './findings.js';

/** Which store, and the time range it holds. */
export interface StoreSummary {
  /** The dataset (`ohlcv`, `funding`, …). */
  readonly dataset: string;
  /** The venue whose store it is (undefined: an unlabelled store of an earlier version). */
  readonly exchange?: string | undefined;
  readonly symbol: string;
  readonly timeframe: string;
  readonly path: string;
  readonly rows: number;
  readonly first: string | null;
  readonly last: string | null;
}

/** One store's validation result, as printed by `validate` and `validate --json`. */
export interface StoreHealth extends StoreSummary {
  readonly status: Status;
  readonly findings: readonly Finding[];
}

const MAX_TEXT_ITEMS = 5;

/** Human-readable report: one header line per store, one indented line per finding. */
export function renderHealthText(stores: readonly StoreHealth[]): string {
  const lines: string[] = [];
  for (const s of stores) {
    const range = s.first ? `${s.first} → ${s.last}` : 'no rows';
    const what = s.dataset === 'ohlcv' ? s.timeframe : `${s.dataset}${s.timeframe ? ` ${s.timeframe}` : ''}`;
    lines.push(`${s.status.toUpperCase().padEnd(4)} ${s.exchange ? `${s.exchange} ` : ''}${s.symbol} ${what}  ${s.rows} rows  ${range}  ${s.path}`);
    for (const f of s.findings) lines.push(...renderFinding(f));
  }
  const failed = stores.filter((s) => s.status === 'fail').length;
  const warned = stores.filter((s) => s.status === 'warn').length;
  lines.push(`${stores.length} store(s): ${stores.length - failed - warned} ok, ${warned} warn, ${failed} fail`);
  return lines.join('\n');
}

function renderFinding(f: Finding): string[] {
  const out = [`  ${f.severity} ${f.code}: ${f.message}`];
  const items = f.items ?? [];
  for (const item of items.slice(0, MAX_TEXT_ITEMS)) out.push(`      ${renderItem(item)}`);
  // Items are examples (at most 10 rows) or every gap; the count is always the true total.
  const total = Math.max(items.length, f.count);
  const shown = Math.min(items.length, MAX_TEXT_ITEMS);
  if (items.length > 0 && total > shown) out.push(`      … and ${total - shown} more${items.length > shown ? ' (see --json)' : ''}`);
  return out;
}

function renderItem(item: NonNullable<Finding['items']>[number]): string {
  if ('missing' in item) return gapText(item);
  if ('time' in item) return item.time;
  return item.column;
}

function gapText(g: GapItem): string {
  return g.start === g.end ? `${g.start} (${g.missing} missing)` : `${g.start} → ${g.end} (${g.missing} missing)`;
}
