import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CycleSummary } from '../../src/pipeline/collect.js';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { masterPath } from '../../src/store/store-path.js';
import { readMaster, readStore } from '../../src/store/store-read.js';
import { withStoreForWrite } from '../../src/store/store-writer.js';
import { COINGECKO_MARKET } from '../../src/datasets/coingecko-market.js';
import { FUNDING } from '../../src/datasets/funding.js';
import { OPEN_INTEREST } from '../../src/datasets/statistics.js';
import { openInterestAt, statisticAt } from '../../src/sim/binance/futures-data.js';
import { DATASETS } from '../../src/datasets/registry.js';
import { MARK_PRICE, PREMIUM_INDEX } from '../../src/datasets/price-klines.js';
import type { Universe } from '../../src/universe/refresh-universe.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { ROOT } from '../helpers/fixtures.js';

const NOW = Date.parse('2026-11-20T00:30:00Z');
const DAY = 86_400_000;
const KEYS = ['time', 'open', 'high', 'low', 'close', 'volume', 'atr'] as const;

async function sameStore(a: string, b: string, symbol: string): Promise<boolean> {
  const [x, y] = [await readMaster(masterPath(a, 'binance', symbol, '5m'), { symbol, timeframe: '5m' }), await readMaster(masterPath(b, 'binance', symbol, '5m'), { symbol, timeframe: '5m' })];
  return KEYS.every((k) => Buffer.from(x.frame[k].buffer).equals(Buffer.from(y.frame[k].buffer)));
}

const klines = (sim: RunningSim) => sim.requests.get('/fapi/v1/klines') ?? 0;

describe('collect: the daily job over the universe', () => {
  let sim: RunningSim;
  beforeAll(async () => { sim = await startSim({ port: 0, now: NOW, seed: 4, universe: true }); });
  afterAll(async () => { await sim.close(); });

  const collect = (dir: string, extra: string[] = []) => runCli(['collect', '--size', '20', '--days', '3', '--json', '--api-url', sim.url, '--data-dir', dir, ...extra]);

  it('from an empty folder, then a day later: every store is what a build of the range writes, nothing refetched', async () => {
    const dir = await tempDir();
    const first = await collect(dir);
    expect(first.code, first.stderr).toBe(0);
    const s1 = JSON.parse(first.stdout) as CycleSummary;
    expect(s1.stores).toEqual({ fresh: 0, updated: 0, built: 20, failed: 0 });
    const members = (JSON.parse(await readFile(join(dir, 'binance', 'universe', 'current.json'), 'utf8')) as Universe).members.map((m) => m.market);
    expect(members).toHaveLength(20);

    sim.setNow(NOW + DAY);
    try {
      const before = klines(sim);
      const second = await collect(dir, ['--max-age', '1000']); // the same universe: only the new day is fetched
      expect(second.code, second.stderr).toBe(0);
      const s2 = JSON.parse(second.stdout) as CycleSummary;
      expect(s2.stores).toEqual({ fresh: 0, updated: 20, built: 0, failed: 0 });
      expect(s2.rowsAdded).toBe(20 * 288);
      expect(klines(sim) - before).toBe(20); // one page of 288 new candles per store, nothing older asked again
      const reference = await tempDir();
      const build = await runCli(['build', ...members.flatMap((m) => ['--symbol', m]), '--timeframes', '5m', '--since', new Date(NOW - 3 * DAY).toISOString(), '--api-url', sim.url, '--data-dir', reference]);
      expect(build.code, build.stderr).toBe(0);
      for (const m of members) expect(await sameStore(dir, reference, m), m).toBe(true);
    } finally {
      sim.setNow(NOW);
    }
  });

  it('a symbol whose requests fail is reported failed while the others complete; a member that leaves keeps its store', async () => {
    const faulty = await startSim({ port: 0, now: NOW, seed: 4, universe: true, faults: 'delist:ETHUSDT@klines#1' });
    try {
      const dir = await tempDir();
      const r = await runCli(['collect', '--size', '20', '--days', '3', '--json', '--api-url', faulty.url, '--data-dir', dir]);
      expect(r.code).toBe(1);
      const s = JSON.parse(r.stdout) as CycleSummary;
      expect(s.stores).toMatchObject({ built: 19, failed: 1 });
      expect(s.failures.map((f) => f.symbol)).toEqual(['ETH/USDT:USDT']);
      const status = await runCli(['status', '--json', '--data-dir', dir]);
      const stores = (JSON.parse(status.stdout) as { collect: { stores: Record<string, { status: string; error: string | null }> }[] }).collect[0]!.stores;
      expect(stores['ohlcv ETH/USDT:USDT 5m']).toMatchObject({ status: 'failed' });
      expect(stores['ohlcv BTC/USDT:USDT 5m']).toMatchObject({ status: 'written', error: null });
      const text = await runCli(['status', '--data-dir', dir]);
      expect(text.stdout).toMatch(/universe of 2026-11-20 \(coingecko\), 20 members, made \d+\.\d h ago/);
      expect(text.stdout).toMatch(/failed\s+ohlcv ETH\/USDT:USDT 5m .*error: /);
      // the simulator's clock stands on 2026-11-20; by this machine's clock the store is days behind
      expect(text.stdout).toMatch(/written\s+ohlcv BTC\/USDT:USDT 5m\s+last 2026-11-20T00:25:00.000Z  \d+ behind/);
      // a smaller universe: the members that left keep their stores on disk
      const before = (await readdir(join(dir, 'binance'))).filter((n) => n.endsWith('_USDT_USDT')).length;
      const smaller = await runCli(['collect', '--size', '5', '--days', '3', '--force', '--json', '--api-url', faulty.url, '--data-dir', dir]);
      expect((JSON.parse(smaller.stdout) as CycleSummary).universe.members).toBe(5);
      expect((await readdir(join(dir, 'binance'))).filter((n) => n.endsWith('_USDT_USDT')).length).toBe(before);
    } finally {
      await faulty.close();
    }
  });

  it('--loop runs cycles until SIGTERM, and the status file and --on-complete see each of them', async () => {
    const dir = await tempDir();
    const log = join(dir, 'completed.txt');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'qml-data.js'), 'collect', '--size', '5', '--days', '2', '--loop', '--every', '1s',
      '--on-complete', `cat "$QML_CYCLE_SUMMARY" >> "${log}"; echo >> "${log}"`, '--api-url', sim.url, '--data-dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, QML_LOG_LEVEL: 'warn' },
    });
    let stderr = '';
    let stopped = false;
    child.stderr!.on('data', (d) => {
      stderr += d;
      if (!stopped && (stderr.match(/cycle \d+ done/g) ?? []).length >= 2) {
        stopped = true; // one SIGTERM, as systemd sends: a second one would mean "quit at once"
        child.kill('SIGTERM');
      }
    });
    const [code] = await once(child, 'close');
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('stopped between cycles');
    const cycles = (await readFile(log, 'utf8')).trim().split(/\n(?=\{)/).map((t) => JSON.parse(t) as CycleSummary);
    expect(cycles.length).toBeGreaterThanOrEqual(2);
    expect(cycles[0]!.stores.built).toBe(5);
    expect(cycles[1]!.stores).toMatchObject({ fresh: 5, failed: 0 });
    const status = JSON.parse(await readFile(join(dir, 'binance', 'collect-status.json'), 'utf8')) as { lastCycle: CycleSummary; nextCycle: string };
    expect(status.lastCycle.startedAt).toBe(cycles[cycles.length - 1]!.startedAt);
    expect(Date.parse(status.nextCycle)).toBeGreaterThan(Date.parse(status.lastCycle.startedAt));
  });

  it('kill -9 mid-cycle, then a rerun completes without fetching again what was written', async () => {
    const dir = await tempDir();
    const args = ['collect', '--size', '20', '--days', '20', '--api-url', sim.url, '--data-dir', dir];
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'qml-data.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, QML_LOG_LEVEL: 'info', QML_ARCHIVES: 'off' } });
    let written = 0;
    child.stderr!.on('data', (d: Buffer) => {
      written += (String(d).match(/"msg":"store written"/g) ?? []).length;
      if (written >= 6) child.kill('SIGKILL');
    });
    const [, signal] = await once(child, 'close');
    expect(signal).toBe('SIGKILL');
    const onDisk = (await readdir(join(dir, 'binance'))).filter((n) => n.endsWith('_USDT_USDT')).length;
    expect(onDisk).toBeGreaterThanOrEqual(6);
    const before = klines(sim);
    const r = await runCli([...args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as CycleSummary;
    expect(s.stores.failed).toBe(0);
    expect(s.stores.fresh).toBeGreaterThanOrEqual(6); // the stores written before the kill: not fetched again
    expect(s.stores.fresh + s.stores.built + s.stores.updated).toBe(20);
    // each of the others needs at most its 20 days (12 pages of 499), fewer when resumed from a checkpoint
    expect(klines(sim) - before).toBeLessThanOrEqual((20 - s.stores.fresh) * Math.ceil((20 * 288) / 499));
  });

  it('keeps CoinGecko\'s daily market data of every member beside its candles, extended each day (--datasets coingecko-market)', async () => {
    const dir = await tempDir();
    const r = await collect(dir, ['--size', '5', '--market-days', '30', '--datasets', 'coingecko-market']);
    expect(r.code, r.stderr).toBe(0);
    const path = join(dir, 'coingecko', 'BTC_USDT_USDT', 'coingecko-market.parquet');
    const stored = await readStore(COINGECKO_MARKET, path, { symbol: 'BTC/USDT:USDT' });
    expect(stored.frame.time).toHaveLength(30);
    // the values the simulated CoinGecko serves for those days, fetched independently
    const from = Math.floor((NOW - 31 * DAY) / 1000);
    const chart = await (await fetch(`${sim.url}/coingecko/api/v3/coins/bitcoin/market_chart/range?vs_currency=usd&from=${from}&to=${Math.floor(NOW / 1000)}`)).json() as { prices: number[][]; market_caps: number[][] };
    const byDay = new Map(chart.prices.map(([t, v]) => [t, v]));
    for (let i = 0; i < 30; i++) expect(stored.frame['price']![i], new Date(stored.frame.time[i]!).toISOString()).toBe(byDay.get(stored.frame.time[i]!));
    expect(stored.frame.time[29]).toBe(Math.floor(NOW / DAY) * DAY - DAY); // the last whole day
    sim.setNow(NOW + DAY);
    try {
      const next = await collect(dir, ['--size', '5', '--market-days', '30', '--datasets', 'coingecko-market', '--max-age', '1000']);
      expect(next.code, next.stderr).toBe(0);
      const extended = await readStore(COINGECKO_MARKET, path, { symbol: 'BTC/USDT:USDT' });
      expect(extended.frame.time).toHaveLength(31);
      expect(Array.from(extended.frame.time.subarray(0, 30))).toEqual(Array.from(stored.frame.time));
    } finally {
      sim.setNow(NOW);
    }
  });

  it('keeps every member\'s funding settlements from listing, paged by their own cursor through interval changes (--datasets funding)', async () => {
    const dir = await tempDir();
    const r = await collect(dir, ['--size', '10', '--datasets', 'funding']);
    expect(r.code, r.stderr).toBe(0);
    const stored = await readStore(FUNDING, join(dir, 'binance', 'BTC_USDT_USDT', 'funding.parquet'), { symbol: 'BTC/USDT:USDT' });
    // every settlement the simulator has, read independently page by page
    const served: { fundingTime: number; fundingRate: string }[] = [];
    for (let start = 0; ;) {
      const page = await (await fetch(`${sim.url}/fapi/v1/fundingRate?symbol=BTCUSDT&startTime=${start}&limit=1000`)).json() as { fundingTime: number; fundingRate: string }[];
      served.push(...page);
      if (page.length < 1000) break;
      start = page[page.length - 1]!.fundingTime + 1;
    }
    expect(Array.from(stored.frame.time)).toEqual(served.map((x) => x.fundingTime));
    expect(Array.from(stored.frame['rate']!)).toEqual(served.map((x) => Number(x.fundingRate)));
    // members whose interval the exchange adjusted (its fundingInfo): 8 h, then their interval, no settlement missing
    const adjusted = new Map((await (await fetch(`${sim.url}/fapi/v1/fundingInfo`)).json() as { symbol: string; fundingIntervalHours: number }[])
      .map((x) => [x.symbol, x.fundingIntervalHours]));
    let seen = 0;
    for (const folder of (await readdir(join(dir, 'binance'))).filter((n) => n.endsWith('_USDT_USDT'))) {
      const id = folder.replace(/_USDT_USDT$/, 'USDT');
      const f = (await readStore(FUNDING, join(dir, 'binance', folder, 'funding.parquet'), { symbol: `${id.slice(0, -4)}/USDT:USDT` })).frame;
      const hours = Array.from(f['intervalHours']!).filter((h) => !Number.isNaN(h));
      const now = adjusted.get(id);
      expect(new Set(hours), id).toEqual(new Set(now === undefined ? [8] : now === 1 ? [8, 4, 1] : [8, now]));
      if (now !== undefined) seen++;
    }
    expect(seen).toBeGreaterThan(0);
    // validate: interval changes are no gap; a settlement removed from the store is reported
    const clean = await runCli(['validate', '--datasets', 'funding', '--json', '--data-dir', dir]);
    expect(clean.code, clean.stdout).toBe(0);
    const gone = await tempDir();
    const holed = join(gone, 'binance', 'BTC_USDT_USDT', 'funding.parquet');
    const keep = (k: string) => Float64Array.from(stored.frame[k]!.filter((_, i) => i !== 100));
    await withStoreForWrite(FUNDING, holed, { symbol: 'BTC/USDT:USDT' }, { waitMs: 0, erase: true }, (h) =>
      h.replace({ time: keep('time'), rate: keep('rate'), markPrice: keep('markPrice'), intervalHours: keep('intervalHours') }, { exchange: 'binance', source: 'simulator', marketType: 'swap', symbol: 'BTC/USDT:USDT', timeframe: '1h' }));
    const report = await runCli(['validate', '--datasets', 'funding', '--json', '--data-dir', gone]);
    const findings = (JSON.parse(report.stdout) as { stores: { findings: { code: string; items: { start: string; missing: number }[] }[] }[] }).stores[0]!.findings;
    // the simulator serves settlements a few ms after their hour, as Binance does: the gap is named by the hour
    expect(stored.frame.time.some((t) => t % 3_600_000 !== 0), 'jittered times').toBe(true);
    const hourOf = (t: number) => new Date(Math.round(t / 3_600_000) * 3_600_000).toISOString();
    expect(findings).toMatchObject([{ code: 'GAPS', items: [{ start: hourOf(stored.frame.time[100]!), missing: 1 }] }]);
    sim.setNow(NOW + DAY);
    try {
      const before = sim.requests.get('/fapi/v1/fundingRate') ?? 0;
      const next = await collect(dir, ['--size', '10', '--datasets', 'funding', '--max-age', '1000']);
      expect(next.code, next.stderr).toBe(0);
      expect((sim.requests.get('/fapi/v1/fundingRate') ?? 0) - before).toBe(10); // one page per symbol: only the new day
      const later = await readStore(FUNDING, join(dir, 'binance', 'BTC_USDT_USDT', 'funding.parquet'), { symbol: 'BTC/USDT:USDT' });
      expect(later.frame.time.length).toBeGreaterThan(stored.frame.time.length);
      expect(Array.from(later.frame.time.subarray(0, stored.frame.time.length))).toEqual(Array.from(stored.frame.time));
    } finally {
      sim.setNow(NOW);
    }
  });

  it('with --archives auto, --days 60 reaches past the exchange\'s 30 days through the metrics archive, every member, no hole', async () => {
    const dir = await tempDir();
    sim.setNow(NOW);
    const r = await runCli(['collect', '--size', '3', '--datasets', 'open-interest', '--timeframes', '5m', '--days', '60', '--archives', 'auto', '--max-age', '100000', '--json', '--api-url', sim.url, '--data-dir', dir], { QML_ARCHIVES: 'auto' });
    expect(r.code, r.stderr).toBe(0);
    const members = (JSON.parse(await readFile(join(dir, 'binance', 'universe', 'current.json'), 'utf8')) as { members: { market: string }[] }).members.map((m) => m.market);
    expect(members.length).toBe(3);
    const step = 300_000;
    for (const symbol of members) {
      const { frame } = await readStore(OPEN_INTEREST, join(dir, 'binance', symbol.replace(/[/:]/g, '_'), 'open-interest_5m.parquet'), { symbol });
      const market = sim.catalog.perp.get(symbol.replace(/\/|:USDT$/g, ''))!;
      expect(frame.time[0], symbol).toBe(Math.max(Math.ceil((NOW - 60 * DAY) / step) * step, Math.ceil(market.source.listedAt / step) * step));
      for (let i = 1; i < frame.time.length; i++) if (frame.time[i]! - frame.time[i - 1]! !== step) throw new Error(`${symbol}: hole after ${new Date(frame.time[i - 1]!).toISOString()}`);
      // an archive day's value (45 days back) is the model's, as the archive and the API both serve it
      const i = frame.time.indexOf(Math.floor((NOW - 45 * DAY) / DAY) * DAY);
      expect(frame['contracts']![i], symbol).toBe(openInterestAt(market, 4, frame.time[i]!).contracts);
    }
    expect([...sim.requests.keys()].some((p) => /\/data\/futures\/um\/daily\/metrics\//.test(p))).toBe(true);
  });

  it('accumulates open interest past the exchange\'s 30 days: D−30 … D+40 with no hole; a skipped stretch is logged as unrecoverable', async () => {
    const dir = await tempDir();
    const run = async (at: number) => {
      sim.setNow(at);
      const r = await runCli(['collect', '--size', '3', '--datasets', 'open-interest', '--max-age', '100000', '--json', '--api-url', sim.url, '--data-dir', dir]);
      expect(r.code, r.stderr).toBe(0);
      return r;
    };
    try {
      await run(NOW);
      await run(NOW + 20 * DAY);
      await run(NOW + 40 * DAY);
      const market = sim.catalog.perp.get('BTCUSDT')!;
      const { frame } = await readStore(OPEN_INTEREST, join(dir, 'binance', 'BTC_USDT_USDT', 'open-interest_5m.parquet'), { symbol: 'BTC/USDT:USDT' });
      const step = 300_000;
      expect(frame.time[0]).toBeLessThanOrEqual(NOW - 29 * DAY);
      expect(frame.time[frame.time.length - 1]).toBe(Math.floor((NOW + 40 * DAY) / step) * step - step);
      for (let i = 1; i < frame.time.length; i++) if (frame.time[i]! - frame.time[i - 1]! !== step) throw new Error(`hole after ${new Date(frame.time[i - 1]!).toISOString()}`);
      // every value is the simulator's, though the exchange now serves only the last 30 days of them
      for (const i of [0, 1000, 9000, frame.time.length - 1]) expect(frame['contracts']![i]).toBe(openInterestAt(market, 4, frame.time[i]!).contracts);
      // 45 days without a run: what the exchange dropped is logged as unrecoverable, once, and the store goes on
      sim.setNow(NOW + 85 * DAY);
      const late = await runCli(['collect', '--size', '3', '--datasets', 'open-interest', '--max-age', '100000', '--api-url', sim.url, '--data-dir', dir], { QML_LOG_LEVEL: 'warn' });
      expect(late.code, late.stderr).toBe(0);
      expect((late.stderr.match(/unrecoverable: the exchange no longer serves this span/g) ?? []).length).toBe(3); // one per symbol
      const again = await runCli(['collect', '--size', '3', '--datasets', 'open-interest', '--max-age', '100000', '--api-url', sim.url, '--data-dir', dir], { QML_LOG_LEVEL: 'warn' });
      expect(again.stderr).not.toContain('unrecoverable'); // not re-tried the next day
      // the store records the span, so validate names it as unrecoverable rather than as a plain gap
      const report = await runCli(['validate', '--datasets', 'open-interest', '--json', '--data-dir', dir]);
      const btc = (JSON.parse(report.stdout) as { stores: { symbol: string; findings: { code: string; count: number }[] }[] }).stores.find((x) => x.symbol === 'BTC/USDT:USDT')!;
      expect(btc.findings).toMatchObject([{ code: 'UNRECOVERABLE', count: 1 }]);
      const recorded = (await readStore(OPEN_INTEREST, join(dir, 'binance', 'BTC_USDT_USDT', 'open-interest_5m.parquet'), { symbol: 'BTC/USDT:USDT' })).meta.unrecoverable;
      const [span] = JSON.parse(recorded!) as { from: number; to: number }[];
      expect(span!.from).toBe(Math.floor((NOW + 40 * DAY) / step) * step); // right after the last period stored before the pause
    } finally {
      sim.setNow(NOW);
    }
  });

  it('keeps the long/short and taker statistics, every value the simulator\'s, and validates their consistency', async () => {
    const dir = await tempDir();
    const names = ['long-short-global', 'long-short-top-accounts', 'long-short-top-positions', 'taker-volume'];
    const r = await runCli(['collect', '--size', '2', '--datasets', names.join(','), '--json', '--api-url', sim.url, '--data-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as CycleSummary).stores).toMatchObject({ built: 8, failed: 0 });
    const market = sim.catalog.perp.get('BTCUSDT')!;
    const endpoints: Record<string, [string, Record<string, string>]> = {
      'long-short-global': ['globalLongShortAccountRatio', { long: 'longAccount', short: 'shortAccount', ratio: 'longShortRatio' }],
      'long-short-top-positions': ['topLongShortPositionRatio', { long: 'longAccount', short: 'shortAccount', ratio: 'longShortRatio' }],
      'taker-volume': ['takerlongshortRatio', { buyVolume: 'buyVol', sellVolume: 'sellVol', buySellRatio: 'buySellRatio' }],
    };
    for (const [name, [endpoint, fields]] of Object.entries(endpoints)) {
      const d = DATASETS.find((x) => x.name === name)!;
      const { frame } = await readStore(d, join(dir, 'binance', 'BTC_USDT_USDT', `${name}_5m.parquet`), { symbol: 'BTC/USDT:USDT' });
      expect(frame.time.length, name).toBeGreaterThan(8000);
      for (const i of [0, 4000, frame.time.length - 1]) {
        const row = statisticAt(endpoint, market, 4, frame.time[i]!);
        for (const [key, field] of Object.entries(fields)) expect(frame[key]![i], `${name} ${key}`).toBe(Number(row[field]));
      }
    }
    const report = await runCli(['validate', '--datasets', 'all', '--data-dir', dir]);
    expect(report.code, report.stdout).toBe(0);
    expect(report.stdout).toContain('8 store(s): 8 ok');
  });

  it('keeps mark-price and premium-index klines beside the candles, on the same grid, as the exchange serves them', async () => {
    const dir = await tempDir();
    const r = await collect(dir, ['--size', '2', '--days', '5', '--datasets', 'ohlcv,mark-price,premium-index']);
    expect(r.code, r.stderr).toBe(0);
    const candles = (await readMaster(masterPath(dir, 'binance', 'BTC/USDT:USDT', '5m'), { symbol: 'BTC/USDT:USDT', timeframe: '5m' })).frame;
    const mark = (await readStore(MARK_PRICE, join(dir, 'binance', 'BTC_USDT_USDT', 'mark-price_5m.parquet'), { symbol: 'BTC/USDT:USDT' })).frame;
    const premium = (await readStore(PREMIUM_INDEX, join(dir, 'binance', 'BTC_USDT_USDT', 'premium-index_5m.parquet'), { symbol: 'BTC/USDT:USDT' })).frame;
    expect(Array.from(mark.time)).toEqual(Array.from(candles.time));
    expect(Array.from(premium.time)).toEqual(Array.from(candles.time));
    // the premium index as the simulator serves it, read independently, signed values kept as they are
    const start = premium.time[100]!;
    const page = await (await fetch(`${sim.url}/fapi/v1/premiumIndexKlines?symbol=BTCUSDT&interval=5m&startTime=${start}&limit=3`)).json() as string[][];
    expect(page.map((k) => [Number(k[0]), Number(k[1]), Number(k[2]), Number(k[3]), Number(k[4])]))
      .toEqual([100, 101, 102].map((i) => [premium.time[i], premium['open']![i], premium['high']![i], premium['low']![i], premium['close']![i]]));
    expect(Array.from(premium['low']!).some((v) => v < 0)).toBe(true);
  });

  it('reports a bad duration or time of day as a usage error', async () => {
    for (const args of [['--every', '5x'], ['--at', '25:00']]) {
      const r = await runCli(['collect', '--loop', ...args, '--api-url', sim.url, '--data-dir', await tempDir()]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^qml-data: --(every|at) "(5x|25:00)" is not a/);
    }
    // flags of the cycle are checked before it runs: a usage error, not a failed cycle
    for (const [args, message] of [[['--size', '0'], /--size "0" must be a whole number of 1 or more/], [['--market-days', 'x'], /--market-days "x"/],
      [["--datasets", "liquidity"], /unknown dataset "liquidity"/], [['--exchange', 'nosuchex'], /unknown exchange "nosuchex"/]] as const) {
      const r = await runCli(['collect', ...args, '--api-url', sim.url, '--data-dir', await tempDir()]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});


describe('collect on several venues: one universe, each venue its own members, budget and folder, in parallel', () => {
  it('collect --exchanges binance,bybit,okx --size 20 --days 3: 60 candle stores; a day later only the new day is fetched', async () => {
    const sim = await startSim({ port: 0, now: NOW, seed: 4, universe: true });
    const dir = await tempDir();
    const pages = () => ({
      binance: sim.requests.get('/fapi/v1/klines') ?? 0, bybit: sim.requests.get('/v5/market/kline') ?? 0,
      okx: (sim.requests.get('/api/v5/market/candles') ?? 0) + (sim.requests.get('/api/v5/market/history-candles') ?? 0),
    });
    const run = (extra: string[] = []) => runCli(['collect', '--exchanges', 'binance,bybit,okx', '--size', '20', '--days', '3', '--json', '--api-url', sim.url, '--data-dir', dir, ...extra]);
    try {
      const first = await run();
      expect(first.code, first.stderr).toBe(0);
      const venues = (JSON.parse(first.stdout) as { venues: (CycleSummary & { exchange: string })[] }).venues;
      expect(venues.map((v) => [v.exchange, v.universe.members, v.stores])).toEqual(['binance', 'bybit', 'okx'].map((e) => [e, 20, { fresh: 0, updated: 0, built: 20, failed: 0 }]));
      // each venue's members are its own markets: OKX lists the coin (PEPE-USDT-SWAP) where the others list 1000PEPE
      const members = async (v: string) => (JSON.parse(await readFile(join(dir, v, 'universe', 'current.json'), 'utf8')) as Universe).members;
      const okx = await members('okx');
      const binance = await members('binance');
      expect(okx.map((m) => m.id)).toEqual(binance.map((m) => m.id));
      const pepe = okx.find((m) => m.id === 'pepe');
      if (pepe) expect([pepe.market, binance.find((m) => m.id === 'pepe')!.market]).toEqual(['PEPE/USDT:USDT', '1000PEPE/USDT:USDT']);
      for (const v of ['binance', 'bybit', 'okx']) expect((await readdir(join(dir, v))).filter((n) => n.endsWith('_USDT_USDT'))).toHaveLength(20);
      const status = JSON.parse((await runCli(['status', '--json', '--data-dir', dir])).stdout) as { collect: { exchange: string }[] };
      expect(status.collect.map((c) => c.exchange)).toEqual(['binance', 'bybit', 'okx']);

      sim.setNow(NOW + DAY);
      // a day later, as far as the venues' budgets know: OKX counts requests in any 2 s and says nothing of
      // what another run spent, so a run started within 2 s of the last one could meet its requests there
      await new Promise((r) => setTimeout(r, 2_100));
      const before = pages();
      const second = await run(['--max-age', '1000']);
      expect(second.code, second.stderr).toBe(0);
      const later = (JSON.parse(second.stdout) as { venues: CycleSummary[] }).venues;
      expect(later.map((v) => [v.stores, v.rowsAdded])).toEqual(later.map(() => [{ fresh: 0, updated: 20, built: 0, failed: 0 }, 20 * 288]));
      const after = pages();
      // one page of the 288 new candles per store on every venue, nothing older asked again
      expect([after.binance - before.binance, after.bybit - before.bybit, after.okx - before.okx]).toEqual([20, 20, 20]);
      expect(sim.statuses.get(429) ?? 0).toBe(0);
    } finally {
      await sim.close();
    }
  }, 120_000);
});
