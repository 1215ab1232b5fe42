import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { round8 } from './aggregate.js';
import { allocBaseBars, lowerBound, sliceBars, type BaseBars, type CandleSource } from './base-bars.js';
import { parseCandleText } from '../files/parse-candles.js';

/**
 * Recorded candles, read by the same importer as `qml-data import` (src/files/parse-candles.ts):
 * freqtrade JSON or a 12-column kline CSV (header optional, open time in ms or µs). The CSV's extra columns
 * (quote volume, trades, taker volumes) are replayed as recorded; a file without them gets plausible ones.
 */
export function parseRecordedCandles(text: string, name: string): BaseBars {
  const parsed = parseCandleText(text, `replay file ${name}`);
  const f = parsed.frame;
  const out = allocBaseBars(f.time.length);
  for (let i = 0; i < f.time.length; i++) {
    out.time[i] = f.time[i]!; out.open[i] = f.open[i]!; out.high[i] = f.high[i]!; out.low[i] = f.low[i]!; out.close[i] = f.close[i]!; out.volume[i] = f.volume[i]!;
    const mid = (f.high[i]! + f.low[i]!) / 2;
    const x = parsed.extras;
    out.quoteVolume[i] = x ? x.quoteVolume[i]! : round8(f.volume[i]! * mid);
    out.trades[i] = x ? x.trades[i]! : Math.round(f.volume[i]! * 10);
    out.takerBase[i] = x ? x.takerBase[i]! : round8(f.volume[i]! / 2);
    out.takerQuote[i] = x ? x.takerQuote[i]! : round8((f.volume[i]! / 2) * mid);
  }
  return out;
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
