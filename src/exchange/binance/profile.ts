import type { VenueProfile } from '../venue.js';
import { BINANCE_LIQUIDATIONS } from './liquidation-feed.js';

/** Binance: spot (`/api/v3`), USDT-M futures (`/fapi`, `/futures/data`), its archives (data.binance.vision). */
export const profile: VenueProfile = {
  id: 'binance',
  // the liquidation day files of earlier versions name ccxt's USDT-M class
  aliases: ['binanceusdm'],
  ccxtId: 'binance',
  // only spot and USDT-M markets (no coin-M or options endpoints), no key-only currency calls
  ccxtOptions: { fetchMarkets: { types: ['spot', 'linear'] }, fetchCurrencies: false, adjustForTimeDifference: false },
  liquidations: BINANCE_LIQUIDATIONS,
};
