import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coverage } from '../../src/core/interval.js';
import { recordOf } from '../../src/datasets/registry.js';
import type { OkxLiquidation } from '../../src/sim/okx/liquidation-format.js';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { storePath } from '../../src/store/store-path.js';
import { readStoreColumns } from '../../src/store/store-read.js';
import { runBinary, runCli, simArgs, tempDir } from '../helpers/cli.js';
import { ROOT } from '../helpers/fixtures.js';
import { buildVenue, venueArgs } from '../helpers/venue-builds.js';
import { readLiquidationDay } from '../helpers/liquidation-days.js';
import { allStoreColumns } from '../helpers/store-columns.js';

/**
 * OKX as a first-class venue, through the binary against the simulator's OKX dialect: candles (1m, 5m,
 * 1h, 1d) and every dataset OKX serves are built and updated (update ≡ build, bit for bit), validated
 * clean, listed with the venue; every stored value equals what the simulator serves, read here over HTTP
 * in OKX's own shape (newest-first pages, contracts of `ctVal` coins, `realizedRate`, bars on UTC); the
 * sampled liquidation stream is recorded through dropped links and kill -9 with nothing received lost.
 */

const T1 = Date.parse('2026-11-18T09:17:00Z');
const T2 = Date.parse('2026-11-20T14:41:00Z');
const SINCE = '2026-11-15';
const PERP = 'BTC/USDT:USDT';
const SPOT = 'ETH/USDT';
const DATASETS = ['funding', 'open-interest', 'long-short-global', 'long-short-top-accounts', 'long-short-top-positions', 'taker-volume', 'mark-price', 'index-price'];
const TFS = ['1m', '5m', '1h', '1d'];

const SIM = { port: 0, seed: 19, symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'], venues: ['okx'] };
let sim: RunningSim;
beforeAll(async () => {
  sim = await startSim({ ...SIM, now: T1 });
});
afterAll(async () => { await sim.close(); });

const okx = (dir: string, url = sim.url) => venueArgs('okx', url, dir);

const buildAll = (dir: string, url = sim.url) => buildVenue({ venue: 'okx', perp: PERP, spot: SPOT, timeframes: TFS, datasets: DATASETS, since: SINCE }, url, dir);

/** An OKX answer's data, checked as OKX sends it. */
async function v5(path: string, q: Record<string, string | number>): Promise<unknown[]> {
  const res = await fetch(`${sim.url}/api/v5/${path}?${new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)] as [string, string]))}`);
  const body = await res.json() as { code: string; data: unknown[] };
  expect(body.code).toBe('0');
  return body.data;
}

/** Every candle of [from, to) from `history-candles`, walked back by `after`, newest first; closed bars only. */
async function servedCandles(path: string, instId: string, bar: string, from: number, to: number, limit: number): Promise<string[][]> {
  const out: string[][] = [];
  for (let after = to; ;) {
    const list = await v5(path, { instId, bar, after, limit }) as string[][];
    for (let i = 1; i < list.length; i++) expect(Number(list[i]![0]) < Number(list[i - 1]![0]), 'newest first').toBe(true);
    out.push(...list.filter((r) => Number(r[0]) >= from && r[r.length - 1] === '1'));
    const oldest = Number(list[list.length - 1]?.[0] ?? -Infinity);
    if (list.length < limit || oldest <= from) break;
    after = oldest;
  }
  return out.reverse();
}

/** Every row of a trading statistic of [from, to): walked back by `end`, newest first. */
async function servedRubik(path: string, instId: string, period: string, from: number, to: number, extra: Record<string, string> = {}): Promise<string[][]> {
  const out: string[][] = [];
  for (let end = to; ;) {
    const list = await v5(path, { instId, period, end, limit: 100, ...extra }) as string[][];
    out.push(...list.filter((r) => Number(r[0]) >= from));
    const oldest = Number(list[list.length - 1]?.[0] ?? -Infinity);
    if (list.length < 100 || oldest <= from) break;
    end = oldest;
  }
  return out.reverse();
}

async function stored(dir: string, dataset: string, symbol: string, tf?: string): Promise<Record<string, number[]>> {
  const d = recordOf(dataset)!.descriptor;
  const { columns } = await readStoreColumns(d, storePath(dir, 'okx', d, symbol, d.perTimeframe ? tf : undefined));
  return Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, Array.from(v!)]));
}

describe('OKX through the binary against its simulator dialect', () => {
  let built: string;
  beforeAll(async () => {
    sim.setNow(T1);
    built = await tempDir();
    await buildAll(built);
  }, 180_000);

  it('stores the values OKX serves, read independently in its own shape (contracts of ctVal coins, realized funding, UTC bars)', async () => {
    const since = Date.parse(SINCE);
    const until = Math.floor(T1 / 3_600_000) * 3_600_000;
    const swap = ((await v5('public/instruments', { instType: 'SWAP' })) as Record<string, string>[]).find((i) => i.instId === 'BTC-USDT-SWAP')!;
    const ctVal = Number(swap.ctVal);
    expect(swap).toMatchObject({ ctValCcy: 'BTC', ctType: 'linear', state: 'live' });
    for (const [symbol, instId] of [[PERP, 'BTC-USDT-SWAP'], [SPOT, 'ETH-USDT']] as const) {
      const rows = await servedCandles('market/history-candles', instId, '1H', since, until, 300);
      const s = await stored(built, 'ohlcv', symbol, '1h');
      expect(s['time']).toEqual(rows.map((r) => Number(r[0])));
      ['open', 'high', 'low', 'close'].forEach((k, i) => expect(s[k], `${symbol} ${k}`).toEqual(rows.map((r) => Number(r[i + 1]))));
      // a swap's volume: volCcy, in coins (vol counts contracts of ctVal coins); a spot pair's: vol
      expect(s['volume'], `${symbol} volume`).toEqual(rows.map((r) => Number(r[instId.endsWith('SWAP') ? 6 : 5])));
      if (instId.endsWith('SWAP')) rows.forEach((r, i) => expect(Math.abs(Number(r[5]) * ctVal - s['volume']![i]!)).toBeLessThanOrEqual(0.01 * ctVal));
    }
    // daily bars on UTC (the plain 1D opens at 16:00 UTC: UTC+8)
    const daily = await stored(built, 'ohlcv', PERP, '1d');
    expect(daily['time']!.every((t) => t % 86_400_000 === 0)).toBe(true);
    expect(daily['time']).toEqual((await servedCandles('market/history-candles', 'BTC-USDT-SWAP', '1Dutc', since, Math.floor(T1 / 86_400_000) * 86_400_000, 300)).map((r) => Number(r[0])));
    for (const [dataset, path, instId] of [['mark-price', 'market/history-mark-price-candles', 'BTC-USDT-SWAP'], ['index-price', 'market/history-index-candles', 'BTC-USDT']] as const) {
      const rows = await servedCandles(path, instId, '5m', since, Math.floor(T1 / 300_000) * 300_000, 100);
      const s = await stored(built, dataset, PERP, '5m');
      expect(s['time'], dataset).toEqual(rows.map((r) => Number(r[0])));
      ['open', 'high', 'low', 'close'].forEach((k, i) => expect(s[k], `${dataset} ${k}`).toEqual(rows.map((r) => Number(r[i + 1]))));
    }
    const funding = (await v5('public/funding-rate-history', { instId: 'BTC-USDT-SWAP', limit: 400 }) as Record<string, string>[]).reverse()
      .filter((r) => Number(r['fundingTime']) >= since);
    const f = await stored(built, 'funding', PERP);
    expect(f['time']).toEqual(funding.map((r) => Number(r['fundingTime'])));
    expect(f['rate']).toEqual(funding.map((r) => Number(r['realizedRate'])));
    expect(funding.some((r) => r['realizedRate'] !== r['fundingRate'])).toBe(true); // the predicted rate is not the one kept
    const oi = await servedRubik('rubik/stat/contracts/open-interest-history', 'BTC-USDT-SWAP', '1H', since, until);
    const o = await stored(built, 'open-interest', PERP, '1h');
    expect(o['time']).toEqual(oi.map((r) => Number(r[0])));
    expect(o['contracts']).toEqual(oi.map((r) => Number(r[2]))); // oiCcy: coins
    expect(o['value']).toEqual(oi.map((r) => Number(r[3]))); // oiUsd
    const lsr = await servedRubik('rubik/stat/contracts/long-short-account-ratio-contract', 'BTC-USDT-SWAP', '1H', since, until);
    const l = await stored(built, 'long-short-global', PERP, '1h');
    expect(l['ratio']).toEqual(lsr.map((r) => Number(r[1])));
    l['long']!.forEach((x, i) => expect(x + l['short']![i]!).toBeCloseTo(1, 12));
    const taker = await servedRubik('rubik/stat/taker-volume-contract', 'BTC-USDT-SWAP', '1H', since, until, { unit: '0' });
    const t = await stored(built, 'taker-volume', PERP, '1h');
    expect(t['sellVolume']).toEqual(taker.map((r) => Number(r[1])));
    expect(t['buyVolume']).toEqual(taker.map((r) => Number(r[2])));
  });

  it('validates clean; list names the venue; premium klines and an 8h bar are usage errors naming OKX', async () => {
    const v = await runBinary(['validate', '--datasets', 'all', '--json', '--now', new Date(T1).toISOString(), '--data-dir', built]);
    expect(v.code, v.stdout).toBe(0);
    const stores = JSON.parse(v.stdout).stores as { exchange: string; findings: { code: string }[] }[];
    expect(stores.length).toBe(2 * TFS.length + 1 + 7 * 2);
    // warnings only: behind the clock, and the gaps the venue's own series have (the model's maintenance)
    expect(stores.every((s) => s.exchange === 'okx' && s.findings.every((f) => f.code === 'STALE' || f.code === 'GAPS'))).toBe(true);
    const list = await runBinary(['list', '--datasets', 'all', '--data-dir', built]);
    expect(list.stdout.split('\n').filter((x) => x.startsWith('okx ')).length).toBe(stores.length);
    const premium = await runCli(['build', '--symbol', PERP, '--datasets', 'premium-index', '--timeframes', '1h', '--days', '1', ...okx(await tempDir())]);
    expect(premium.code).toBe(2);
    expect(premium.stderr).toMatch(/^qml-data: --datasets premium-index: OKX does not serve it/);
    const eight = await runCli(['build', '--symbol', PERP, '--timeframes', '8h', '--days', '1', ...okx(await tempDir())]);
    expect(eight.code).toBe(2);
    expect(eight.stderr).toMatch(/--timeframes 8h: OKX serves ohlcv at 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 12h, 1d, 3d, 1w, 1M/);
  });

  it('update ≡ build: built at T1 and updated at T2 equals a fresh build at T2, bit for bit, every store (a statistic kept past OKX\'s 1,440 entries holds more)', async () => {
    const dir = await tempDir();
    const { cp } = await import('node:fs/promises');
    await cp(built, dir, { recursive: true });
    sim.setNow(T2);
    // the fresh build at T2 runs beside the update, against a simulator of its own (the same market, at
    // T2): OKX's budgets are per IP, and two processes on one simulator would share them unseen
    const other = await startSim({ ...SIM, now: T2 });
    try {
      const fresh = await tempDir();
      const [u] = await Promise.all([runBinary(['update', '--datasets', 'all', '--json', ...okx(dir)]), buildAll(fresh, other.url)]);
      expect(u.code, u.stderr).toBe(0);
      expect((JSON.parse(u.stdout) as { stores: { status: string }[] }).stores.every((o) => o.status === 'written')).toBe(true);
      const a = await allStoreColumns(dir);
      const b = await allStoreColumns(fresh);
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      let kept = 0;
      for (const k of Object.keys(a)) {
        // OKX serves a statistic's latest 1,440 entries: at T2 a fresh build starts later than the store kept
        // since T1, whose older rows stay; from the fresh build's first row on, the two are the same
        const from = a[k]!['time']!.indexOf(b[k]!['time']![0]!);
        if (from > 0) kept++;
        const tail = Object.fromEntries(Object.entries(a[k]!).map(([c, v]) => [c, v.slice(Math.max(0, from))]));
        expect(tail, k).toEqual(b[k]);
      }
      expect(kept).toBe(5); // the 5m statistics
    } finally {
      sim.setNow(T1);
      await other.close();
    }
  }, 180_000);
});

describe('OKX liquidations: every swap in one subscription, sampled, in contracts', () => {
  it('records through two dropped links and a kill -9: every event sent is stored once, in coins', async () => {
    const live = await startSim({ port: 0, now: T1, speed: 600, seed: 3, venues: ['okx'], symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'XRP/USDT'] });
    const dir = await tempDir();
    const stream = live.stream('okx');
    const ctVal = new Map(((await (await fetch(`${live.url}/api/v5/public/instruments?instType=SWAP`)).json()) as { data: { instId: string; ctVal: string }[] }).data.map((i) => [i.instId, Number(i.ctVal)]));
    const recorder = (): ChildProcess => spawn(process.execPath, [join(ROOT, 'bin', 'qml-data.js'), 'liquidations', 'record', '--exchange', 'okx', '--merge-every', '1', ...simArgs(live.url, dir)], {
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
    } finally {
      await live.close();
    }
    const sentKey = (e: OkxLiquidation) => [Number(e.ts), e.instId, e.side.toUpperCase(), e.posSide, Number(e.sz), Number(e.sz) * ctVal.get(e.instId)!, Number(e.bkPx)].join('|');
    const all = stream.connections.flatMap((c) => c.sent as OkxLiquidation[]);
    const days = [...new Set(all.map((e) => new Date(Number(e.ts)).toISOString().slice(0, 10)))];
    const keys: string[] = [];
    for (const day of days) {
      const d = (await readLiquidationDay(dir, 'okx', day))!;
      expect(d.meta).toMatchObject({ exchange: 'okx', feed: 'sampled' });
      keys.push(...Array.from(d.frame.time, (t, i) => [t, d.text('symbol', i), d.text('side', i), d.text('positionSide', i), d.frame['contracts']![i], d.frame['quantity']![i], d.frame['price']![i]].join('|')));
      if (day === days[0]) expect(coverage(d.coverage, d.coverage[0]!.from, d.coverage[d.coverage.length - 1]!.to).gaps.length).toBeGreaterThanOrEqual(2);
    }
    expect(new Set(keys).size, 'no event twice').toBe(keys.length);
    const sent = new Set(all.map(sentKey));
    expect(keys.filter((k) => !sent.has(k))).toEqual([]);
    const have = new Set(keys);
    for (const c of stream.connections) {
      const killed = c.endedBy === 'client' && Math.abs(killedAt - c.closedAt!) < 100 * 600;
      const must = (c.sent as OkxLiquidation[]).filter((e) => !killed || Number(e.ts) < c.closedAt! - 1000 * 600);
      expect(must.filter((e) => !have.has(sentKey(e))).length, `connection ${c.id}`).toBe(0);
    }
    expect(keys.length).toBeGreaterThan(100);
    // sampled: never two orders of one contract in one second
    const perSecond = new Set(keys.map((k) => { const [t, id] = k.split('|'); return `${Math.floor(Number(t) / 1000)}|${id}`; }));
    expect(perSecond.size).toBe(keys.length);
  }, 60_000);
});
