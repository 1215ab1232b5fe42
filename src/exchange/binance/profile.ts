import type { VenueProfile } from '../venue.js';
import { BinanceArchives } from './archives.js';
import { BINANCE_DATASETS } from './datasets.js';
import { BINANCE_LIQUIDATIONS } from './liquidation-feed.js';
import { BINANCE_BUDGET, binanceContractKind, cheapestKlinePage } from './weights.js';

/**
 * Binance: spot (`/api/v3`), USDT-M futures (`/fapi`, `/futures/data`), its archives (data.binance.vision),
 * its USDT-M liquidation stream.
 */
export const profile: VenueProfile = {
  id: 'binance',
  name: 'Binance',
  isDefault: true,
  // the liquidation day files of earlier versions, and stores built with --exchange binanceusdm, name ccxt's USDT-M class
  aliases: ['binanceusdm'],
  ccxtId: 'binance',
  // only spot and USDT-M markets (no coin-M or options endpoints), no key-only currency calls
  ccxtOptions: { fetchMarkets: { types: ['spot', 'linear'] }, fetchCurrencies: false, adjustForTimeDifference: false },
  budget: BINANCE_BUDGET,
  // Binance answers JSON; ccxt turns some bodies that are not (a cut-off page, a maintenance page) into an
  // empty result, which a fetcher could take for the end of the data
  malformed: (body) => {
    const t = body.trim();
    return !((t.startsWith('[') && t.endsWith(']')) || (t.startsWith('{') && t.endsWith('}')));
  },
  timeframes: ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'],
  candlesPerPage: cheapestKlinePage,
  datasets: BINANCE_DATASETS,
  marketKind: (info, type) => (type === 'spot' ? { coinContract: true } : binanceContractKind(info)),
  // checked in recorded lists of Binance's USDT-M symbols (public code, search index files 4251430817,
  // 59176176672: RAYSOLUSDT; 43272030943, 5592477402: NEIROETHUSDT beside NEIROUSDT) and CoinGecko's ids
  coinAliases: { raydium: 'RAYSOL', 'terra-luna-2': 'LUNA2', 'beam-2': 'BEAMX', 'neiro-ethereum': 'NEIROETH' },
  archives: {
    realBase: 'https://data.binance.vision',
    open: (o) => new BinanceArchives(o.base, o.cacheDir, o.mode, o.log, o.writeCache, o.downloads),
  },
  liquidations: BINANCE_LIQUIDATIONS,
};
