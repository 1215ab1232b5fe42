/**
 * What the universe knows of coins without asking CoinGecko: the stablecoins a fallback ranking (CoinGecko
 * down, never reached) must leave out, and the categories that are never members. Contracts whose base is
 * not the coin's ticker are each venue's (its profile's `coinAliases`). All can be added to in the config
 * (`universe.stablecoins`, `universe.exclude_categories`, `universe.aliases`).
 */

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
