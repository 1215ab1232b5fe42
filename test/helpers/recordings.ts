import { readdir, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { ROOT } from './fixtures.js';

/**
 * A real answer of an exchange, recorded by someone else and kept with its source
 * (test/fixtures/recorded/<venue>/*.json). More recordings can be given in folders named by
 * QML_RECORDINGS (separated like PATH): every check that reads these runs over them too.
 */
export interface Recording {
  readonly file: string;
  readonly venue: string;
  /** The path asked (REST), or the websocket path with its query. */
  readonly route: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly kind?: 'rest' | 'websocket';
  readonly recorded: string;
  readonly source: string;
  readonly body?: unknown;
  /** Websocket frames, in the order received. */
  readonly frames?: readonly unknown[];
  /** Object keys a recording may have or lack (fields added or dropped over the years). */
  readonly optionalKeys?: readonly string[];
  /** Top-level keys of an object answer that the comparison is limited to. */
  readonly readKeys?: readonly string[];
  /** Whether the recorded key order is the exchange's (default true). */
  readonly keyOrder?: boolean;
  /** Positions (rows of arrays) or keys whose decimal places must match. */
  readonly strictDecimals?: readonly (number | string)[];
  /** Positions or keys whose values must match (counts that follow from the interval, constant placeholders). */
  readonly sameValues?: readonly (number | string)[];
  /** Query parameters the exchange ignores (the simulator is asked without them too). */
  readonly ignoresQuery?: readonly string[];
}

export const RECORDINGS_DIR = join(ROOT, 'test', 'fixtures', 'recorded');

/** Every recording of the repository, then those of QML_RECORDINGS. */
export async function readRecordings(): Promise<Recording[]> {
  const roots = [RECORDINGS_DIR, ...(process.env['QML_RECORDINGS'] ?? '').split(delimiter).filter(Boolean)];
  const out: Recording[] = [];
  for (const root of roots) {
    for (const venue of (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory())) {
      for (const name of (await readdir(join(root, venue.name))).filter((n) => n.endsWith('.json')).sort()) {
        const file = join(root, venue.name, name);
        out.push({ file, venue: venue.name, ...JSON.parse(await readFile(file, 'utf8')) as Omit<Recording, 'file' | 'venue'> });
      }
    }
  }
  return out;
}

type Kind = 'null' | 'boolean' | 'number' | 'empty-text' | 'numeric-text' | 'text' | 'array' | 'object';

function kindOf(v: unknown): Kind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return v === '' ? 'empty-text' : /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v) ? 'numeric-text' : 'text';
  return typeof v as Kind;
}

function decimals(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** The time a row stands for, to compare orderings: its open time, `timestamp`, `fundingTime`, `T`. */
function rowTime(row: unknown): number | undefined {
  if (Array.isArray(row)) return typeof row[0] === 'number' ? row[0] : undefined;
  if (row && typeof row === 'object') {
    const r = row as Record<string, unknown>;
    for (const k of ['timestamp', 'fundingTime', 'time', 'T']) if (typeof r[k] === 'number') return r[k] as number;
  }
  return undefined;
}

function orderOf(rows: readonly unknown[]): 'ascending' | 'descending' | undefined {
  const t = rows.map(rowTime).filter((x): x is number => x !== undefined);
  if (t.length < 2) return undefined;
  if (t.every((x, i) => i === 0 || x >= t[i - 1]!)) return 'ascending';
  if (t.every((x, i) => i === 0 || x <= t[i - 1]!)) return 'descending';
  return undefined;
}

/** What tells the elements of a mixed list apart (Binance's filters, rate limits). */
function discriminator(v: unknown): string | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const r = v as Record<string, unknown>;
  const d = r['filterType'] ?? r['rateLimitType'];
  return typeof d === 'string' ? `${d}|${String(r['interval'] ?? '')}` : undefined;
}

/**
 * How `served` differs from `recorded` in shape: field names, string or number, empty or not, the
 * order of rows in time and of fields, the length of positional rows, and (where asked) decimal places
 * and values. An empty list means the same shape.
 */
export function shapeDifferences(recorded: unknown, served: unknown, r: Pick<Recording, 'optionalKeys' | 'readKeys' | 'keyOrder' | 'strictDecimals' | 'sameValues'>, path = '$'): string[] {
  const rk = kindOf(recorded);
  const sk = kindOf(served);
  const at = (k: string | number) => (typeof k === 'number' ? `${path}[${k}]` : `${path}.${k}`);
  if (rk !== sk) return [`${path}: the exchange sends ${rk} (${JSON.stringify(recorded)?.slice(0, 40)}), the simulator ${sk} (${JSON.stringify(served)?.slice(0, 40)})`];
  if (rk === 'array') return arrayDifferences(recorded as unknown[], served as unknown[], r, path);
  if (rk !== 'object') return [];
  const rec = recorded as Record<string, unknown>;
  const srv = served as Record<string, unknown>;
  const optional = new Set(r.optionalKeys ?? []);
  // the keys read are those of the answer, or of each row of an answer that is a list
  const limited = r.readKeys !== undefined && /^\$(\[\d+\])?$/.test(path);
  const keys = limited ? r.readKeys! : Object.keys(rec);
  const out: string[] = [];
  for (const k of keys) {
    if (!(k in srv)) {
      if (!optional.has(k)) out.push(`${at(k)}: the exchange sends it, the simulator does not`);
      continue;
    }
    out.push(...leafDifferences(rec[k], srv[k], k, r, at(k)));
  }
  if (!limited) {
    for (const k of Object.keys(srv)) if (!(k in rec) && !optional.has(k)) out.push(`${at(k)}: the simulator sends it, the exchange does not`);
    if (r.keyOrder !== false) {
      const common = (o: Record<string, unknown>) => Object.keys(o).filter((k) => k in rec && k in srv);
      if (common(rec).join() !== common(srv).join()) out.push(`${path}: fields in another order (exchange ${common(rec).join(',')}; simulator ${common(srv).join(',')})`);
    }
  }
  return out;
}

function arrayDifferences(rec: unknown[], srv: unknown[], r: Parameters<typeof shapeDifferences>[2], path: string): string[] {
  const out: string[] = [];
  const ro = orderOf(rec);
  const so = orderOf(srv);
  if (ro && so && ro !== so) out.push(`${path}: rows ${so}, the exchange sends them ${ro}`);
  if (rec.length === 0 || srv.length === 0) return out;
  // a list of one kind of scalar (permissions): only the kind is compared
  const kinds = new Set([...rec, ...srv].map(kindOf));
  if (kinds.size === 1 && !kinds.has('array') && !kinds.has('object')) return out;
  // a positional row (a kline): the same length, each position compared
  if (rec.every((x) => !Array.isArray(x) && typeof x !== 'object') && srv.every((x) => !Array.isArray(x) && typeof x !== 'object')) {
    if (rec.length !== srv.length) return [...out, `${path}: ${srv.length} positions, the exchange sends ${rec.length}`];
    rec.forEach((v, i) => out.push(...leafDifferences(v, srv[i], i, r, `${path}[${i}]`)));
    return out;
  }
  // rows: each served row against a recorded row of its kind (a filter of the same type), else the first
  for (const [i, s] of srv.entries()) {
    const d = discriminator(s);
    const match = d === undefined ? rec : rec.filter((x) => discriminator(x) === d);
    if (match.length === 0) continue; // a kind the recording has no example of
    const tries = match.map((x) => shapeDifferences(x, s, r, `${path}[${i}]`));
    const best = tries.reduce((a, b) => (b.length < a.length ? b : a));
    out.push(...best);
    if (best.length > 0) break; // one row's differences say it
  }
  return out;
}

function leafDifferences(rec: unknown, srv: unknown, key: string | number, r: Parameters<typeof shapeDifferences>[2], path: string): string[] {
  const inner = shapeDifferences(rec, srv, { ...r, readKeys: undefined }, path);
  if (inner.length > 0 || typeof rec !== 'string' && typeof rec !== 'number') return inner;
  if (r.strictDecimals?.includes(key) && typeof rec === 'string' && typeof srv === 'string' && decimals(rec) !== decimals(srv)) {
    return [`${path}: ${decimals(srv)} decimals ("${srv}"), the exchange prints ${decimals(rec)} ("${rec}")`];
  }
  if (r.sameValues?.includes(key) && rec !== srv) return [`${path}: ${JSON.stringify(srv)}, the exchange sends ${JSON.stringify(rec)}`];
  return [];
}
