import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { binanceAt, fetchAllOhlcv } from '../helpers/ccxt-binance.js';
import { fixture, shared } from '../helpers/fixtures.js';

const NOW = Date.parse('2024-06-05T11:30:00Z');

describe('real ccxt.binance against the simulator', () => {
  let sim: RunningSim;
  beforeAll(async () => { sim = await startSim({ port: 0, now: NOW, seed: 7 }); });
  afterAll(async () => { await sim.close(); });

  it('loads spot and USDT-M markets with ccxt names', async () => {
    const ex = binanceAt(sim.url);
    const markets = await ex.loadMarkets();
    expect(markets['ETH/USDT']).toMatchObject({ type: 'spot', spot: true, base: 'ETH', quote: 'USDT' });
    expect(markets['BTC/USDT:USDT']).toMatchObject({ type: 'swap', linear: true, settle: 'USDT', contract: true });
    expect(Object.keys(markets)).toHaveLength(24); // a dozen coins, spot and perpetual each
    expect(markets['ETH/USDT']!.precision.price).toBeGreaterThan(0);
  });

  it('fetches spot and perpetual OHLCV, nothing after now, still-open last candle', async () => {
    const ex = binanceAt(sim.url);
    for (const symbol of ['ETH/USDT', 'BTC/USDT:USDT']) {
      const rows = (await ex.fetchOHLCV(symbol, '1h', NOW - 48 * 3_600_000, 1000)) as number[][];
      expect(rows.length).toBeGreaterThan(40);
      expect(rows[rows.length - 1]![0]).toBe(Date.parse('2024-06-05T11:00:00Z'));
      for (const r of rows) {
        expect(r[0]! % 3_600_000).toBe(0);
        expect(r[2]!).toBeGreaterThanOrEqual(Math.max(r[1]!, r[4]!));
        expect(r[3]!).toBeLessThanOrEqual(Math.min(r[1]!, r[4]!));
        expect(r[3]!).toBeGreaterThan(0);
      }
    }
    const spot = (await ex.fetchOHLCV('ETH/USDT', '1h', NOW - 3_600_000 * 5, 10)) as number[][];
    const perp = (await ex.fetchOHLCV('ETH/USDT:USDT', '1h', NOW - 3_600_000 * 5, 10)) as number[][];
    expect(spot[0]![4]).not.toBe(perp[0]![4]); // futures prices are not spot prices
  });

  it('returns the candle containing now with partial volume, and the full one once it has closed', async () => {
    const open = Date.parse('2024-06-05T11:00:00Z');
    const url = `${sim.url}/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=${open}`;
    const partial = (await (await fetch(url)).json()) as string[][];
    expect(partial).toHaveLength(1);
    sim.setNow(open + 3_600_000 * 3);
    const later = (await (await fetch(url)).json()) as string[][];
    sim.setNow(NOW);
    expect(later[0]![0]).toBe(open);
    expect(Number(partial[0]![5])).toBeLessThan(Number(later[0]![5]));
    expect(Number(partial[0]![1])).toBe(Number(later[0]![1])); // same open
    expect(partial[0]![6]).toBe(open + 3_600_000 - 1); // close time
  });

  it('aligns 1w candles to Monday and 1M candles to the 1st, UTC', async () => {
    const ex = binanceAt(sim.url);
    const weeks = (await ex.fetchOHLCV('BTC/USDT', '1w', Date.parse('2023-01-01T00:00Z'), 20)) as number[][];
    const months = (await ex.fetchOHLCV('BTC/USDT', '1M', Date.parse('2022-01-01T00:00Z'), 20)) as number[][];
    expect(weeks).toHaveLength(20);
    for (const w of weeks) expect([new Date(w[0]!).getUTCDay(), new Date(w[0]!).getUTCHours()]).toEqual([1, 0]);
    expect(months.map((m) => new Date(m[0]!).toISOString().slice(0, 10))).toEqual(
      Array.from({ length: 20 }, (_, i) => new Date(Date.UTC(2022, i, 1)).toISOString().slice(0, 10)));
  });

  it('derives every timeframe from one base: 4h equals the 1h aggregate, 1h equals the 1m aggregate', async () => {
    const ex = binanceAt(sim.url);
    const from = Date.parse('2024-05-01T00:00Z');
    const h1 = (await ex.fetchOHLCV('SOL/USDT', '1h', from, 96)) as number[][];
    const h4 = (await ex.fetchOHLCV('SOL/USDT', '4h', from, 24)) as number[][];
    for (const bar of h4) {
      const subs = h1.filter((r) => r[0]! >= bar[0]! && r[0]! < bar[0]! + 4 * 3_600_000);
      expect(subs.length).toBeGreaterThan(0);
      expect(bar[1]).toBe(subs[0]![1]);
      expect(bar[2]).toBe(Math.max(...subs.map((r) => r[2]!)));
      expect(bar[3]).toBe(Math.min(...subs.map((r) => r[3]!)));
      expect(bar[4]).toBe(subs[subs.length - 1]![4]);
      expect(bar[5]).toBeCloseTo(subs.reduce((s, r) => s + r[5]!, 0), 6);
    }
    const m1 = (await ex.fetchOHLCV('SOL/USDT', '1m', from, 60)) as number[][];
    expect(h1[0]![2]).toBe(Math.max(...m1.map((r) => r[2]!)));
    expect(h1[0]![4]).toBe(m1[59]![4]);
  });

  it('has no candles before listing and starts at the listing hour', async () => {
    const ex = binanceAt(sim.url);
    const rows = (await ex.fetchOHLCV('BTC/USDT:USDT', '1h', Date.parse('2019-01-01T00:00Z'), 3)) as number[][];
    expect(new Date(rows[0]![0]!).toISOString()).toBe('2019-09-08T17:00:00.000Z'); // Binance's BTCUSDT perpetual launch
  });

  it('has maintenance gaps, each after a flat zero-volume hour, the same on every symbol and every run', async () => {
    const ex = binanceAt(sim.url);
    const rows = await fetchAllOhlcv(ex, 'ETH/USDT', '1h', Date.parse('2023-01-01T00:00Z'), 1000);
    const gaps = rows.flatMap((r, i) => (i > 0 && r[0]! - rows[i - 1]![0]! > 3_600_000 ? [i] : []));
    expect(gaps.length).toBeGreaterThan(3);
    for (const i of gaps) {
      const flat = rows[i - 1]!;
      expect([flat[1], flat[2], flat[3]]).toEqual([flat[4], flat[4], flat[4]]);
      expect(flat[5]).toBe(0);
    }
    const other = await startSim({ port: 0, now: NOW, seed: 7 });
    const again = await fetchAllOhlcv(binanceAt(other.url), 'ETH/USDT', '1h', Date.parse('2023-01-01T00:00Z'), 1000);
    await other.close();
    expect(again).toEqual(rows);
  });
});

describe('replaying recorded Binance candles through ccxt', () => {
  const cases = [
    { name: 'committed 2017 slice', h1: fixture('btcusdt-1h-2017.djienne.freqtrade.json'), h4: fixture('btcusdt-4h-2017.djienne.freqtrade.json'), rows: 2400 },
    ...(shared('candles/binance_spot_BTCUSDT_1h.djienne.freqtrade.json') ? [{
      name: 'full 2017–2022 file', h1: shared('candles/binance_spot_BTCUSDT_1h.djienne.freqtrade.json')!,
      h4: shared('candles/binance_spot_BTCUSDT_4h.djienne.freqtrade.json')!, rows: 45024,
    }] : []),
  ];
  for (const c of cases) {
    it(`returns every bar bit-exact and a 4h aggregate equal to Binance's 4h (${c.name})`, async () => {
      const recorded = JSON.parse(readFileSync(c.h1, 'utf8')) as number[][];
      const last = recorded[recorded.length - 1]![0]!;
      const sim = await startSim({ port: 0, now: last + 3_600_000 + 1, replay: { 'BTC/USDT': c.h1 } });
      try {
        const ex = binanceAt(sim.url);
        const got = await fetchAllOhlcv(ex, 'BTC/USDT', '1h', 0, 1000);
        expect(got).toHaveLength(c.rows);
        expect(got).toEqual(recorded);
        const h4 = JSON.parse(readFileSync(c.h4, 'utf8')) as number[][];
        const got4 = await fetchAllOhlcv(ex, 'BTC/USDT', '4h', 0, 1000);
        expect(got4.slice(0, h4.length)).toEqual(h4);
      } finally {
        await sim.close();
      }
    });
  }

  it('replays a 12-column USDT-M kline CSV with header as the perpetual', async () => {
    const sim = await startSim({ port: 0, now: Date.parse('2019-10-01T00:00Z'), replay: { 'BTC/USDT:USDT': fixture('btcusdt-usdm-1h-2019-09.patchtst.csv') } });
    try {
      const rows = (await binanceAt(sim.url).fetchOHLCV('BTC/USDT:USDT', '1h', 0, 1500)) as number[][];
      expect(rows).toHaveLength(300);
      expect(rows[0]).toEqual([Date.parse('2019-09-08T17:00Z'), 10000, 10000, 10000, 10000, 0.002]);
    } finally {
      await sim.close();
    }
  });
});
