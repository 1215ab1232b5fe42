import { UsageError } from '../core/errors.js';

/**
 * Faults the simulator can inject, deterministically: each rule fires on the Nth request (1-based)
 * among those matching its path and symbol. A connection reset comes in three phases: `reset-before`
 * (closed before any byte of the answer), `reset-headers` (the status and headers sent, then closed) and
 * `reset` (half the body sent, then closed). A refusal for the rate limit is each venue's own: `429`,
 * `418` (a ban), `403` (a ban), `rate-200` (a refusal inside an HTTP 200 answer).
 *
 *   spec  := rule ("," rule)*
 *   rule  := kind [":" SYMBOL] ["@" path] ["#" range]      e.g. 500@klines#3, reset:ETHUSDT#2-3, delist:BTCUSDT#5
 *   range := N | N-M | N+                                   default 1
 *   path  := a substring of the request path               default "klines"
 */
export const FAULT_KINDS = [
  '429', '418', '403', 'rate-200', '500', '502', '503', 'hang', 'reset-before', 'reset-headers', 'reset', 'bad-json', 'html',
  'empty', 'overlap', 'shuffle', 'bad-values', 'delist',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  readonly kind: FaultKind;
  readonly symbol?: string;
  readonly path: string;
  readonly from: number;
  /** Inclusive; Infinity for "N+". */
  readonly to: number;
  /** Seconds for Retry-After on 429/418. */
  readonly retryAfter?: number;
}

/** Parse a fault spec (the DSL above, or a JSON array of FaultRule). */
export function parseFaultSpec(spec: string): FaultRule[] {
  const text = spec.trim();
  if (text === '') return [];
  if (text.startsWith('[')) return (JSON.parse(text) as Partial<FaultRule>[]).map((r) => checkRule({ path: 'klines', from: 1, to: 1, ...r }, text));
  return text.split(',').map((part) => parseRule(part.trim(), spec));
}

function parseRule(part: string, spec: string): FaultRule {
  const m = /^([a-z0-9-]+)(?::([A-Z0-9][A-Z0-9-]*))?(?:@([A-Za-z0-9/_.-]+))?(?:#(\d+)(?:-(\d+)|(\+))?)?$/.exec(part);
  if (!m) throw new UsageError(`--faults "${spec}": cannot read "${part}" (expected kind[:SYMBOL][@path][#N|#N-M|#N+], e.g. 500@klines#3)`);
  const from = Number(m[4] ?? 1);
  const to = m[6] ? Infinity : Number(m[5] ?? from);
  return checkRule({ kind: m[1] as FaultKind, symbol: m[2], path: m[3] ?? 'klines', from, to }, spec);
}

function checkRule(r: Partial<FaultRule>, spec: string): FaultRule {
  if (!FAULT_KINDS.includes(r.kind as FaultKind)) {
    throw new UsageError(`--faults "${spec}": unknown fault "${r.kind}" (expected one of ${FAULT_KINDS.join(' ')})`);
  }
  return r as FaultRule;
}

/** Counts matching requests per rule and says which fault, if any, applies to this one. */
export class FaultPlan {
  private readonly seen: number[];

  constructor(readonly rules: readonly FaultRule[]) {
    this.seen = rules.map(() => 0);
  }

  /** How many times each kind of fault has fired so far (for tests). */
  readonly fired = new Map<FaultKind, number>();
  /** The rules that have fired at least once (for tests). */
  readonly firedRules = new Set<FaultRule>();

  pick(path: string, symbol: string | null): FaultRule | undefined {
    let hit: FaultRule | undefined;
    this.rules.forEach((r, i) => {
      if (!path.includes(r.path) || (r.symbol !== undefined && r.symbol !== symbol)) return;
      const n = ++this.seen[i]!;
      if (!hit && n >= r.from && n <= r.to) hit = r;
    });
    if (hit) {
      this.fired.set(hit.kind, (this.fired.get(hit.kind) ?? 0) + 1);
      this.firedRules.add(hit);
    }
    return hit;
  }
}

/** The faults that spoil an answer's rows rather than replace the answer. */
export const ROW_FAULTS: readonly FaultKind[] = ['empty', 'shuffle', 'bad-values'];

/**
 * Spoil an answer's rows in place, the same way in every dialect: emptied, shuffled, or (rows of `[time,
 * open, high, low, close, …]`) one row each with null, NaN, an empty string, zero and negative prices, and
 * one with High < Low. Other kinds leave the rows as they are.
 */
export function spoilRows(kind: FaultKind, rows: unknown[], rng: () => number): void {
  if (kind === 'empty') rows.length = 0;
  else if (kind === 'shuffle') {
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
  } else if (kind === 'bad-values' && Array.isArray(rows[0])) {
    const spoilers: ((r: unknown[]) => void)[] = [
      (r) => { r[1] = null; },
      (r) => { r[4] = 'NaN'; },
      (r) => { r[2] = ''; },
      (r) => { r[3] = '0'; },
      (r) => { r[4] = '-1.5'; },
      (r) => { [r[2], r[3]] = [r[3], r[2]]; },
    ];
    for (const spoil of spoilers) {
      const r = rows[Math.floor(rng() * rows.length)] as unknown[] | undefined;
      if (r) spoil(r);
    }
  }
}
