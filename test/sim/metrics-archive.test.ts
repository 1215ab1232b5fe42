import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import { silentLog } from '../../src/core/log.js';
import { BinanceArchives } from '../../src/exchange/binance/archives.js';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { tempDir } from '../helpers/cli.js';

/**
 * Binance's `metrics` archive on the simulator (futures/um/daily/metrics: a day of 5m statistics of a
 * perpetual) holds, row by row, the values its REST endpoints serve for the same periods, read here over
 * HTTP in both shapes; it exists from 2021-12-01 and once a day is published; the archive reader returns
 * the same numbers.
 */
const NOW = Date.parse('2026-06-01T05:00:00Z');
const DAY = 86_400_000;
const D = Date.parse('2026-05-28T00:00:00Z');

let sim: RunningSim;
beforeAll(async () => { sim = await startSim({ port: 0, now: NOW, seed: 5, symbols: ['BTC/USDT', 'ETH/USDT'] }); });
afterAll(async () => { await sim.close(); });

const label = (t: number) => new Date(t).toISOString().slice(0, 10);
const path = (sym: string, t: number) => `/data/futures/um/daily/metrics/${sym}/${sym}-metrics-${label(t)}.zip`;

async function rest(endpoint: string): Promise<Record<string, string | number>[]> {
  const res = await fetch(`${sim.url}/futures/data/${endpoint}?symbol=BTCUSDT&period=5m&startTime=${D}&endTime=${D + DAY - 1}&limit=500`);
  expect(res.status).toBe(200);
  return await res.json() as Record<string, string | number>[];
}

describe("the simulator's metrics archive", () => {
  it('is a zip with its .CHECKSUM, one CSV with a header and 288 5m rows whose values are the REST endpoints\' for the same periods', async () => {
    const zip = new Uint8Array(await (await fetch(`${sim.url}${path('BTCUSDT', D)}`)).arrayBuffer());
    const sum = await (await fetch(`${sim.url}${path('BTCUSDT', D)}.CHECKSUM`)).text();
    expect(sum).toBe(`${createHash('sha256').update(zip).digest('hex')}  BTCUSDT-metrics-${label(D)}.zip\n`);
    const files = unzipSync(zip);
    expect(Object.keys(files)).toEqual([`BTCUSDT-metrics-${label(D)}.csv`]);
    const [header, ...rows] = new TextDecoder().decode(Object.values(files)[0]).trim().split('\n').map((l) => l.split(','));
    expect(header).toEqual(['create_time', 'symbol', 'sum_open_interest', 'sum_open_interest_value', 'count_toptrader_long_short_ratio', 'sum_toptrader_long_short_ratio', 'count_long_short_ratio', 'sum_taker_long_short_vol_ratio']);
    expect(rows.length).toBe(288);
    const [oi, topAcc, topPos, global, taker] = await Promise.all(['openInterestHist', 'topLongShortAccountRatio', 'topLongShortPositionRatio', 'globalLongShortAccountRatio', 'takerlongshortRatio'].map(rest));
    for (const list of [oi, topAcc, topPos, global, taker]) expect(list!.length).toBe(288);
    rows.forEach((r, i) => {
      expect(Date.parse(`${r[0]!.replace(' ', 'T')}Z`)).toBe(Number(oi![i]!['timestamp']));
      expect(r[1]).toBe('BTCUSDT');
      expect([r[2], r[3]]).toEqual([oi![i]!['sumOpenInterest'], oi![i]!['sumOpenInterestValue']]);
      expect([r[4], r[5], r[6], r[7]]).toEqual([topAcc![i]!['longShortRatio'], topPos![i]!['longShortRatio'], global![i]!['longShortRatio'], taker![i]!['buySellRatio']]);
    });
    // top traders' accounts and positions are different series: a swapped column would show
    expect(rows.some((r) => r[4] !== r[5])).toBe(true);
  });

  it('exists from 2021-12-01, and a day only once published (8 h after it ends)', async () => {
    const status = async (p: string) => (await fetch(`${sim.url}${p}`)).status;
    expect(await status(path('BTCUSDT', Date.parse('2021-11-30T00:00:00Z')))).toBe(404);
    expect(await status(path('BTCUSDT', Date.parse('2021-12-01T00:00:00Z')))).toBe(200);
    expect(await status(path('BTCUSDT', NOW - (NOW % DAY) - DAY))).toBe(404); // yesterday: not before 08:00
    expect(await status(path('BTCUSDT', NOW - (NOW % DAY) - 2 * DAY))).toBe(200);
    expect(await status(path('NOPEUSDT', D))).toBe(404);
  });

  it('is read by the archive reader into the REST values, and a second read comes from the cache', async () => {
    const archives = new BinanceArchives(sim.url, await tempDir(), 'auto', silentLog);
    const m = await archives.metrics('BTC/USDT:USDT', D);
    if (typeof m === 'string') throw new Error(`day ${D}: ${m}`);
    const oi = await rest('openInterestHist');
    const pos = await rest('topLongShortPositionRatio');
    const taker = await rest('takerlongshortRatio');
    expect(Array.from(m.time)).toEqual(oi.map((r) => Number(r['timestamp'])));
    expect(Array.from(m.openInterest)).toEqual(oi.map((r) => Number(r['sumOpenInterest'])));
    expect(Array.from(m.openInterestValue)).toEqual(oi.map((r) => Number(r['sumOpenInterestValue'])));
    expect(Array.from(m.topPositionsRatio)).toEqual(pos.map((r) => Number(r['longShortRatio'])));
    expect(Array.from(m.takerRatio)).toEqual(taker.map((r) => Number(r['buySellRatio'])));
    const before = [...sim.requests.values()].reduce((a, b) => a + b, 0);
    const again = await archives.metrics('BTC/USDT:USDT', D);
    expect([...sim.requests.values()].reduce((a, b) => a + b, 0)).toBe(before);
    expect(typeof again === 'string' ? again : Array.from(again.openInterest)).toEqual(Array.from(m.openInterest));
    expect(await archives.metrics('BTC/USDT:USDT', NOW - (NOW % DAY))).toBe('unpublished'); // today
  });
});

describe("the simulator's fundingRate archive", () => {
  it('holds a month of settlements at their scheduled times, with the rates the REST endpoint serves', async () => {
    const month = '2026-04';
    const from = Date.parse(`${month}-01T00:00:00Z`);
    const to = Date.parse('2026-05-01T00:00:00Z');
    const p = `/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-${month}.zip`;
    const zip = new Uint8Array(await (await fetch(`${sim.url}${p}`)).arrayBuffer());
    expect(await (await fetch(`${sim.url}${p}.CHECKSUM`)).text()).toBe(`${createHash('sha256').update(zip).digest('hex')}  BTCUSDT-fundingRate-${month}.zip\n`);
    const [header, ...rows] = new TextDecoder().decode(Object.values(unzipSync(zip))[0]).trim().split('\n').map((l) => l.split(','));
    expect(header).toEqual(['calc_time', 'funding_interval_hours', 'last_funding_rate']);
    const served: Record<string, string | number>[] = [];
    for (let start = from; ;) {
      const page = await (await fetch(`${sim.url}/fapi/v1/fundingRate?symbol=BTCUSDT&startTime=${start}&endTime=${to - 1}&limit=1000`)).json() as Record<string, string | number>[];
      served.push(...page);
      if (page.length < 1000) break;
      start = Number(page[page.length - 1]!['fundingTime']) + 1;
    }
    expect(rows.length).toBe(served.length);
    expect(rows.length).toBeGreaterThanOrEqual(90); // every 8 h or more often
    rows.forEach((r, i) => {
      const t = Number(r[0]);
      expect(t % 3_600_000).toBe(0); // the scheduled hour
      expect(Number(served[i]!['fundingTime']) - t).toBeGreaterThanOrEqual(0); // served a few ms after it
      expect(Number(served[i]!['fundingTime']) - t).toBeLessThan(10);
      expect(r[2]).toBe(served[i]!['fundingRate']);
      if (i > 0) expect(t - Number(rows[i - 1]![0])).toBe(Number(r[1]) * 3_600_000);
    });
    expect((await fetch(`${sim.url}/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2026-06.zip`)).status).toBe(404); // the month is not over
  });
});
