/**
 * What the universe knows of coins without asking CoinGecko: contracts whose base is not the coin's
 * ticker, and the stablecoins a fallback ranking (CoinGecko down, never reached) must leave out. Both
 * can be added to in the config (`universe.aliases`, `universe.stablecoins`).
 */

/**
 * CoinGecko id → the exchange's base for the coin, where the contract is not named after the coin's
 * ticker. The contracts were checked in recorded lists of Binance's USDT-M symbols (public code, search
 * index files 4251430817, 59176176672: RAYSOLUSDT; 43272030943, 5592477402: NEIROETH on Binance and
 * Bybit); the CoinGecko ids are the coins' ids as CoinGecko names them. No live CoinGecko answer was
 * read here (no network): correct or extend them in `universe.aliases`.
 */
export const DEFAULT_ALIASES: Readonly<Record<string, string>> = {
  raydium: 'RAYSOL', // Raydium (RAY) trades as RAYSOLUSDT
  'terra-luna-2': 'LUNA2', // Terra (LUNA, the chain relaunched in 2022) trades as LUNA2USDT
  'beam-2': 'BEAMX', // Beam (BEAM, the gaming network) trades as BEAMXUSDT
  'neiro-ethereum': 'NEIROETH', // Neiro on Ethereum (NEIRO) trades as NEIROETHUSDT (NEIROUSDT is First Neiro)
};

/**
 * Stablecoin tickers (fiat-pegged), for a universe ranked without CoinGecko: the largest members of
 * CoinGecko's `stablecoins` category (coingecko.com/en/categories/stablecoins) by market cap, as the
 * project's maintainers know them; CoinGecko itself says which coins are stablecoins whenever it answers.
 */
export const STABLECOIN_TICKERS: readonly string[] = [
  'USDT', 'USDC', 'FDUSD', 'DAI', 'USDE', 'USDS', 'TUSD', 'USDD', 'PYUSD', 'USDP', 'BUSD', 'FRAX', 'USD1', 'RLUSD', 'GUSD', 'LUSD',
  'SUSD', 'USDB', 'USD0', 'EURC', 'EURI', 'AEUR', 'EURS', 'XUSD', 'BFUSD', 'USDX',
];

/** CoinGecko categories whose coins are never members by default: they are not coins of their own. */
export const DEFAULT_EXCLUDED_CATEGORIES: readonly string[] = ['stablecoins', 'wrapped-tokens', 'liquid-staking-tokens', 'tokenized-gold', 'tokenized-commodities'];
