import type { Router } from '../router.js';
import type { SimMarket } from '../market-catalog.js';
import { addMarketDataRoutes, type FamilyContext } from './market-data.js';
import { marketFilters } from './market-filters.js';

/** Binance spot, `/api/v3`: klines weigh 2, at most 1000 rows. */
export function addSpotRoutes(router: Router, ctx: FamilyContext): void {
  addMarketDataRoutes(router, {
    family: 'spot',
    prefix: '/api/v3',
    markets: (c) => c.spot,
    maxLimit: 1000,
    klineWeight: () => 2,
    tickerWeight: 80,
    exchangeInfoWeight: 20,
    describeMarket: describeSpot,
  }, ctx);
}

function describeSpot(m: SimMarket): Record<string, unknown> {
  return {
    symbol: m.id, status: 'TRADING', baseAsset: m.base, baseAssetPrecision: 8, quoteAsset: m.quote,
    quotePrecision: 8, quoteAssetPrecision: 8, baseCommissionPrecision: 8, quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
    icebergAllowed: true, ocoAllowed: true, otoAllowed: true, quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true, cancelReplaceAllowed: true, isSpotTradingAllowed: true,
    isMarginTradingAllowed: false, filters: marketFilters(m), permissions: [], permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER', allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}
