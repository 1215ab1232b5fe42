import type { Router } from '../router.js';
import type { SimMarket } from '../market-catalog.js';
import { nextOpen, type Timeframe } from '../../core/timeframe.js';
import { concatBars, type BaseBars } from '../base-bars.js';
import { hash32, makeRng, normal } from '../rng.js';
import { addKlineVariantRoute, addMarketDataRoutes, type FamilyContext, type FamilyDialect } from './market-data.js';
import { marketFilters } from './market-filters.js';

/** Binance USDT-M futures, `/fapi/v1`: klines weigh 1/2/5/10 by limit, at most 1500 rows. */
export function addFuturesRoutes(router: Router, ctx: FamilyContext): void {
  const dialect: FamilyDialect = {
    family: 'futures',
    prefix: '/fapi/v1',
    markets: (c) => c.perp,
    maxLimit: 1500,
    klineWeight: (limit) => (limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10),
    tickerWeight: 40,
    exchangeInfoWeight: 1,
    describeMarket: describePerpetual,
  };
  addMarketDataRoutes(router, dialect, ctx);
  // as Binance prints them: 8 decimals, "0" for the volumes, and the samples in the trades column
  addKlineVariantRoute(router, dialect, ctx, 'markPriceKlines', { name: 'mark', derive: markPrice, decimals: 8, priceOnly: true });
  addKlineVariantRoute(router, dialect, ctx, 'premiumIndexKlines', { name: 'premium', derive: premiumIndex, decimals: 8, priceOnly: true });
}

/**
 * How many samples a price-only kline is made of, in its trades column: the mark price is sampled every
 * second (1m: 60), the premium index every 5 s (1m: 12), as Binance's klines show.
 */
function samples(bars: BaseBars, tf: Timeframe, everyMs: number): Float64Array {
  return Float64Array.from(bars.time, (t) => Math.round(((tf.calendarMonth ? nextOpen(tf, t) : t + tf.ms) - t) / everyMs));
}

/**
 * Mark price klines: the traded candle's prices off by a small basis (the mark is not the last trade), to
 * 8 decimals; no volume.
 */
function markPrice(bars: BaseBars, m: SimMarket, tf: Timeframe): BaseBars {
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
function premiumIndex(bars: BaseBars, m: SimMarket, tf: Timeframe): BaseBars {
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

function describePerpetual(m: SimMarket, now: number): Record<string, unknown> {
  return {
    symbol: m.id, pair: m.id, contractType: 'PERPETUAL', deliveryDate: 4133404800000,
    onboardDate: m.source.listedAt, status: m.delistedAt !== undefined && now >= m.delistedAt ? 'SETTLING' : 'TRADING', maintMarginPercent: '2.5000', requiredMarginPercent: '5.0000',
    baseAsset: m.base, quoteAsset: m.quote, marginAsset: m.quote, pricePrecision: m.source.priceDecimals,
    quantityPrecision: 3, baseAssetPrecision: 8, quotePrecision: 8, underlyingType: m.contract === 'index' ? 'INDEX' : 'COIN', underlyingSubType: m.contract === 'index' ? ['Index'] : m.contract === 'pre-market' ? ['Pre-Market'] : [],
    triggerProtect: '0.0500', liquidationFee: '0.012500', marketTakeBound: '0.05', maxMoveOrderLimit: 10000,
    filters: marketFilters(m), orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'], permissionSets: ['GRID', 'COPY'],
  };
}
