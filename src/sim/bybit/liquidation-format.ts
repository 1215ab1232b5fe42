import type { ModelLiquidation, StreamClient, StreamFormat } from '../liquidation-stream.js';

/** One liquidation as Bybit sends it in an `allLiquidation` frame's `data`. */
export interface BybitLiquidation {
  /** Trade time. */
  readonly T: number;
  readonly s: string;
  /** The side of the position liquidated: `Buy` a long, `Sell` a short. */
  readonly S: 'Buy' | 'Sell';
  /** Size in the base coin. */
  readonly v: string;
  /** Bankruptcy price. */
  readonly p: string;
}

/** Bybit's public linear stream, where `allLiquidation.{symbol}` is subscribed (one topic per symbol). */
export const BYBIT_PUBLIC_LINEAR = '/v5/public/linear';

/**
 * Bybit's `allLiquidation.{symbol}`: every liquidation (complete), pushed every 500 ms as a batch per
 * symbol, `{"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":…,"data":[{T,s,S,v,p}]}`. `S` is
 * the side of the position (a `Buy` position was a long); `p` the bankruptcy price. Subscriptions are
 * `{"op":"subscribe","args":[…]}`; `{"op":"ping"}` is answered with a pong.
 */
export const BYBIT_LIQUIDATION_FORMAT: StreamFormat<BybitLiquidation> = {
  accept: (url) => (url.pathname === BYBIT_PUBLIC_LINEAR ? { symbols: new Set(), combined: false } : null),
  idOf: (m) => m.id,
  message: (text, c: StreamClient) => {
    let msg: { op?: string; args?: unknown[]; req_id?: string };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return { reply: JSON.stringify({ success: false, ret_msg: 'error: invalid request', op: '' }) };
    }
    if (msg.op === 'ping') return { reply: JSON.stringify({ success: true, ret_msg: 'pong', conn_id: 'sim', op: 'ping', ...(msg.req_id ? { req_id: msg.req_id } : {}) }) };
    if (msg.op !== 'subscribe' && msg.op !== 'unsubscribe') return { reply: JSON.stringify({ success: false, ret_msg: `error: unknown op ${msg.op}`, op: msg.op ?? '' }) };
    const topics = (msg.args ?? []).map(String);
    const bad = topics.find((t) => !/^allLiquidation\.[A-Z0-9]+$/.test(t));
    if (bad) return { reply: JSON.stringify({ success: false, ret_msg: `error:handler not found,topic:${bad}`, conn_id: 'sim', op: msg.op }) };
    const symbols = new Set(c.symbols ?? []);
    for (const t of topics) {
      const id = t.slice('allLiquidation.'.length);
      if (msg.op === 'subscribe') symbols.add(id);
      else symbols.delete(id);
    }
    return { symbols, reply: JSON.stringify({ success: true, ret_msg: '', conn_id: 'sim', op: msg.op, ...(msg.req_id ? { req_id: msg.req_id } : {}) }) };
  },
  frames: (events, _c, second) => {
    // two batches a second (every 500 ms), one frame per symbol in each
    const out: { text: string; sent: BybitLiquidation[] }[] = [];
    for (const half of [0, 1]) {
      const from = second * 1000 + half * 500;
      const bySymbol = new Map<string, BybitLiquidation[]>();
      for (const e of events.filter((x) => x.time >= from && x.time < from + 500)) {
        const list = bySymbol.get(e.market.id) ?? [];
        list.push(payload(e));
        bySymbol.set(e.market.id, list);
      }
      for (const [id, data] of bySymbol) out.push({ text: JSON.stringify({ topic: `allLiquidation.${id}`, type: 'snapshot', ts: from + 500, data }), sent: data });
    }
    return out;
  },
};

function payload(e: ModelLiquidation): BybitLiquidation {
  // a SELL order closes a long: Bybit reports the position's side
  return { T: e.time, s: e.market.id, S: e.side === 'SELL' ? 'Buy' : 'Sell', v: String(e.quantity), p: e.price.toFixed(e.priceDecimals) };
}
