import type { ModelLiquidation, StreamClient, StreamFormat } from '../liquidation-stream.js';
import type { SimMarket } from '../market-catalog.js';

/** One detail of an OKX `liquidation-orders` frame, with its instrument. */
export interface OkxLiquidation {
  readonly instId: string;
  /** The order's side: `buy` closes a short. */
  readonly side: 'buy' | 'sell';
  readonly posSide: 'long' | 'short';
  /** Bankruptcy price, per coin. */
  readonly bkPx: string;
  /** Size in contracts. */
  readonly sz: string;
  readonly ts: string;
}

/** OKX's public websocket, where `liquidation-orders` is subscribed per instrument type. */
export const OKX_PUBLIC = '/ws/v5/public';

/** The swap of a model market, as OKX names and sizes it (the same rule as its instruments). */
function swapOf(m: SimMarket): { instId: string; multiplier: number; ctVal: number; decimals: number } {
  const coin = m.coin?.ticker ?? m.base;
  const multiplier = m.coin?.multiplier ?? 1;
  const price = (m.source.priceNear?.(m.source.listedAt) ?? 1) / multiplier;
  return { instId: `${coin}-${m.quote}-SWAP`, multiplier, ctVal: 10 ** Math.floor(Math.log10(1000 / price)), decimals: m.source.priceDecimals + Math.round(Math.log10(multiplier)) };
}

/**
 * OKX's `liquidation-orders` for every swap (`{"op":"subscribe","args":[{"channel":"liquidation-orders",
 * "instType":"SWAP"}]}`): sampled, at most one order per contract per second ("this data doesn't represent
 * the total number of liquidations"); `side` is the order's, `sz` in contracts; a connection without a
 * message for 30 s is dropped unless the client sends `ping` (answered `pong`).
 */
export const OKX_LIQUIDATION_FORMAT: StreamFormat<OkxLiquidation> = {
  accept: (url) => (url.pathname === OKX_PUBLIC ? { symbols: new Set(), combined: false } : null),
  idOf: (m) => swapOf(m).instId,
  idleMs: 30_000,
  message: (text, c: StreamClient) => {
    if (text === 'ping') return { reply: 'pong' };
    let msg: { op?: string; args?: { channel?: string; instType?: string }[] };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return { reply: JSON.stringify({ event: 'error', code: '60012', msg: `Invalid request: ${text}`, connId: 'sim' }) };
    }
    const arg = msg.args?.[0];
    if ((msg.op !== 'subscribe' && msg.op !== 'unsubscribe') || arg?.channel !== 'liquidation-orders' || !arg.instType) {
      return { reply: JSON.stringify({ event: 'error', code: '60018', msg: `Wrong URL or channel:${arg?.channel ?? ''}, doesn't exist`, connId: 'sim' }) };
    }
    // one subscription covers every swap; other instrument types have no events here
    const symbols = msg.op === 'subscribe' && arg.instType === 'SWAP' ? undefined : c.symbols;
    return { symbols, reply: JSON.stringify({ event: msg.op, arg, connId: 'sim' }) };
  },
  frames: (events) => {
    // sampled: the latest order of each contract in the second
    const latest = new Map<string, ModelLiquidation>();
    for (const e of events) latest.set(swapOf(e.market).instId, e);
    return [...latest.entries()].map(([instId, e]) => {
      const s = swapOf(e.market);
      const detail: OkxLiquidation = {
        instId, side: e.side === 'SELL' ? 'sell' : 'buy', posSide: e.side === 'SELL' ? 'long' : 'short',
        bkPx: (e.price / s.multiplier).toFixed(s.decimals), sz: String(Number((e.quantity * s.multiplier / s.ctVal).toFixed(2))), ts: String(e.time),
      };
      const family = instId.replace(/-SWAP$/, '');
      const { instId: _, ...rest } = detail;
      return {
        text: JSON.stringify({ arg: { channel: 'liquidation-orders', instType: 'SWAP' }, data: [{ instType: 'SWAP', instId, instFamily: family, uly: family, details: [{ ...rest, bkLoss: '0', ccy: '' }] }] }),
        sent: [detail],
      };
    });
  },
};
