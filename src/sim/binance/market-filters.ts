import type { SimMarket } from '../market-catalog.js';

/** PRICE_FILTER / LOT_SIZE / NOTIONAL filters, from which ccxt derives precision and limits. */
export function marketFilters(m: SimMarket): Record<string, unknown>[] {
  const tick = (10 ** -m.source.priceDecimals).toFixed(m.source.priceDecimals);
  return [
    { filterType: 'PRICE_FILTER', minPrice: tick, maxPrice: '1000000.00000000', tickSize: tick },
    { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
    { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: '100.00000000', stepSize: '0.00000000' },
    { filterType: 'NOTIONAL', minNotional: '5.00000000', applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
  ];
}
