import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coverage } from '../../src/core/interval.js';
import { recordOf } from '../../src/datasets/registry.js';
import type { BybitLiquidation } from '../../src/sim/bybit/liquidation-format.js';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { storePath } from '../../src/store/store-path.js';
import { readStoreColumns } from '../../src/store/store-read.js';
import { runBinary, runCli, simArgs, tempDir } from '../helpers/cli.js';
import { ROOT } from '../helpers/fixtures.js';
import { buildVenue, venueArgs } from '../helpers/venue-builds.js';
import { readLiquidationDay } from '../helpers/liquidation-days.js';
import { allStoreColumns } from '../helpers/store-columns.js';

/**
 * Bybit as a first-class venue, through the binary against the simulator's Bybit dialect: candles (1m, 5m,
 * 1h, 1d) and every dataset Bybit serves are built and updated (update ≡ build, bit for bit), validated
 * clean, listed with the venue; every stored value equals what the simulator serves, read here over HTTP
 * in Bybit's own shape (newest-first pages, strings, `retCode` envelopes); the liquidation stream is
 * recorded through dropped links and kill -9 with nothing received lost.
 */

const T1 = Date.parse('2026-11-18T09:17:00Z');
const T2 = Date.parse('2026-11-20T14:41:00Z');
const SINCE = '2026-11-15';
const PERP = 'BTC/USDT:USDT';
const SPOT = 'ETH/USDT';
const DATASETS = ['funding', 'open-interest', 'long-short-global', 'mark-price', 'index-price', 'premium-index'];
const TFS = ['1m', '5m', '1h', '1d'];

const SIM = { port: 0, seed: 17, symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'], venues: ['bybit'] };
let sim: RunningSim;
beforeAll(async () => {
  sim = await startSim({ ...SIM, now: T1 });
});
afterAll(async () => { await sim.close(); });

const bybit = (dir: string, url = sim.url) => venueArgs('bybit', url, dir);

/** Builds of the candles and of every dataset Bybit serves. */
const buildAll = (dir: string, url = sim.url) => buildVenue({ venue: 'bybit', perp: PERP, spot: SPOT, timeframes: TFS, datasets: DATASETS, since: SINCE }, url, dir);

/** A v5 answer's list, checked as Bybit sends it. */
async function v5(path: string, q: Record<string, string | number>): Promise<unknown[]> {
  const res = await fetch(`${sim.url}/v5/market/${path}?${new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)] as [string, string]))}`);
  const body = await res.json() as { retCode: number; result: { list: unknown[] } };
  expect(body.retCode).toBe(0);
  return body.result.list;
}

/** Every kline of [from, to) as Bybit serves it: pages of 1,000 walking back from `to` by `end`, newest first. */
async function servedKlines(path: string, category: string, id: string, interval: string, from: number, to: number): Promise<string[][]> {
  const out: string[][] = [];
  for (let end = to - 1; ;) {
    const list = await v5(path, { category, symbol: id, interval, end, limit: 1000 }) as string[][];
    for (let i = 1; i < list.length; i++) expect(Number(list[i]![0]) < Number(list[i - 1]![0]), 'newest first').toBe(true);
    out.push(...list.filter((r) => Number(r[0]) >= from && Number(r[0]) < to));
    const oldest = Number(list[list.length - 1]?.[0] ?? -Infinity);
    if (list.length < 1000 || oldest <= from) break;
    end = oldest - 1;
  }
  return out.reverse();
}

/** Every statistic row of [from, to) as Bybit serves it: newest first, walked by its cursor. */
async function servedStatistic(path: string, periodParam: string, period: string, id: string, from: number, to: number, limit: number): Promise<Record<string, string>[]> {
  const out: Record<string, string>[] = [];
  for (let cursor = ''; ;) {
    const res = await fetch(`${sim.url}/v5/market/${path}?category=linear&symbol=${id}&${periodParam}=${period}&startTime=${from}&endTime=${to - 1}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    const body = await res.json() as { result: { list: Record<string, string>[]; nextPageCursor: string } };
    out.push(...body.result.list);
    cursor = body.result.nextPageCursor;
    if (!cursor) break;
  }
  return out.reverse();
}

async function stored(dir: string, dataset: string, symbol: string, tf?: string): Promise<Record<string, number[]>> {
  const d = recordOf(dataset)!.descriptor;
  const { columns } = await readStoreColumns(d, storePath(dir, 'bybit', d, symbol, d.perTimeframe ? tf : undefined));
  return Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, Array.from(v!)]));
}

describe('Bybit through the binary against its simulator dialect', () => {
  let built: string;
  beforeAll(async () => {
    sim.setNow(T1);
    built = await tempDir();
    await buildAll(built);
  }, 120_000);

  it('stores the values Bybit serves, read independently in its own shape (newest-first pages, base-coin volume)', async () => {
    const until = Math.floor(T1 / 3_600_000) * 3_600_000;
    for (const [symbol, category] of [[PERP, 'linear'], [SPOT, 'spot']] as const) {
      const rows = await servedKlines('kline', category, symbol.replace(/\/|:USDT/g, ''), '60', Date.parse(SINCE), until);
      const s = await stored(built, 'ohlcv', symbol, '1h');
      expect(s['time']).toEqual(rows.map((r) => Number(r[0])));
      ['open', 'high', 'low', 'close', 'volume'].forEach((k, i) => expect(s[k], `${symbol} ${k}`).toEqual(rows.map((r) => Number(r[i + 1]))));
    }
    for (const [dataset, path] of [['mark-price', 'mark-price-kline'], ['index-price', 'index-price-kline'], ['premium-index', 'premium-index-price-kline']] as const) {
      const rows = await servedKlines(path, 'linear', 'BTCUSDT', '5', Date.parse(SINCE), Math.floor(T1 / 300_000) * 300_000);
      const s = await stored(built, dataset, PERP, '5m');
      expect(s['time'], dataset).toEqual(rows.map((r) => Number(r[0])));
      ['open', 'high', 'low', 'close'].forEach((k, i) => expect(s[k], `${dataset} ${k}`).toEqual(rows.map((r) => Number(r[i + 1]))));
    }
    // funding: walked back by endTime, 200 a page
    const funding: Record<string, string>[] = [];
    for (let end = T1; ;) {
      const list = await v5('funding/history', { category: 'linear', symbol: 'BTCUSDT', endTime: end, limit: 200 }) as Record<string, string>[];
      funding.push(...list);
      if (list.length < 200) break;
      end = Number(list[list.length - 1]!['fundingRateTimestamp']) - 1;
    }
    funding.reverse();
    const f = await stored(built, 'funding', PERP);
    const since = Date.parse(SINCE);
    const served = funding.filter((r) => Number(r['fundingRateTimestamp']) >= since);
    expect(f['time']!.filter((t) => t >= since)).toEqual(served.map((r) => Number(r['fundingRateTimestamp'])));
    expect(f['rate']!.slice(f['time']!.findIndex((t) => t >= since))).toEqual(served.map((r) => Number(r['fundingRate'])));
    expect(f['markPrice']!.every(Number.isNaN)).toBe(true); // Bybit sends none: missing, never 0
    const oi = await servedStatistic('open-interest', 'intervalTime', '1h', 'BTCUSDT', since, until, 200);
    const o = await stored(built, 'open-interest', PERP, '1h');
    expect(o['time']).toEqual(oi.map((r) => Number(r['timestamp'])));
    expect(o['contracts']).toEqual(oi.map((r) => Number(r['openInterest'])));
    expect(o['value']!.every(Number.isNaN)).toBe(true);
    const lsr = await servedStatistic('account-ratio', 'period', '1h', 'BTCUSDT', since, until, 500);
    const l = await stored(built, 'long-short-global', PERP, '1h');
    expect(l['time']).toEqual(lsr.map((r) => Number(r['timestamp'])));
    expect(l['long']).toEqual(lsr.map((r) => Number(r['buyRatio'])));
    expect(l['short']).toEqual(lsr.map((r) => Number(r['sellRatio'])));
    expect(l['ratio']).toEqual(lsr.map((r) => Number(r['buyRatio']) / Number(r['sellRatio'])));
  });

  it('validates clean; list and validate name the venue; what Bybit does not serve is a usage error naming both', async () => {
    const v = await runBinary(['validate', '--datasets', 'all', '--json', '--now', new Date(T1).toISOString(), '--data-dir', built]);
    expect(v.code, v.stdout).toBe(0);
    const stores = JSON.parse(v.stdout).stores as { exchange: string; status: string; findings: { code: string }[] }[];
    expect(stores.length).toBe(2 * TFS.length + 1 + 5 * 2);
    expect(stores.every((s) => s.exchange === 'bybit' && s.findings.every((f) => f.code === 'STALE'))).toBe(true);
    const list = await runBinary(['list', '--datasets', 'all', '--data-dir', built]);
    expect(list.stdout.split('\n').filter((l) => l.startsWith('bybit ')).length).toBe(stores.length);
    for (const dataset of ['taker-volume', 'long-short-top-accounts']) {
      const r = await runCli(['build', '--symbol', PERP, '--datasets', dataset, '--timeframes', '1h', '--days', '1', ...bybit(await tempDir())]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`qml-data: --datasets ${dataset}: Bybit does not serve it (bybit serves ohlcv, funding, open-interest, long-short-global, mark-price, index-price, premium-index)`);
    }
    const eight = await runCli(['build', '--symbol', PERP, '--timeframes', '8h', '--days', '1', ...bybit(await tempDir())]);
    expect(eight.code).toBe(2);
    expect(eight.stderr).toMatch(/--timeframes 8h: Bybit serves ohlcv at 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 12h, 1d, 1w, 1M/);
  });

  it('update ≡ build: built at T1 and updated at T2 equals a fresh build at T2, bit for bit, every store', async () => {
    const dir = await tempDir();
    const { cp } = await import('node:fs/promises');
    await cp(built, dir, { recursive: true });
    sim.setNow(T2);
    // the fresh build at T2 beside the update, on a simulator of its own at T2 (Bybit's budget is per IP)
    const other = await startSim({ ...SIM, now: T2 });
    try {
      const fresh = await tempDir();
      const [u] = await Promise.all([runBinary(['update', '--datasets', 'all', '--json', ...bybit(dir)]), buildAll(fresh, other.url)]);
      expect(u.code, u.stderr).toBe(0);
      const outcomes = (JSON.parse(u.stdout) as { stores: { status: string; fetched: number }[] }).stores;
      expect(outcomes.every((o) => o.status === 'written')).toBe(true);
      const a = await allStoreColumns(dir);
      const b = await allStoreColumns(fresh);
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      expect(Object.keys(a).every((k) => k.startsWith('bybit/'))).toBe(true);
      for (const k of Object.keys(a)) expect(a[k], k).toEqual(b[k]);
    } finally {
      sim.setNow(T1);
      await other.close();
    }
  }, 120_000);
});

describe('Bybit liquidations: allLiquidation per symbol, every event, nothing received lost', () => {
  it('records through two dropped links and a kill -9: every event sent is stored once, the position side as Bybit sends it', async () => {
    const live = await startSim({ port: 0, now: T1, speed: 600, seed: 3, venues: ['bybit'], symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'XRP/USDT'] });
    const dir = await tempDir();
    const stream = live.stream('bybit');
    const recorder = (): ChildProcess => spawn(process.execPath, [join(ROOT, 'bin', 'qml-data.js'), 'liquidations', 'record', '--exchange', 'bybit', '--merge-every', '1', ...simArgs(live.url, dir)], {
      env: { ...process.env, QML_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const connections = async (n: number) => {
      for (let i = 0; i < 400 && stream.connections.length < n; i++) await sleep(25);
      expect(stream.connections.length).toBe(n);
    };
    let killedAt = 0;
    try {
      let rec = recorder();
      await connections(1);
      await sleep(800); stream.drop();
      await connections(2);
      await sleep(800); killedAt = live.now(); rec.kill('SIGKILL'); await once(rec, 'close');
      rec = recorder();
      await connections(3);
      await sleep(800); stream.drop();
      await connections(4);
      await sleep(1000);
      rec.kill('SIGTERM');
      const [code] = await once(rec, 'close') as [number];
      expect(code).toBe(0);
      const status = await runBinary(['status', '--json', '--data-dir', dir]);
      expect(JSON.parse(status.stdout).liquidations).toMatchObject([{ exchange: 'bybit', state: 'stopped' }]);
    } finally {
      await live.close();
    }
    const sentKey = (e: BybitLiquidation) => [e.T, e.s, e.S === 'Buy' ? 'long' : 'short', Number(e.v), Number(e.p)].join('|');
    const days = [...new Set(stream.connections.flatMap((c) => (c.sent as BybitLiquidation[]).map((e) => new Date(e.T).toISOString().slice(0, 10))))];
    const keys: string[] = [];
    for (const day of days) {
      const d = (await readLiquidationDay(dir, 'bybit', day))!;
      expect(d.meta).toMatchObject({ exchange: 'bybit', feed: 'complete' });
      keys.push(...Array.from(d.frame.time, (t, i) => [t, d.text('symbol', i), d.text('positionSide', i), d.frame['quantity']![i], d.frame['price']![i]].join('|')));
      if (day === days[0]) expect(coverage(d.coverage, d.coverage[0]!.from, d.coverage[d.coverage.length - 1]!.to).gaps.length).toBeGreaterThanOrEqual(2);
    }
    expect(new Set(keys).size, 'no event twice').toBe(keys.length);
    const sent = new Set(stream.connections.flatMap((c) => (c.sent as BybitLiquidation[]).map(sentKey)));
    expect(keys.filter((k) => !sent.has(k))).toEqual([]);
    // everything sent is kept, but what a killed process had not read yet (sent within a second of real time before the kill)
    const have = new Set(keys);
    for (const c of stream.connections) {
      const killed = c.endedBy === 'client' && Math.abs(killedAt - c.closedAt!) < 100 * 600;
      const must = (c.sent as BybitLiquidation[]).filter((e) => !killed || e.T < c.closedAt! - 1000 * 600);
      expect(must.filter((e) => !have.has(sentKey(e))).length, `connection ${c.id}`).toBe(0);
    }
    expect(keys.length).toBeGreaterThan(100);
  }, 60_000);
});

