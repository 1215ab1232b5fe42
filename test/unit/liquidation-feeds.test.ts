import { describe, expect, it } from 'vitest';
import { allVenues } from '../../src/exchange/venue.js';
import type { LiquidationFields } from '../../src/liquidations/feed.js';

/**
 * Each venue's liquidation frame, as its documentation shows it, read into the one schema: the side of the
 * liquidated position from the venue's own field (Binance and OKX send the order's side, Bybit the
 * position's), the size in the base coin (OKX counts contracts of `ctVal` coins).
 * Frames: Binance's USDT-M docs (forceOrder example); Bybit's v5 docs (all-liquidation.mdx); OKX's v5 docs
 * (liquidation-orders channel), as quoted in ../shared/venues/bybit-okx.md.
 */
const FRAMES: Record<string, { frame: object; ctVal?: Record<string, number>; want: Partial<LiquidationFields>[] }> = {
  binance: {
    frame: { e: 'forceOrder', E: 1568014460893, o: { s: 'BTCUSDT', S: 'SELL', o: 'LIMIT', f: 'IOC', q: '0.014', p: '9910', ap: '9910', X: 'FILLED', l: '0.014', z: '0.014', T: 1568014460893 } },
    want: [{ time: 1568014460893, symbol: 'BTCUSDT', side: 'SELL', positionSide: 'long', quantity: 0.014, price: 9910 }],
  },
  bybit: {
    frame: { topic: 'allLiquidation.ROSEUSDT', type: 'snapshot', ts: 1739502303204, data: [{ T: 1739502302929, s: 'ROSEUSDT', S: 'Sell', v: '20000', p: '0.04499' }] },
    want: [{ time: 1739502302929, eventTime: 1739502303204, symbol: 'ROSEUSDT', side: 'BUY', positionSide: 'short', quantity: 20000, price: 0.04499 }],
  },
  okx: {
    frame: { arg: { channel: 'liquidation-orders', instType: 'SWAP' }, data: [{ instType: 'SWAP', instId: 'BTC-USDT-SWAP', instFamily: 'BTC-USDT', uly: 'BTC-USDT',
      details: [{ side: 'buy', posSide: 'short', bkPx: '43215.1', sz: '12', bkLoss: '0', ccy: '', ts: '1703066262000' }] }] },
    ctVal: { 'BTC-USDT-SWAP': 0.01 },
    want: [{ time: 1703066262000, symbol: 'BTC-USDT-SWAP', side: 'BUY', positionSide: 'short', contracts: 12, quantity: 0.12, price: 43215.1 }],
  },
};

describe('every venue\'s liquidation feed reads its documented frame into the one schema', () => {
  it('has a documented frame for every venue with a feed', () => {
    expect(allVenues().filter((v) => v.liquidations).map((v) => v.id).sort()).toEqual(Object.keys(FRAMES).sort());
  });

  for (const [venue, c] of Object.entries(FRAMES)) {
    it(venue, () => {
      const feed = allVenues().find((v) => v.id === venue)!.liquidations!;
      const got: LiquidationFields[] = [];
      expect(feed.parse(JSON.stringify(c.frame), { contractSize: (id) => c.ctVal?.[id] ?? 1 }, (e) => got.push(e))).toBe('events');
      expect(got).toHaveLength(c.want.length);
      got.forEach((e, i) => expect(e).toMatchObject(c.want[i]!));
    });
  }

  it('OKX: a contract whose size is not known yet keeps its contracts, its quantity missing (never a guess)', () => {
    const feed = allVenues().find((v) => v.id === 'okx')!.liquidations!;
    const got: LiquidationFields[] = [];
    feed.parse(JSON.stringify(FRAMES['okx']!.frame), { contractSize: () => undefined }, (e) => got.push(e));
    expect(got[0]!.contracts).toBe(12);
    expect(got[0]!.quantity).toBeNaN();
  });
});
