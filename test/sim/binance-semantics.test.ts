import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../src/sim/server.js';

const NOW = Date.parse('2024-06-05T11:30:00Z');

async function get(url: string): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json(), headers: res.headers };
}

describe('kline parameters and errors, as Binance answers them', () => {
  let sim: RunningSim;
  beforeAll(async () => { sim = await startSim({ port: 0, now: NOW }); });
  afterAll(async () => { await sim.close(); });
  const k = (q: string) => get(`${sim.url}/api/v3/klines?${q}`);
  const fk = (q: string) => get(`${sim.url}/fapi/v1/klines?${q}`);

  it('defaults to 500 rows and caps limit at 1000 spot, 1500 futures', async () => {
    expect(((await k('symbol=BTCUSDT&interval=1m')).body as unknown[]).length).toBe(500);
    expect(((await k('symbol=BTCUSDT&interval=1m&limit=1000')).body as unknown[]).length).toBe(1000);
    expect(await k('symbol=BTCUSDT&interval=1m&limit=1001')).toMatchObject({ status: 400, body: { code: -1130 } });
    expect(((await fk('symbol=BTCUSDT&interval=1m&limit=1500')).body as unknown[]).length).toBe(1500);
    expect(await fk('symbol=BTCUSDT&interval=1m&limit=1501')).toMatchObject({ status: 400, body: { code: -1130 } });
  });

  it('answers with Binance error codes', async () => {
    expect(await k('symbol=NOPEUSDT&interval=1h')).toMatchObject({ status: 400, body: { code: -1121, msg: 'Invalid symbol.' } });
    expect(await k('symbol=BTCUSDT&interval=7h')).toMatchObject({ status: 400, body: { code: -1120, msg: 'Invalid interval.' } });
    expect(await k('interval=1h')).toMatchObject({ status: 400, body: { code: -1102 } });
    expect(await k('symbol=BTCUSDT&interval=1h&startTime=abc')).toMatchObject({ status: 400, body: { code: -1100 } });
    expect(await k('symbol=BTCUSDT&interval=1h&startTime=2000&endTime=1000')).toMatchObject({ status: 400, body: { code: -1023 } });
    expect(await get(`${sim.url}/api/v3/depth?symbol=BTCUSDT`)).toMatchObject({ status: 404, body: { code: -1000 } });
  });

  it('serves 12-field rows with string prices, endTime inclusive, the last `limit` rows without startTime', async () => {
    const end = Date.parse('2024-06-01T10:00Z');
    const rows = (await k(`symbol=ETHUSDT&interval=1h&endTime=${end}&limit=3`)).body as unknown[][];
    expect(rows.map((r) => r[0])).toEqual([end - 7_200_000, end - 3_600_000, end]);
    expect(rows[0]).toHaveLength(12);
    expect(typeof rows[0]![1]).toBe('string');
    expect(rows[0]![6]).toBe(end - 7_200_000 + 3_600_000 - 1);
  });

  it('answers /time with the simulated clock and publishes rate limits in exchangeInfo', async () => {
    expect((await get(`${sim.url}/api/v3/time`)).body).toEqual({ serverTime: NOW });
    const spot = (await get(`${sim.url}/api/v3/exchangeInfo`)).body as { rateLimits: { rateLimitType: string; limit: number }[] };
    const fut = (await get(`${sim.url}/fapi/v1/exchangeInfo`)).body as { rateLimits: { rateLimitType: string; limit: number }[]; symbols: { contractType: string }[] };
    expect(spot.rateLimits[0]).toMatchObject({ rateLimitType: 'REQUEST_WEIGHT', limit: 6000 });
    expect(fut.rateLimits[0]).toMatchObject({ rateLimitType: 'REQUEST_WEIGHT', limit: 2400 });
    expect(fut.symbols.every((s) => s.contractType === 'PERPETUAL')).toBe(true);
  });
});

describe('request weight, 429 and 418', () => {
  let sim: RunningSim;
  let clock = 1_000_000;
  beforeAll(async () => {
    sim = await startSim({ port: 0, now: NOW, rateClock: () => clock, rateLimits: { spot: { limit: 10, windowMs: 60_000, banBaseMs: 120_000 }, futures: { limit: 10, windowMs: 60_000 } } });
  });
  afterAll(async () => { await sim.close(); });

  it('counts Binance weights in X-MBX-USED-WEIGHT-1M (spot klines 2, futures by limit)', async () => {
    clock = 60_000 * 100;
    const a = await get(`${sim.url}/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=5`);
    expect(a.headers.get('x-mbx-used-weight-1m')).toBe('2');
    const f1 = await get(`${sim.url}/fapi/v1/klines?symbol=BTCUSDT&interval=1h&limit=99`);
    const f2 = await get(`${sim.url}/fapi/v1/klines?symbol=BTCUSDT&interval=1h&limit=500`);
    expect([f1.headers.get('x-mbx-used-weight-1m'), f2.headers.get('x-mbx-used-weight-1m')]).toEqual(['1', '6']);
  });

  it('answers 429 with Retry-After past the limit, then 418 with a growing ban, then recovers', async () => {
    clock = 60_000 * 200;
    const url = `${sim.url}/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=5`;
    for (let i = 0; i < 5; i++) expect((await get(url)).status).toBe(200);
    clock += 10_000;
    const limited = await get(url);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('50');
    const ban1 = await get(url);
    expect(ban1.status).toBe(418);
    expect(ban1.headers.get('retry-after')).toBe('120');
    const ban2 = await get(url);
    expect(ban2.status).toBe(418);
    expect(ban2.headers.get('retry-after')).toBe('240');
    clock += 241_000;
    expect((await get(url)).status).toBe(200);
  });
});
