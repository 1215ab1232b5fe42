import type { LiquidationFeed } from '../../liquidations/feed.js';
import { numberOrNaN } from '../../core/numbers.js';

/**
 * Binance's USDT-M liquidation stream (`forceOrder`), served under the market root since the legacy
 * `/ws/` and `/stream` roots were retired on 2026-04-23: `/market/ws/!forceOrder@arr` (every symbol), or
 * `/market/stream?streams=<sym>@forceOrder/…` (named ones, framed `{"stream":…,"data":…}`). At most one
 * order per symbol per second is pushed: the latest (Binance's docs), so the feed is sampled.
 *
 *   {"e":"forceOrder","E":1568014460893,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"0.014",
 *    "p":"9910","ap":"9910","X":"FILLED","l":"0.014","z":"0.014","T":1568014460893,"ps":"BTCUSDT","st":1}}
 *
 * `S` is the order's side: a SELL closes a long.
 */
export const BINANCE_LIQUIDATIONS: LiquidationFeed = {
  completeness: 'sampled',
  realBase: 'wss://fstream.binance.com',
  needsSymbols: false,
  countsContracts: false,
  url: (base, symbols) => {
    const root = `${base.replace(/\/+$/, '')}/market`;
    if (!symbols || symbols.length === 0) return `${root}/ws/!forceOrder@arr`;
    return `${root}/stream?streams=${symbols.map((s) => `${s.toLowerCase()}@forceOrder`).join('/')}`;
  },
  subscribe: () => [],
  parse: (text, _ctx, add) => {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return 'malformed';
    }
    if (msg && typeof msg === 'object' && 'result' in msg) return 'control';
    const e = ((msg as { data?: unknown })?.data ?? msg) as { e?: unknown; E?: unknown; o?: Record<string, unknown> };
    if (!e || e.e !== 'forceOrder' || typeof e.E !== 'number' || !e.o || typeof e.o !== 'object') return 'malformed';
    const o = e.o;
    if (typeof o['s'] !== 'string' || typeof o['T'] !== 'number' || (o['S'] !== 'BUY' && o['S'] !== 'SELL')) return 'malformed';
    const text1 = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    add({
      time: o['T'], eventTime: e.E, symbol: o['s'], side: o['S'], positionSide: o['S'] === 'SELL' ? 'long' : 'short',
      quantity: numberOrNaN(o['q']), price: numberOrNaN(o['p']), averagePrice: numberOrNaN(o['ap']),
      orderType: text1(o['o']), timeInForce: text1(o['f']), status: text1(o['X']), lastFilled: numberOrNaN(o['l']), filledAccumulated: numberOrNaN(o['z']),
    });
    return 'events';
  },
};
