import type { CandleFrame } from '../core/frame.js';
import { isoUtc } from '../core/time-format.js';

const VALUE_COLUMNS = [['open', 'Open'], ['high', 'High'], ['low', 'Low'], ['close', 'Close'], ['volume', 'Volume']] as const;

/**
 * Why writing `next` over `stored` would lose data, or undefined when every stored candle is kept
 * with the same values (new rows may come before, between and after them). ATR is derived and may be
 * recomputed; the candles themselves may not change. Pure: both frames are ascending in time.
 */
export function rowLoss(stored: CandleFrame, next: CandleFrame): string | undefined {
  const n = stored.time.length;
  if (n === 0) return undefined;
  if (next.time.length < n) return `it would keep ${next.time.length} of its ${n} rows`;
  if (!(next.time[0]! <= stored.time[0]!)) return `its first row would move from ${isoUtc(stored.time[0])} to ${isoUtc(next.time[0])}`;
  let j = 0;
  for (let i = 0; i < n; i++) {
    const t = stored.time[i]!;
    while (j < next.time.length && next.time[j]! < t) j++;
    if (next.time[j] !== t) return `the stored candle at ${isoUtc(t) ?? String(t)} would be dropped`;
    for (const [k, name] of VALUE_COLUMNS) {
      if (!Object.is(stored[k][i], next[k][j])) {
        return `the stored candle at ${isoUtc(t)} would change (${name} ${stored[k][i]} → ${next[k][j]})`;
      }
    }
    j++;
  }
  return undefined;
}
