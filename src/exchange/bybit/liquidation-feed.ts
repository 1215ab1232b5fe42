import { numberOrNaN } from '../../core/numbers.js';
import type { LiquidationFeed } from '../../liquidations/feed.js';

/** Topics per subscribe message (Bybit allows more on its futures streams; small messages are answered one by one). */
const TOPICS_PER_MESSAGE = 10;

/**
 * Bybit's `allLiquidation.{symbol}` on `/v5/public/linear`: every liquidation (complete, since 2025-02-20;
 * the old `liquidation.{symbol}` topic sent one a second and is gone), one topic per symbol (no
 * all-market topic: every perpetual is subscribed), batches every 500 ms:
 *
 *   {"topic":"allLiquidation.ROSEUSDT","type":"snapshot","ts":1739502303204,
 *    "data":[{"T":1739502302929,"s":"ROSEUSDT","S":"Sell","v":"20000","p":"0.04499"}]}
 *
 * `S` is the side of the position liquidated (`Buy`: a long), not the order's; `v` is the size in the
 * base coin, `p` the bankruptcy price. Facts and sources: ../shared/venues/bybit-okx.md §1.6.
 */
export const BYBIT_LIQUIDATIONS: LiquidationFeed = {
  completeness: 'complete',
  realBase: 'wss://stream.bybit.com',
  needsSymbols: true,
  countsContracts: false,
  url: (base) => `${base.replace(/\/+$/, '')}/v5/public/linear`,
  subscribe: (symbols) => {
    const topics = (symbols ?? []).map((s) => `allLiquidation.${s}`);
    const out: string[] = [];
    for (let i = 0; i < topics.length; i += TOPICS_PER_MESSAGE) out.push(JSON.stringify({ op: 'subscribe', args: topics.slice(i, i + TOPICS_PER_MESSAGE) }));
    return out;
  },
  // Bybit drops a public connection without traffic; its docs ask for a ping every 20 s
  textPing: { text: '{"op":"ping"}', everyMs: 20_000 },
  parse: (text, _ctx, add) => {
    let msg: { topic?: unknown; data?: unknown; op?: unknown; success?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return 'malformed';
    }
    if (msg && typeof msg === 'object' && 'op' in msg) return 'control';
    if (typeof msg?.topic !== 'string' || !msg.topic.startsWith('allLiquidation.') || !Array.isArray(msg.data)) return 'malformed';
    for (const d of msg.data as Record<string, unknown>[]) {
      if (typeof d?.['s'] !== 'string' || typeof d['T'] !== 'number' || (d['S'] !== 'Buy' && d['S'] !== 'Sell')) return 'malformed';
    }
    for (const d of msg.data as Record<string, unknown>[]) {
      const long = d['S'] === 'Buy';
      add({
        time: d['T'] as number, eventTime: typeof (msg as { ts?: unknown }).ts === 'number' ? (msg as { ts: number }).ts : d['T'] as number, symbol: d['s'] as string,
        side: long ? 'SELL' : 'BUY', positionSide: long ? 'long' : 'short', quantity: numberOrNaN(d['v']), price: numberOrNaN(d['p']),
      });
    }
    return 'events';
  },
};
