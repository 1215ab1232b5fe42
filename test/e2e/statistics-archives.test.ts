import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordOf } from '../../src/datasets/registry.js';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { storePath } from '../../src/store/store-path.js';
import { readStoreColumns } from '../../src/store/store-read.js';
import { runBinary, simArgs, tempDir } from '../helpers/cli.js';

/**
 * Futures statistics from Binance's `metrics` archive, through the binary against the simulator: a build
 * with --archives auto reaches back before REST's 30 days at 5m, every 5m period from the start to the last
 * closed one; the archive days hold the archive's values (read here from the zips over HTTP), the last 30
 * days the REST answers'; shares derived from the archive's ratio, taker volumes null where the archive
 * has only the ratio; without archives the same build starts 30 days back.
 */
const NOW = Date.parse('2026-06-01T05:00:00Z');
const DAY = 86_400_000;
const SINCE = '2026-03-01';
const PERPS = ['BTC/USDT:USDT', 'ETH/USDT:USDT', 'SOL/USDT:USDT'];

let sim: RunningSim;
beforeAll(async () => { sim = await startSim({ port: 0, now: NOW, seed: 23, symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'] }); });
afterAll(async () => { await sim.close(); });

async function stored(dir: string, dataset: string, symbol: string): Promise<Record<string, Float64Array>> {
  const d = recordOf(dataset)!.descriptor;
  return (await readStoreColumns(d, storePath(dir, 'binance', d, symbol, '5m'))).columns as Record<string, Float64Array>;
}

/** A day of the archive as Binance publishes it: column name → values, by `create_time`. */
async function archiveDay(sym: string, day: number): Promise<Map<number, Record<string, number>>> {
  const label = new Date(day).toISOString().slice(0, 10);
  const res = await fetch(`${sim.url}/data/futures/um/daily/metrics/${sym}/${sym}-metrics-${label}.zip`);
  expect(res.status).toBe(200);
  const [header, ...rows] = new TextDecoder().decode(Object.values(unzipSync(new Uint8Array(await res.arrayBuffer())))[0]).trim().split('\n').map((l) => l.split(','));
  return new Map(rows.map((r) => [Date.parse(`${r[0]!.replace(' ', 'T')}Z`), Object.fromEntries(header!.map((h, i) => [h, Number(r[i])]))]));
}

describe('statistics from the metrics archive (--archives auto)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    const r = await runBinary(['build', '--symbol', PERPS.join(','), '--datasets', 'open-interest,long-short-top-positions,taker-volume', '--timeframes', '5m', '--since', SINCE, '--archives', 'auto', ...simArgs(sim.url, dir)]);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('holds every 5m period from --since to the last closed one, for each perpetual and dataset', async () => {
    const last = Math.floor(NOW / 300_000) * 300_000 - 300_000;
    for (const symbol of PERPS) {
      for (const dataset of ['open-interest', 'long-short-top-positions', 'taker-volume']) {
        const t = (await stored(dir, dataset, symbol))['time']!;
        expect(t[0], `${symbol} ${dataset}`).toBe(Date.parse(`${SINCE}T00:00:00Z`));
        expect(t[t.length - 1], `${symbol} ${dataset}`).toBe(last);
        expect(t.length, `${symbol} ${dataset}: no gap`).toBe((last - t[0]!) / 300_000 + 1);
      }
    }
    const v = await runBinary(['validate', '--datasets', 'open-interest,long-short-top-positions,taker-volume', '--json', '--now', new Date(NOW).toISOString(), '--data-dir', dir]);
    expect(v.code, v.stdout).toBe(0);
  });

  it('stores the archive\'s values before the last 30 days and the REST answers within them', async () => {
    const oi = await stored(dir, 'open-interest', 'ETH/USDT:USDT');
    const pos = await stored(dir, 'long-short-top-positions', 'ETH/USDT:USDT');
    const taker = await stored(dir, 'taker-volume', 'ETH/USDT:USDT');
    // an archive day, two months back
    const day = Date.parse('2026-04-02T00:00:00Z');
    const arch = await archiveDay('ETHUSDT', day);
    const at = (t: Float64Array, x: number) => t.indexOf(x);
    for (const [time, row] of arch) {
      const i = at(oi['time']!, time);
      expect(oi['contracts']![i]).toBe(row['sum_open_interest']);
      expect(oi['value']![i]).toBe(row['sum_open_interest_value']);
      const j = at(pos['time']!, time);
      expect(pos['ratio']![j]).toBe(row['sum_toptrader_long_short_ratio']);
      const r = row['sum_toptrader_long_short_ratio']!;
      expect(pos['long']![j]).toBe(r / (1 + r));
      expect(pos['short']![j]).toBe(1 / (1 + r));
      const k = at(taker['time']!, time);
      expect(taker['buySellRatio']![k]).toBe(row['sum_taker_long_short_vol_ratio']);
      expect(Number.isNaN(taker['buyVolume']![k]!)).toBe(true); // the archive has only the ratio
    }
    // a day REST serves: its answers, with the shares and volumes the archive lacks
    const recent = NOW - (NOW % DAY) - 3 * DAY;
    const rest = await (await fetch(`${sim.url}/futures/data/takerlongshortRatio?symbol=ETHUSDT&period=5m&startTime=${recent}&endTime=${recent + DAY - 1}&limit=500`)).json() as Record<string, string | number>[];
    expect(rest.length).toBe(288);
    for (const r of rest) {
      const k = at(taker['time']!, Number(r['timestamp']));
      expect(taker['buyVolume']![k]).toBe(Number(r['buyVol']));
      expect(taker['buySellRatio']![k]).toBe(Number(r['buySellRatio']));
    }
  });

  it('without archives the same build starts where REST\'s 30 days do, and records the rest as unrecoverable', async () => {
    const other = await tempDir();
    const r = await runBinary(['build', '--symbol', 'BTC/USDT:USDT', '--datasets', 'open-interest', '--timeframes', '5m', '--since', SINCE, '--archives', 'off', ...simArgs(sim.url, other)]);
    expect(r.code, r.stderr).toBe(0);
    const t = (await stored(other, 'open-interest', 'BTC/USDT:USDT'))['time']!;
    expect(t[0]!).toBeGreaterThan(NOW - 30 * DAY);
    expect(t[0]!).toBeLessThan(NOW - 29 * DAY);
  });
});

describe('mark, index and premium klines from their archives', () => {
  it('a build reading the archives writes the stores a REST-only build writes, bit for bit, the archive files asked for every past month and published day', async () => {
    const withArchives = await tempDir();
    const restOnly = await tempDir();
    const args = ['build', '--symbol', 'SOL/USDT:USDT', '--datasets', 'mark-price,index-price,premium-index', '--timeframes', '1h', '5m', '--since', '2026-03-15'];
    const before = new Map(sim.requests);
    const a = await runBinary([...args, '--archives', 'auto', ...simArgs(sim.url, withArchives)]);
    expect(a.code, a.stderr).toBe(0);
    const asked = (re: RegExp) => [...sim.requests].filter(([p]) => re.test(p)).reduce((n, [p, c]) => n + c - (before.get(p) ?? 0), 0);
    // March and April from the monthly files, May 1–30 from the daily ones (May 31's appears at 08:00 on June 1)
    for (const series of ['markPriceKlines', 'indexPriceKlines', 'premiumIndexKlines']) {
      expect(asked(new RegExp(`/data/futures/um/monthly/${series}/SOLUSDT/1h/SOLUSDT-1h-2026-0[34]\\.zip$`)), series).toBe(2);
      expect(asked(new RegExp(`/data/futures/um/daily/${series}/SOLUSDT/1h/SOLUSDT-1h-2026-05-\\d\\d\\.zip$`)), series).toBe(30);
    }
    const b = await runBinary([...args, '--archives', 'off', ...simArgs(sim.url, restOnly)]);
    expect(b.code, b.stderr).toBe(0);
    for (const dataset of ['mark-price', 'index-price', 'premium-index']) {
      const d = recordOf(dataset)!.descriptor;
      for (const tf of ['1h', '5m']) {
        const x = (await readStoreColumns(d, storePath(withArchives, 'binance', d, 'SOL/USDT:USDT', tf))).columns;
        const y = (await readStoreColumns(d, storePath(restOnly, 'binance', d, 'SOL/USDT:USDT', tf))).columns;
        expect(x['time']!.length, `${dataset} ${tf}`).toBeGreaterThan(1000);
        for (const k of Object.keys(y)) expect(Buffer.from(x[k]!.buffer).equals(Buffer.from(y[k]!.buffer)), `${dataset} ${tf} ${k}`).toBe(true);
      }
    }
  }, 120_000);
});
