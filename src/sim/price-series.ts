import { nextOpen, type Timeframe } from '../core/timeframe.js';
import { concatBars, type BaseBars } from './base-bars.js';
import type { SimMarket } from './market-catalog.js';
import { hash32, makeRng, normal } from './rng.js';

/**
 * The other price series of a perpetual, derived from its traded candles on the same grid: the mark price,
 * the index price and the premium index. Every venue's dialect serves them from here (in its own shape).
 */

/**
 * How many samples a price-only kline is made of, in its trades column: the mark price is sampled every
 * second (1m: 60), the premium index every 5 s (1m: 12), as exchanges' klines show.
 */
function samples(bars: BaseBars, tf: Timeframe, everyMs: number): Float64Array {
  return Float64Array.from(bars.time, (t) => Math.round(((tf.calendarMonth ? nextOpen(tf, t) : t + tf.ms) - t) / everyMs));
}

/**
 * Mark price klines: the traded candle's prices off by a small basis (the mark is not the last trade), to
 * 8 decimals; no volume.
 */
export function markPriceBars(bars: BaseBars, m: SimMarket, tf: Timeframe): BaseBars {
  const out = concatBars([bars]);
  for (const k of ['volume', 'quoteVolume', 'takerBase', 'takerQuote'] as const) out[k].fill(0);
  out.trades.set(samples(bars, tf, 1000));
  for (let i = 0; i < out.time.length; i++) {
    const basis = 1 + 0.0002 * normal(makeRng(hash32(`mark|${m.id}|${tf.name}|${out.time[i]}`)));
    for (const k of ['open', 'high', 'low', 'close'] as const) out[k][i] = Math.round(out[k][i]! * basis * 1e8) / 1e8;
  }
  return out;
}

/** Premium index klines: (perpetual − index) / index, a small signed fraction per period, seeded by the period. */
export function premiumIndexBars(bars: BaseBars, m: SimMarket, tf: Timeframe): BaseBars {
  const out = concatBars([bars]);
  for (const k of ['volume', 'quoteVolume', 'takerBase', 'takerQuote'] as const) out[k].fill(0);
  out.trades.set(samples(bars, tf, 5000));
  for (let i = 0; i < out.time.length; i++) {
    const rng = makeRng(hash32(`premium|${m.id}|${tf.name}|${out.time[i]}`));
    const at = () => Math.round((0.0001 + 0.0004 * normal(rng)) * 1e8) / 1e8;
    const [o, c, a, b] = [at(), at(), at(), at()];
    out.open[i] = o;
    out.close[i] = c;
    out.high[i] = Math.max(o, c, a, b);
    out.low[i] = Math.min(o, c, a, b);
  }
  return out;
}


/** Index price klines: the spot index the perpetual tracks, the traded prices off by a small basis of its own. */
export function indexPriceBars(bars: BaseBars, m: SimMarket, tf: Timeframe): BaseBars {
  const out = concatBars([bars]);
  for (const k of ['volume', 'quoteVolume', 'takerBase', 'takerQuote'] as const) out[k].fill(0);
  out.trades.set(samples(bars, tf, 1000));
  for (let i = 0; i < out.time.length; i++) {
    const basis = 1 - 0.0001 + 0.0002 * normal(makeRng(hash32(`index|${m.id}|${tf.name}|${out.time[i]}`)));
    for (const k of ['open', 'high', 'low', 'close'] as const) out[k][i] = Math.round(out[k][i]! * basis * 1e8) / 1e8;
  }
  return out;
}
