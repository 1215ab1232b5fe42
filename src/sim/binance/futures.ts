import type { Router } from '../router.js';
import type { SimMarket } from '../market-catalog.js';
import { indexPriceBars, markPriceBars, premiumIndexBars } from '../price-series.js';
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
  addKlineVariantRoute(router, dialect, ctx, 'markPriceKlines', { name: 'mark', derive: markPriceBars, decimals: 8, priceOnly: true });
  addKlineVariantRoute(router, dialect, ctx, 'premiumIndexKlines', { name: 'premium', derive: premiumIndexBars, decimals: 8, priceOnly: true });
  // the index of a pair (`?pair=BTCUSDT`): the spot index the mark price follows
  addKlineVariantRoute(router, dialect, ctx, 'indexPriceKlines', { name: 'index', derive: indexPriceBars, decimals: 8, priceOnly: true, symbolParam: 'pair' });
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
