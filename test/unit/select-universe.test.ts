import { describe, expect, it } from 'vitest';
import { selectUniverse, splitMultiplier, type ExchangeMarket, type RankedCoin, type SelectionRules } from '../../src/universe/select-universe.js';

const coin = (id: string, symbol: string, marketCap: number): RankedCoin => ({ id, symbol, name: id, marketCap, volume24h: marketCap / 10 });
const perp = (base: string, active = true): ExchangeMarket => ({ symbol: `${base}/USDT:USDT`, id: `${base}USDT`, contractSize: 1, base, quote: 'USDT', type: 'swap', linear: true, active });

// CoinGecko's volume ranking as it looks on a real day: stablecoins first, a wrapped token, an LST,
// a coin only traded as a 1000x contract, a ticker two coins share, a coin the exchange does not list
const RANKING: RankedCoin[] = [
  coin('tether', 'usdt', 140e9), coin('bitcoin', 'btc', 1.3e12), coin('usd-coin', 'usdc', 60e9), coin('ethereum', 'eth', 400e9),
  coin('wrapped-bitcoin', 'wbtc', 10e9), coin('pepe', 'pepe', 4e9), coin('lido-staked-ether', 'steth', 30e9),
  coin('the-open-network', 'ton', 15e9), coin('tokamak-network', 'ton', 0.05e9), coin('not-on-binance', 'nob', 1e9),
  coin('solana', 'sol', 80e9), coin('mog-coin', 'mog', 0.6e9), coin('baby-doge-coin', 'babydoge', 0.4e9), coin('halted', 'hlt', 0.2e9),
  coin('dogecoin', 'doge', 20e9),
];
const EXCLUDED = new Map([['tether', 'stablecoins'], ['usd-coin', 'stablecoins'], ['wrapped-bitcoin', 'wrapped-tokens'], ['lido-staked-ether', 'liquid-staking-tokens']]);
const MARKETS: ExchangeMarket[] = [
  perp('BTC'), perp('ETH'), perp('1000PEPE'), perp('TON'), perp('SOL'), perp('1000000MOG'), perp('1MBABYDOGE'), perp('HLT', false), perp('DOGE'),
  { symbol: 'NOB/USDT', id: 'NOBUSDT', contractSize: 1, base: 'NOB', quote: 'USDT', type: 'spot', linear: true, active: true }, // spot only: no perpetual
  { symbol: 'BTC/USD:BTC', id: 'BTCUSD_PERP', contractSize: 1, base: 'BTC', quote: 'USD', type: 'swap', linear: false, active: true }, // inverse: never
];
const RULES: SelectionRules = { size: 8, quote: 'USDT', market: 'perp', alwaysInclude: [], tickerOwners: {} };

describe('universe selection', () => {
  it('reads multiplier prefixes as Binance writes them', () => {
    expect(splitMultiplier('1000PEPE')).toEqual({ ticker: 'PEPE', multiplier: 1000 });
    expect(splitMultiplier('1000000MOG')).toEqual({ ticker: 'MOG', multiplier: 1_000_000 });
    expect(splitMultiplier('1MBABYDOGE')).toEqual({ ticker: 'BABYDOGE', multiplier: 1_000_000 });
    expect(splitMultiplier('1INCH')).toEqual({ ticker: '1INCH', multiplier: 1 });
    // every real form: Binance's and Bybit's multiplier contracts, X Empire's 1000X among them (never 0X × 100)
    for (const [base, ticker, multiplier] of [['1000SHIB', 'SHIB', 1000], ['1000000MOG', 'MOG', 1e6], ['1MBABYDOGE', 'BABYDOGE', 1e6], ['1000X', 'X', 1000],
      ['1000CAT', 'CAT', 1000], ['1000000BOB', 'BOB', 1e6], ['10000LADYS', 'LADYS', 10000], ['1000SATS', 'SATS', 1000], ['1000BONK', 'BONK', 1000]] as const) {
      expect(splitMultiplier(base), base).toEqual({ ticker, multiplier });
    }
    expect(splitMultiplier('BTC')).toEqual({ ticker: 'BTC', multiplier: 1 });
  });

  it('walks the ranking to the size asked, reporting every coin left out with its reason', () => {
    const s = selectUniverse(RANKING, EXCLUDED, MARKETS, RULES);
    expect(s.members.map((m) => [m.coin.id, m.market, m.multiplier])).toEqual([
      ['bitcoin', 'BTC/USDT:USDT', 1], ['ethereum', 'ETH/USDT:USDT', 1], ['pepe', '1000PEPE/USDT:USDT', 1000],
      ['the-open-network', 'TON/USDT:USDT', 1], ['solana', 'SOL/USDT:USDT', 1], ['mog-coin', '1000000MOG/USDT:USDT', 1_000_000],
      ['baby-doge-coin', '1MBABYDOGE/USDT:USDT', 1_000_000], ['dogecoin', 'DOGE/USDT:USDT', 1],
    ]);
    expect(s.skipped.map((x) => [x.coin.id, x.reason])).toEqual([
      ['tether', 'excluded-category'], ['usd-coin', 'excluded-category'], ['wrapped-bitcoin', 'excluded-category'],
      ['lido-staked-ether', 'excluded-category'], ['tokamak-network', 'ambiguous-ticker'], ['not-on-binance', 'not-listed'],
      ['halted', 'not-trading'],
    ]);
    expect(s.skipped.find((x) => x.coin.id === 'tokamak-network')!.detail).toBe('ticker TON belongs to the-open-network');
    expect(s.ranked).toBe(RANKING.length);
  });

  it('stops at the size, lets an override table own a shared ticker, and always includes what it is told to', () => {
    const s = selectUniverse(RANKING, EXCLUDED, MARKETS, { ...RULES, size: 3, tickerOwners: { TON: 'tokamak-network' }, alwaysInclude: ['dogecoin'] });
    expect(s.members.map((m) => m.coin.id)).toEqual(['bitcoin', 'ethereum', 'pepe', 'dogecoin']);
    expect(s.ranked).toBe(6);
    const ton = selectUniverse(RANKING, EXCLUDED, MARKETS, { ...RULES, tickerOwners: { TON: 'tokamak-network' } });
    expect(ton.members.map((m) => m.coin.id)).toContain('tokamak-network');
    expect(ton.skipped.find((x) => x.coin.id === 'the-open-network')!.reason).toBe('ambiguous-ticker');
  });

  it('maps to spot markets when asked, never to inverse contracts', () => {
    const s = selectUniverse(RANKING, EXCLUDED, MARKETS, { ...RULES, market: 'spot' });
    expect(s.members.map((m) => m.market)).toEqual(['NOB/USDT']);
  });
});
