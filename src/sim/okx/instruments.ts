import type { DialectContext } from '../dialect.js';
import type { SimMarket } from '../market-catalog.js';

/** A market of the model as OKX lists it: the coin itself (prices per coin), swaps in contracts of `ctVal` coins. */
export interface Instrument {
  readonly instId: string;
  readonly type: 'SPOT' | 'SWAP';
  readonly market: SimMarket;
  /** Coins in one unit of the market's base (1000 for a 1000PEPE market, which OKX lists as PEPE). */
  readonly multiplier: number;
  /** Coins per contract (swaps); 1 for spot. */
  readonly ctVal: number;
  readonly priceDecimals: number;
  readonly state: 'live' | 'preopen';
  readonly describe: Record<string, string>;
}

/**
 * OKX's instruments of a type over the market model: a swap per perpetual on a coin (`PEPE-USDT-SWAP` for
 * the model's 1000PEPE, with a `ctVal` of coins per contract: a power of ten near 1,000 USDT, as OKX sizes
 * them), a spot pair per spot market; delisted ones are gone (OKX drops them), pre-market ones `preopen`.
 */
export function instruments(ctx: DialectContext, type: 'SPOT' | 'SWAP'): Instrument[] {
  const now = ctx.now();
  const markets = type === 'SWAP' ? ctx.catalog.perp : ctx.catalog.spot;
  const out: Instrument[] = [];
  for (const m of markets.values()) {
    if (m.contract === 'index' || (m.delistedAt !== undefined && now >= m.delistedAt)) continue;
    const coin = m.coin?.ticker ?? m.base;
    const multiplier = m.coin?.multiplier ?? 1;
    const price = (m.source.priceNear?.(m.source.listedAt) ?? 1) / multiplier;
    const ctVal = type === 'SWAP' ? 10 ** Math.floor(Math.log10(1000 / price)) : 1;
    const priceDecimals = m.source.priceDecimals + Math.round(Math.log10(multiplier));
    const state = m.contract === 'pre-market' ? 'preopen' : 'live';
    const tick = (10 ** -priceDecimals).toFixed(priceDecimals);
    const instId = type === 'SWAP' ? `${coin}-${m.quote}-SWAP` : `${coin}-${m.quote}`;
    const describe: Record<string, string> = type === 'SWAP' ? {
      instType: 'SWAP', instId, uly: `${coin}-${m.quote}`, instFamily: `${coin}-${m.quote}`, baseCcy: '', quoteCcy: '', settleCcy: m.quote,
      ctValCcy: coin, ctVal: String(ctVal), ctMult: '1', ctType: 'linear', alias: '', category: '1', lever: '50', tickSz: tick, lotSz: '0.01', minSz: '0.01',
      listTime: String(m.source.listedAt), expTime: m.delistedAt !== undefined ? String(m.delistedAt) : '', state, ruleType: 'normal', maxMktSz: '10000',
    } : {
      instType: 'SPOT', instId, uly: '', instFamily: '', baseCcy: coin, quoteCcy: m.quote, settleCcy: '', ctValCcy: '', ctVal: '', ctMult: '', ctType: '',
      alias: '', category: '1', lever: '10', tickSz: tick, lotSz: '0.00000001', minSz: '0.00001', listTime: String(m.source.listedAt), expTime: '', state, ruleType: 'normal',
    };
    out.push({ instId, type, market: m, multiplier, ctVal, priceDecimals, state, describe });
  }
  return out.sort((a, b) => a.instId.localeCompare(b.instId));
}

/** The instrument an `instId` names (an index `BTC-USDT` names its swap's coin, for index candles); undefined when none. */
export function instrumentOf(ctx: DialectContext, instId: string, index = false): Instrument | undefined {
  if (index) return instruments(ctx, 'SWAP').find((i) => i.instId === `${instId}-SWAP`);
  return instruments(ctx, instId.endsWith('-SWAP') ? 'SWAP' : 'SPOT').find((i) => i.instId === instId);
}
