import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { round8 } from './aggregate.js';
import { allocBaseBars, lowerBound, pickBars, sliceBars, type BaseBars, type CandleSource } from './base-bars.js';

/**
 * Parse recorded candles: freqtrade JSON (`[[open_ms, o, h, l, c, v], ...]`) or Binance kline CSV
 * (12 columns as in Binance's public archive, header optional, open time in ms or µs).
 */
export function parseRecordedCandles(text: string, name: string): BaseBars {
  const trimmed = text.trimStart();
  const bars = trimmed.startsWith('[') ? parseFreqtradeJson(trimmed, name) : parseKlineCsv(trimmed, name);
  return sortUnique(bars);
}

function parseFreqtradeJson(text: string, name: string): BaseBars {
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch {
    throw new UsageError(`replay file ${name} is not valid JSON (expected freqtrade [[open_ms, o, h, l, c, v], ...])`);
  }
  if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r) || r.length < 6)) {
    throw new UsageError(`replay file ${name} is not freqtrade JSON (expected [[open_ms, o, h, l, c, v], ...])`);
  }
  const out = allocBaseBars(rows.length);
  rows.forEach((r: unknown[], i) => setRow(out, i, r.slice(0, 6).map(Number)));
  return out;
}

function parseKlineCsv(text: string, name: string): BaseBars {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const body = lines.length > 0 && !/^\d/.test(lines[0]!) ? lines.slice(1) : lines;
  const out = allocBaseBars(body.length);
  body.forEach((line, i) => {
    const cells = line.split(',').map(Number);
    if (cells.length < 6 || cells.slice(0, 6).some((v) => !Number.isFinite(v))) {
      throw new UsageError(`replay file ${name} line ${i + 1 + lines.length - body.length}: expected a Binance kline row (open_time,open,high,low,close,volume,...)`);
    }
    setRow(out, i, cells);
  });
  return out;
}

function setRow(out: BaseBars, i: number, c: number[]): void {
  const t = c[0]!;
  out.time[i] = t > 1e14 ? Math.floor(t / 1000) : t; // the archive switched to µs in 2025
  out.open[i] = c[1]!;
  out.high[i] = c[2]!;
  out.low[i] = c[3]!;
  out.close[i] = c[4]!;
  out.volume[i] = c[5]!;
  const mid = (c[2]! + c[3]!) / 2;
  out.quoteVolume[i] = c.length >= 12 ? c[7]! : round8(c[5]! * mid);
  out.trades[i] = c.length >= 12 ? c[8]! : Math.round(c[5]! * 10);
  out.takerBase[i] = c.length >= 12 ? c[9]! : round8(c[5]! / 2);
  out.takerQuote[i] = c.length >= 12 ? c[10]! : round8((c[5]! / 2) * mid);
}

function sortUnique(bars: BaseBars): BaseBars {
  const idx = Array.from(bars.time.keys()).sort((a, b) => bars.time[a]! - bars.time[b]! || a - b);
  const keep = idx.filter((i, k) => k === idx.length - 1 || bars.time[idx[k + 1]!] !== bars.time[i]);
  return pickBars(bars, keep);
}

/** Smallest step between consecutive candles: the file's resolution. */
function baseResolution(time: Float64Array, name: string): number {
  let best = Infinity;
  for (let i = 1; i < time.length; i++) best = Math.min(best, time[i]! - time[i - 1]!);
  if (!Number.isFinite(best) || best <= 0) throw new UsageError(`replay file ${name} needs at least two candles`);
  return best;
}

/** A market that replays recorded candles exactly as they were. */
export class ReplaySource implements CandleSource {
  readonly baseMs: number;
  readonly listedAt: number;
  /** Recorded values are printed shortest-exact, so no fixed decimals are imposed. */
  readonly priceDecimals = 8;

  constructor(private readonly all: BaseBars, name: string) {
    this.baseMs = baseResolution(all.time, name);
    this.listedAt = all.time[0]!;
  }

  static fromFile(path: string): ReplaySource {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read replay file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    return new ReplaySource(parseRecordedCandles(text, path), path);
  }

  bars(from: number, to: number): BaseBars {
    return sliceBars(this.all, lowerBound(this.all.time, from), lowerBound(this.all.time, to));
  }
}
