import { UsageError } from '../core/errors.js';
import { allocFrame, type CandleFrame } from '../core/frame.js';

/**
 * Candle files other tools write, parsed (pure: text in, columns out). Understood:
 * - freqtrade JSON: `[[open_ms, open, high, low, close, volume], …]`;
 * - CSV with a header naming the columns (`time`/`timestamp`/`open_time`/`unix`/`date`/`datetime`, then
 *   `open`, `high`, `low`, `close`, `volume` or `Volume <base>`), any order, lines before the header
 *   skipped (CryptoDataDownload's URL line);
 * - CSV without a header: Binance's kline layout (`open_time, open, high, low, close, volume, …`), as
 *   in its public archives and in QuantConnect's files;
 * - delimiters `,` `;` or tab; rows in any order.
 * Times: ISO dates (`2024-01-01T00:00:00Z`, `2024-01-01 00:00[:00]`, `20240101 00:00`, CDD's
 * `2017-08-17 04-AM`), in UTC unless a zone is given or `timezone` says otherwise; epoch numbers by
 * magnitude: seconds, milliseconds, microseconds (Binance's spot archives since 2025) or nanoseconds.
 */
export interface ParsedCandles {
  readonly frame: CandleFrame;
  readonly format: 'freqtrade-json' | 'freqtrade-feather' | 'csv-header' | 'csv-binance-klines';
  /** How times were written: `iso`, `epoch-s`, `epoch-ms`, `epoch-us`, `epoch-ns` (several if the file mixes them). */
  readonly timeFormats: readonly string[];
  /** Rows whose time appeared before: the later line is kept. */
  readonly duplicates: number;
  /** Of those, rows whose values differ from the earlier line's. */
  readonly conflicting: number;
  /** The file listed newest first (it is sorted). */
  readonly descending: boolean;
  /**
   * Binance's kline layout carries more than OHLCV: quote volume, trades and taker volumes (columns 8–11),
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
  const rows: number[][] = [];
  const formats = new Set<string>();
  for (let i = start; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cells = splitLine(line, delimiter).map((c) => c.trim().replace(/^"|"$/g, ''));
    const t = parseTime(cells[cols.time] ?? '', offsetMs, formats);
    const values = [cols.open, cols.high, cols.low, cols.close, cols.volume].map((k) => Number(cells[k]));
    if (t === undefined || values.some((v) => !Number.isFinite(v))) {
      throw new UsageError(`${name} line ${i + 1}: cannot read "${line.slice(0, 80)}" (expected a time and five numbers: open, high, low, close, volume)`);
    }
    const binanceLayout = cols.time === 0 && cols.open === 1 && cols.volume === 5 && cells.length >= 11;
    const extra = binanceLayout ? [7, 8, 9, 10].map((k) => Number(cells[k])) : [];
    rows.push(extra.every(Number.isFinite) ? [t, ...values, ...extra] : [t, ...values]);
  }
  return finish(rows, hasHeader ? 'csv-header' : 'csv-binance-klines', [...formats].sort());
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

/** Sorted by time; a time seen twice keeps its later line (counted, and whether its values differ). */
export function finish(rows: number[][], format: ParsedCandles['format'], timeFormats: string[]): ParsedCandles {
  const descending = rows.length > 1 && rows[0]![0]! > rows[rows.length - 1]![0]!;
  const byTime = new Map<number, number[]>();
  let duplicates = 0, conflicting = 0;
  for (const r of rows) {
    const seen = byTime.get(r[0]!);
    if (seen) {
      duplicates++;
      if (seen.some((v, k) => v !== r[k])) conflicting++;
      byTime.delete(r[0]!);
    }
    byTime.set(r[0]!, r);
  }
  const sorted = [...byTime.values()].sort((a, b) => a[0]! - b[0]!);
  const frame = allocFrame(sorted.length);
  sorted.forEach((r, i) => {
    frame.time[i] = r[0]!; frame.open[i] = r[1]!; frame.high[i] = r[2]!; frame.low[i] = r[3]!; frame.close[i] = r[4]!; frame.volume[i] = r[5]!;
  });
  const extras = sorted.length > 0 && sorted.every((r) => r.length >= 10)
    ? { quoteVolume: Float64Array.from(sorted, (r) => r[6]!), trades: Float64Array.from(sorted, (r) => r[7]!), takerBase: Float64Array.from(sorted, (r) => r[8]!), takerQuote: Float64Array.from(sorted, (r) => r[9]!) }
    : undefined;
  return { frame, format, timeFormats, duplicates, conflicting, descending, ...(extras ? { extras } : {}) };
}

/** A time cell in epoch ms, noting how it was written; undefined when it is not a time. */
export function parseTime(cell: string, offsetMs: number, formats: Set<string>): number | undefined {
  if (/^-?\d+(\.\d+)?$/.test(cell)) {
    const v = Number(cell);
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
