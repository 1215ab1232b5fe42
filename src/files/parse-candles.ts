import { numberOrNaN } from '../core/numbers.js';
import { UsageError } from '../core/errors.js';
import type { CandleFrame } from '../core/frame.js';

/**
 * Candle files other tools write, parsed (pure: text in, columns out). Understood:
 * - freqtrade JSON: `[[open_ms, open, high, low, close, volume], …]`;
 * - CSV with a header naming the columns (`time`/`timestamp`/`open_time`/`unix`/`date`/`datetime`, then
 *   `open`, `high`, `low`, `close`, `volume` or `Volume <base>`), any order, lines before the header
 *   skipped (CryptoDataDownload's URL line);
 * - CSV without a header: the 12-column kline layout (`open_time, open, high, low, close, volume, …`), as
 *   in its public archives and in QuantConnect's files;
 * - delimiters `,` `;` or tab; rows in any order.
 * Times: ISO dates (`2024-01-01T00:00:00Z`, `2024-01-01 00:00[:00]`, `20240101 00:00`, CDD's
 * `2017-08-17 04-AM`), in UTC unless a zone is given or `timezone` says otherwise; epoch numbers by
 * magnitude: seconds, milliseconds, microseconds (spot kline archives since 2025) or nanoseconds.
 */
export interface ParsedCandles {
  readonly frame: CandleFrame;
  readonly format: 'freqtrade-json' | 'freqtrade-feather' | 'csv-header' | 'csv-klines';
  /** How times were written: `iso`, `epoch-s`, `epoch-ms`, `epoch-us`, `epoch-ns` (several if the file mixes them). */
  readonly timeFormats: readonly string[];
  /** Rows whose time appeared before: the later line is kept. */
  readonly duplicates: number;
  /** Of those, rows whose values differ from the earlier line's. */
  readonly conflicting: number;
  /** The file listed newest first (it is sorted). */
  readonly descending: boolean;
  /**
   * The 12-column kline layout carries more than OHLCV: quote volume, trades and taker volumes (columns 8–11),
   * kept when every row has them (the simulator replays them exactly).
   */
  readonly extras?: { readonly quoteVolume: Float64Array; readonly trades: Float64Array; readonly takerBase: Float64Array; readonly takerQuote: Float64Array };
}

export interface ParseOptions {
  /** Offset of naive ISO times, `+HH:MM`/`-HH:MM` (default `+00:00`: UTC). */
  readonly timezone?: string;
}

const TIME_NAMES = ['open_time', 'opentime', 'open time', 'timestamp', 'unix', 'time', 'date', 'datetime', 'date_time'];

export function parseCandleText(text: string, name: string, o: ParseOptions = {}): ParsedCandles {
  const offsetMs = zoneOffsetMs(o.timezone ?? '+00:00');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) return finish(parseFreqtrade(trimmed, name), 'freqtrade-json', ['epoch-ms']);
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => /open/i.test(l) && /close/i.test(l));
  const firstData = lines.findIndex((l) => /^\s*"?\d/.test(l));
  if (firstData < 0) throw new UsageError(`${name}: no candle rows (expected CSV lines starting with a time, or freqtrade JSON)`);
  const hasHeader = headerAt >= 0 && headerAt < firstData;
  const sample = lines[firstData]!;
  const delimiter = [',', ';', '\t'].map((d) => [d, sample.split(d).length] as const).sort((a, b) => b[1] - a[1])[0]![0];
  let cols: { time: number; open: number; high: number; low: number; close: number; volume: number };
  if (hasHeader) {
    const head = splitLine(lines[headerAt]!, delimiter).map((h) => h.trim().toLowerCase().replace(/^"|"$/g, ''));
    const find = (...names: string[]) => names.map((n) => head.indexOf(n)).find((i) => i >= 0) ?? -1;
    const time = TIME_NAMES.map((n) => head.indexOf(n)).find((i) => i >= 0) ?? -1;
    const volume = (() => { const i = find('volume', 'vol'); return i >= 0 ? i : head.findIndex((h) => h.startsWith('volume')); })();
    cols = { time, open: find('open'), high: find('high'), low: find('low'), close: find('close'), volume };
    const missing = Object.entries(cols).filter(([, i]) => i < 0).map(([k]) => k);
    if (missing.length > 0) throw new UsageError(`${name} line ${headerAt + 1}: the header has no ${missing.join(', ')} column (expected time, open, high, low, close, volume)`);
  } else {
    cols = { time: 0, open: 1, high: 2, low: 3, close: 4, volume: 5 };
  }
  const start = hasHeader ? headerAt + 1 : firstData;
  // columns filled as the lines are read (no row objects); quotes are stripped only in files that have them
  const quoted = text.includes('"');
  const cap = lines.length - start;
  const c = Array.from({ length: 10 }, () => new Float64Array(cap));
  const formats = new Set<string>();
  const klineLayout = cols.time === 0 && cols.open === 1 && cols.high === 2 && cols.low === 3 && cols.close === 4 && cols.volume === 5;
  let extras = klineLayout;
  let n = 0;
  for (let i = start; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length === 0 || line.trim() === '') continue;
    let cells = line.split(delimiter);
    if (quoted) cells = cells.map((x) => x.trim().replace(/^"|"$/g, ''));
    const t = parseTime((cells[cols.time] ?? '').trim(), offsetMs, formats);
    const o = numberOrNaN(cells[cols.open]), h = numberOrNaN(cells[cols.high]), l = numberOrNaN(cells[cols.low]), cl = numberOrNaN(cells[cols.close]), v = numberOrNaN(cells[cols.volume]);
    if (t === undefined || !(Number.isFinite(o) && Number.isFinite(h) && Number.isFinite(l) && Number.isFinite(cl) && Number.isFinite(v)) ) {
      throw new UsageError(`${name} line ${i + 1}: cannot read "${line.slice(0, 80)}" (expected a time and five numbers: open, high, low, close, volume)`);
    }
    c[0]![n] = t; c[1]![n] = o; c[2]![n] = h; c[3]![n] = l; c[4]![n] = cl; c[5]![n] = v;
    if (extras) {
      const x = [numberOrNaN(cells[7]), numberOrNaN(cells[8]), numberOrNaN(cells[9]), numberOrNaN(cells[10])];
      if (cells.length >= 11 && x.every(Number.isFinite)) for (let k = 0; k < 4; k++) c[6 + k]![n] = x[k]!;
      else extras = false;
    }
    n++;
  }
  return finishColumns(c.map((col) => col.subarray(0, n)), extras && n > 0, hasHeader ? 'csv-header' : 'csv-klines', [...formats].sort());
}

function splitLine(line: string, delimiter: string): string[] {
  return line.split(delimiter);
}

function parseFreqtrade(text: string, name: string): number[][] {
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch {
    throw new UsageError(`${name} is not valid JSON (expected freqtrade's [[open_ms, open, high, low, close, volume], …])`);
  }
  if (!Array.isArray(rows)) throw new UsageError(`${name} is not freqtrade JSON (expected [[open_ms, open, high, low, close, volume], …])`);
  return rows.map((r: unknown, i) => {
    const row = Array.isArray(r) ? r.slice(0, 6).map(Number) : [];
    if (row.length < 6 || row.some((v) => !Number.isFinite(v))) throw new UsageError(`${name} row ${i + 1}: expected [open_ms, open, high, low, close, volume]`);
    return row;
  });
}

/** Rows (freqtrade, feather) as columns, then as finishColumns. */
export function finish(rows: readonly number[][], format: ParsedCandles['format'], timeFormats: string[]): ParsedCandles {
  const c = Array.from({ length: 10 }, (_, k) => Float64Array.from(rows, (r) => r[k] ?? NaN));
  return finishColumns(c, rows.length > 0 && rows.every((r) => r.length >= 10), format, timeFormats);
}

/**
 * Columns [time, open, high, low, close, volume, quote volume, trades, taker base, taker quote] in file
 * order → sorted by time; a time seen twice keeps its later line (counted, and whether its values differ).
 * An ascending file (the usual one) is taken as it is.
 */
function finishColumns(c: Float64Array[], withExtras: boolean, format: ParsedCandles['format'], timeFormats: string[]): ParsedCandles {
  const time = c[0]!;
  const n = time.length;
  const descending = n > 1 && time[0]! > time[n - 1]!;
  let ascending = true;
  for (let i = 1; i < n && ascending; i++) ascending = time[i]! > time[i - 1]!;
  let order: number[] | undefined;
  let duplicates = 0, conflicting = 0;
  if (!ascending) {
    const last = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const seen = last.get(time[i]!);
      if (seen !== undefined) {
        duplicates++;
        if ([1, 2, 3, 4, 5].some((k) => c[k]![seen] !== c[k]![i])) conflicting++;
      }
      last.set(time[i]!, i);
    }
    order = [...last.values()].sort((a, b) => time[a]! - time[b]!);
  }
  const pick = (col: Float64Array) => (order ? Float64Array.from(order, (i) => col[i]!) : col);
  const frame = { time: pick(c[0]!), open: pick(c[1]!), high: pick(c[2]!), low: pick(c[3]!), close: pick(c[4]!), volume: pick(c[5]!) };
  const extras = withExtras ? { quoteVolume: pick(c[6]!), trades: pick(c[7]!), takerBase: pick(c[8]!), takerQuote: pick(c[9]!) } : undefined;
  return { frame, format, timeFormats, duplicates, conflicting, descending, ...(extras ? { extras } : {}) };
}

/** A time cell in epoch ms, noting how it was written; undefined when it is not a time. */
export function parseTime(cell: string, offsetMs: number, formats: Set<string>): number | undefined {
  const v = cell.length > 0 && cell.length < 24 ? Number(cell) : NaN;
  if (Number.isFinite(v) && /^\s*-?\d+(\.\d+)?\s*$/.test(cell)) {
    const [format, ms] = v < 1e11 ? ['epoch-s', v * 1000] : v < 1e14 ? ['epoch-ms', v] : v < 1e17 ? ['epoch-us', v / 1000] : ['epoch-ns', v / 1e6];
    formats.add(format);
    return Math.round(ms);
  }
  // 2024-01-01[T ]00:00[:00[.000]][Z|±HH:MM], 20240101 00:00, 2017-08-17 04-AM
  let m = /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2})(?::(\d{2}))?(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(cell);
  let hour: number, minute: number, second: number, zone: string | undefined;
  if (m) {
    hour = Number(m[4] ?? 0); minute = Number(m[5] ?? 0); second = Number(m[6] ?? 0); zone = m[8];
  } else {
    m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2})-(AM|PM)$/i.exec(cell);
    if (!m) return undefined;
    hour = (Number(m[4]) % 12) + (m[5]!.toUpperCase() === 'PM' ? 12 : 0); minute = 0; second = 0;
  }
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), hour, minute, second);
  if (!Number.isFinite(utc)) return undefined;
  formats.add('iso');
  return utc - (zone === undefined ? offsetMs : zone === 'Z' ? 0 : zoneOffsetMs(zone));
}

function zoneOffsetMs(zone: string): number {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!m) throw new UsageError(`--timezone "${zone}" is not an offset (expected +HH:MM or -HH:MM, e.g. +00:00 for UTC)`);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
}
