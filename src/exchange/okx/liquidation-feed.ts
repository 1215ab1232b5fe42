import { numberOrNaN } from '../../core/numbers.js';
import type { LiquidationFeed } from '../../liquidations/feed.js';

/**
 * OKX's `liquidation-orders` on `/ws/v5/public`, one subscription for every swap (`instType` SWAP),
 * sampled: "each contract will only show a maximum of one order per one-second period. This data doesn't
 * represent the total number of liquidations". A frame:
 *
 *   {"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"instId":"BTC-USDT-SWAP",…,
 *    "details":[{"side":"buy","posSide":"short","bkPx":"…","sz":"…","bkLoss":"0","ccy":"","ts":"…"}]}]}
 *
 * `side` is the order's (`buy` closes a short); `sz` is in contracts, times the contract's value in coins
 * for the base-coin quantity; `bkPx` the bankruptcy price. The connection is kept with a text `ping`.
 * Facts and sources: ../shared/venues/bybit-okx.md §2.6.
 */
export const OKX_LIQUIDATIONS: LiquidationFeed = {
  completeness: 'sampled',
  realBase: 'wss://ws.okx.com:8443',
  needsSymbols: false,
  countsContracts: true,
  url: (base) => `${base.replace(/\/+$/, '')}/ws/v5/public`,
  subscribe: () => [JSON.stringify({ op: 'subscribe', args: [{ channel: 'liquidation-orders', instType: 'SWAP' }] })],
  // OKX drops a connection after 30 s without a message from the client
  textPing: { text: 'ping', everyMs: 20_000 },
  parse: (text, ctx, add) => {
    if (text === 'pong') return 'control';
    let msg: { event?: unknown; arg?: { channel?: unknown }; data?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return 'malformed';
    }
    if (msg && typeof msg === 'object' && 'event' in msg) return 'control';
    if (msg?.arg?.channel !== 'liquidation-orders' || !Array.isArray(msg.data)) return 'malformed';
    const out: Parameters<typeof add>[0][] = [];
    for (const d of msg.data as { instId?: unknown; details?: unknown }[]) {
      if (typeof d?.instId !== 'string' || !Array.isArray(d.details)) return 'malformed';
      const ctVal = ctx.contractSize(d.instId);
      for (const x of d.details as Record<string, unknown>[]) {
        if ((x['side'] !== 'buy' && x['side'] !== 'sell') || !Number.isFinite(Number(x['ts']))) return 'malformed';
        const contracts = numberOrNaN(x['sz']);
        const sell = x['side'] === 'sell';
        out.push({
          time: Number(x['ts']), eventTime: Number(x['ts']), symbol: d.instId, side: sell ? 'SELL' : 'BUY', positionSide: sell ? 'long' : 'short',
          // an instrument listed after the markets were read has no known size yet: its contracts are kept, the quantity is missing
          quantity: ctVal === undefined ? NaN : contracts * ctVal, contracts, price: numberOrNaN(x['bkPx']),
        });
      }
    }
    for (const e of out) add(e);
    return 'events';
  },
};
