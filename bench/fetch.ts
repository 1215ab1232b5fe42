// The fetch section of `npm run bench`: jobs of the daily collector's shape, run against the simulator
// enforcing Binance's real weight limits, each beside (1) its minimum under the weight rules and (2) the
// same job through plain ccxt, as a user would write it. Never a test: the figures vary with the machine.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { venueProfile } from '../src/exchange/venue.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ccxt, { type Exchange } from 'ccxt';
import { cheapestKlinePage, usdmKlineWeight } from '../src/exchange/binance/weights.js';
import { startSim, type RunningSim } from '../src/sim/server.js';
import { masterPath } from '../src/store/store-path.js';
import { readMaster } from '../src/store/store-read.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'qml-data.js');
const NOW = Date.parse('2026-06-01T00:00:00Z');
const DAY = 86_400_000;
const FIVE_MIN = 300_000;
const WINDOW = 60_000;
const LIMITS = { spot: 6000, futures: 2400 } as const;

interface Job { readonly name: string; readonly market: 'perp' | 'spot'; readonly symbols: number; readonly days: number }

export const FETCH_JOBS: Record<string, Job> = {
  a: { name: '(a) 100 USDT-M perps × 90 d × 5m', market: 'perp', symbols: 100, days: 90 },
  b: { name: '(b) 100 spot × 90 d × 5m', market: 'spot', symbols: 100, days: 90 },
  c: { name: '(c) 20 USDT-M perps × 90 d × 5m', market: 'perp', symbols: 20, days: 90 },
};

interface Run { ms: number; requests: number; weight: number; r429: number; r418: number; startOffsetMs: number }

function symbolsOf(job: Job): string[] {
  return Array.from({ length: job.symbols }, (_, i) => `C${String(i + 1).padStart(3, '0')}/USDT${job.market === 'perp' ? ':USDT' : ''}`);
}

async function simFor(job: Job, limited: boolean): Promise<RunningSim> {
  const off = { limit: 1e12 };
  return startSim({ port: 0, now: NOW, seed: 9, symbols: symbolsOf(job), ...(limited ? {} : { rateLimits: { spot: off, futures: off } }) });
}

function counted(sim: RunningSim, ms: number, startOffsetMs: number): Run {
  const requests = [...sim.requests.values()].reduce((a, b) => a + b, 0);
  const weight = [...sim.weights.values()].reduce((a, b) => a + b, 0);
  return { ms, requests, weight, r429: sim.statuses.get(429) ?? 0, r418: sim.statuses.get(418) ?? 0, startOffsetMs };
}

/** Our `build` through the binary, with the default settings a user gets. */
async function ours(job: Job, limited: boolean): Promise<Run> {
  const sim = await simFor(job, limited);
  const dir = mkdtempSync(join(tmpdir(), 'qml-bench-fetch-'));
  const t0 = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'build', '--symbol', symbolsOf(job).join(','), '--timeframes', '5m', '--days', String(job.days),
      '--api-url', sim.url, '--data-dir', dir], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, QML_LOG_LEVEL: 'error', QML_ARCHIVES: 'off' } });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`qml-data build exited ${code}`))));
  });
  const run = counted(sim, Date.now() - t0, t0 % WINDOW);
  await sim.close();
  return run;
}

/**
 * The same job as a user writes it with plain ccxt: enableRateLimit on, every symbol paged by the last
 * open time with ccxt's largest page, all symbols at once (ccxt's throttle queues them).
 */
async function plainCcxt(job: Job): Promise<Run> {
  const sim = await simFor(job, true);
  const ex: Exchange = new ccxt.binance({ enableRateLimit: true, options: { fetchMarkets: { types: ['spot', 'linear'] }, fetchCurrencies: false } });
  for (const [k, v] of Object.entries(ex.urls['api'] as Record<string, string>)) (ex.urls['api'] as Record<string, string>)[k] = v.replace(/^https:\/\/[^/]+/, sim.url);
  const t0 = Date.now();
  await ex.loadMarkets();
  const until = NOW - (NOW % FIVE_MIN);
  await Promise.all(symbolsOf(job).map(async (symbol) => {
    for (let since = until - job.days * DAY; since < until;) {
      const rows = await ex.fetchOHLCV(symbol, '5m', since, 1000);
      if (rows.length === 0) break;
      since = Number(rows[rows.length - 1]![0]) + FIVE_MIN;
    }
  }));
  const run = counted(sim, Date.now() - t0, t0 % WINDOW);
  await ex.close();
  await sim.close();
  return run;
}

/**
 * The least time the weight rules allow this machine: `weight` laid into fixed windows of `limit` from
 * the moment the run started, spent at the rate the machine reaches with the limits switched off
 * (`offMs` for the whole weight). A window's budget is spent as fast as that rate allows; what is left
 * waits for the next boundary. With one window enough, this is the limits-off time itself.
 */
export function minimumUnderWindows(weight: number, limit: number, offMs: number, startOffsetMs: number, windowMs = WINDOW): number {
  const rate = weight / Math.max(1, offMs);
  let t = 0;
  let left = weight;
  for (let windowLeft = windowMs - startOffsetMs; ; windowLeft = windowMs) {
    const spendable = Math.min(limit, rate * windowLeft);
    if (left <= spendable) return t + left / rate;
    left -= spendable;
    t += windowLeft;
  }
}

/** The job's weight at the cheapest page, and its minimum under the rules (see minimumUnderWindows). */
function minimumMs(job: Job, off: Run, startOffsetMs: number): { ms: number; weight: number } {
  const page = cheapestKlinePage(job.market === 'spot' ? 'spot' : 'swap');
  const pagesPerSymbol = Math.ceil((job.days * DAY) / FIVE_MIN / page);
  const pageWeight = job.market === 'spot' ? 2 : usdmKlineWeight(page);
  const weight = job.symbols * pagesPerSymbol * pageWeight;
  const limit = job.market === 'spot' ? LIMITS.spot : LIMITS.futures;
  return { ms: minimumUnderWindows(weight, limit, off.ms, startOffsetMs), weight };
}

const fmt = (r: Run) => `${(r.ms / 1000).toFixed(1).padStart(6)} s  ${String(r.requests).padStart(5)} req  weight ${String(r.weight).padStart(6)}  429×${r.r429} 418×${r.r418}`;

/** Our binary with arguments against a simulator; resolves to the wall time and its stdout. */
export async function timedCli(args: string[], env: Record<string, string> = {}): Promise<{ ms: number; stdout: string }> {
  const t0 = Date.now();
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, QML_LOG_LEVEL: 'error', QML_ARCHIVES: 'off', ...env } });
    child.stdout!.on('data', (d) => { stdout += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`qml-data ${args[0]} exited ${code}`))));
  });
  return { ms: Date.now() - t0, stdout };
}

/**
 * The same run with the CPU time it took (user + system, every thread of the process: main thread, zlib
 * and hashing on libuv's pool, GC), as bash's `time` reports it for the child.
 */
export async function timedCliCpu(args: string[], env: Record<string, string> = {}, oneCore = false): Promise<{ ms: number; cpuMs: number }> {
  const t0 = Date.now();
  let stderr = '';
  // one core: the child and every thread it starts (zlib's pool, GC helpers) pinned to CPU 0 by taskset
  const command = oneCore ? ['taskset', '-c', '0', process.execPath] : [process.execPath];
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', ['-c', 'TIMEFORMAT="%U %S"; time "$0" "$@" > /dev/null', ...command, BIN, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, QML_LOG_LEVEL: 'error', QML_ARCHIVES: 'off', ...env },
    });
    child.stderr!.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`qml-data ${args[0]} exited ${code}: ${stderr.slice(-500)}`))));
  });
  const [user, sys] = stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { ms: Date.now() - t0, cpuMs: (user! + sys!) * 1000 };
}

/**
 * The daily collector as users run it: `collect` of the universe's 100 perpetuals × 90 d × 5m from an
 * empty folder against Binance's limits, then one day later the daily cycle.
 */
export async function collectSection(): Promise<void> {
  console.log('\ncollect: 100 USDT-M perpetuals of the universe × 90 d × 5m, the simulator enforcing Binance\'s limits');
  const off = { limit: 1e12 };
  const free = await startSim({ port: 0, now: NOW, seed: 9, universe: true, rateLimits: { spot: off, futures: off, coingecko: off } });
  const offRun = await timedCli(['collect', '--size', '100', '--days', '90', '--api-url', free.url, '--data-dir', mkdtempSync(join(tmpdir(), 'qml-bench-collect-'))]);
  await free.close();
  const sim = await startSim({ port: 0, now: NOW, seed: 9, universe: true });
  const dir = mkdtempSync(join(tmpdir(), 'qml-bench-collect-'));
  const started = Date.now();
  const full = await timedCli(['collect', '--size', '100', '--days', '90', '--json', '--api-url', sim.url, '--data-dir', dir]);
  const run = counted(sim, full.ms, started % WINDOW);
  const usdm = sim.weights.get('futures') ?? 0;
  const minimum = minimumUnderWindows(usdm, LIMITS.futures, offRun.ms, run.startOffsetMs);
  console.log(`  full collection:  ${fmt(run)}  ratio to minimum ${(run.ms / minimum).toFixed(2)} (target ≤ 1.15; minimum ${(minimum / 1000).toFixed(1)} s: USDT-M weight ${usdm} at the limits-off rate (${(offRun.ms / 1000).toFixed(1)} s) in 1-minute windows from second ${(run.startOffsetMs / 1000).toFixed(0)})`);
  console.log(`  ${await sameAsBuild(sim, dir)}`);
  sim.setNow(NOW + DAY);
  const daily = await timedCli(['collect', '--size', '100', '--days', '90', '--json', '--api-url', sim.url, '--data-dir', dir]);
  const summary = JSON.parse(daily.stdout) as { stores: Record<string, number>; rowsAdded: number; weight: Record<string, number> };
  console.log(`  daily cycle:      ${(daily.ms / 1000).toFixed(1).padStart(6)} s  (${JSON.stringify(summary.stores)}, ${summary.rowsAdded} rows added, weight ${JSON.stringify(summary.weight)}; target ≤ 30 s)`);
  console.log(`  ${await sameAsBuild(sim, dir)}`);
  await sim.close();
}

/** Five collected stores, each compared bit for bit with a `build` of the same range into another folder. */
async function sameAsBuild(sim: RunningSim, dir: string): Promise<string> {
  const members = (JSON.parse(readFileSync(join(dir, 'binance', 'universe', 'current.json'), 'utf8')) as { members: { market: string }[] }).members;
  const sample = [0, 24, 49, 74, 99].map((i) => members[i]!.market);
  const other = mkdtempSync(join(tmpdir(), 'qml-bench-collect-'));
  const equal: string[] = [];
  for (const symbol of sample) {
    const { frame } = await readMaster(masterPath(dir, 'binance', symbol, '5m'), { symbol, timeframe: '5m' });
    await timedCli(['build', '--symbol', symbol, '--timeframes', '5m', '--since', new Date(frame.time[0]!).toISOString(), '--api-url', sim.url, '--data-dir', other]);
    const built = (await readMaster(masterPath(other, 'binance', symbol, '5m'), { symbol, timeframe: '5m' })).frame;
    const same = (['time', 'open', 'high', 'low', 'close', 'volume', 'atr'] as const).every((k) => Buffer.from(frame[k].buffer).equals(Buffer.from(built[k].buffer)));
    if (same) equal.push(symbol);
  }
  return `stores equal to a build of the same range, bit for bit: ${equal.length} of ${sample.length} sampled (${sample.join(', ')})`;
}

/** Run the named jobs (default all) and print them side by side. */
export async function fetchSection(names: readonly string[] = Object.keys(FETCH_JOBS), withCcxt = true): Promise<void> {
  console.log('\nfetch at the limit: the simulator enforcing Binance\'s limits (spot 6,000/min, USDT-M 2,400/min), 5m candles');
  for (const name of names) {
    const job = FETCH_JOBS[name]!;
    const off = await ours(job, false);
    const run = await ours(job, true);
    const min = minimumMs(job, off, run.startOffsetMs);
    console.log(`${job.name}`);
    console.log(`  qml-data:         ${fmt(run)}  ratio to minimum ${(run.ms / min.ms).toFixed(2)} (target ≤ 1.15)`);
    console.log(`  minimum:          ${(min.ms / 1000).toFixed(1).padStart(6)} s  (cheapest-page weight ${min.weight} at the limits-off rate (${(off.ms / 1000).toFixed(1)} s for all of it) in 1-minute windows from second ${(run.startOffsetMs / 1000).toFixed(0)})`);
    if (withCcxt) {
      const base = await plainCcxt(job);
      console.log(`  plain ccxt:       ${fmt(base)}  (${(base.ms / run.ms).toFixed(1)}× qml-data)`);
    }
  }
}

/**
 * The rule minimum of a job spread over independent rolling budgets: each bucket's requests at the rate
 * the machine reaches with the limits off (its share of `offMs`), in windows of `limit` per `windowMs`.
 * Buckets run side by side, so the job's minimum is the slowest bucket's (and never less than `offMs`).
 */
export function minimumUnderBuckets(buckets: readonly { requests: number; limit: number; windowMs: number }[], offMs: number): number {
  const total = buckets.reduce((a, b) => a + b.requests, 0);
  return Math.max(offMs, ...buckets.map((b) => minimumUnderWindows(b.requests, b.limit, offMs * (b.requests / Math.max(1, total)), 0, b.windowMs)));
}

interface VenueBench {
  readonly venue: 'bybit' | 'okx';
  /** The simulator's limits switched off for this venue. */
  readonly off: Record<string, { limit: number }>;
  /** The least requests per bucket for `bars` closed 5m bars of one symbol, with each bucket's real limit. */
  buckets(bars: number, symbols: number): { name: string; requests: number; limit: number; windowMs: number }[];
  /** Plain ccxt's class for the venue, its API URLs pointed at the simulator. */
  client(url: string): Exchange;
  readonly page: number;
}

const OKX_ENDPOINTS = ['market/candles', 'market/history-candles', 'public/instruments', 'public/time', 'market/tickers'];

const VENUE_BENCH: Record<string, VenueBench> = {
  bybit: {
    venue: 'bybit', page: 1000,
    off: { bybit: { limit: 1e12 } },
    buckets: (bars, symbols) => [{ name: 'kline', requests: symbols * Math.ceil(bars / 1000), limit: 600, windowMs: 5_000 }],
    client: (url) => pointed(new ccxt.bybit({ enableRateLimit: true, options: { fetchMarkets: { types: ['spot', 'linear'] } } }), url),
  },
  okx: {
    venue: 'okx', page: 300,
    off: Object.fromEntries(OKX_ENDPOINTS.map((e) => [e, { limit: 1e12 }])),
    // the latest 1,440 bars from `candles` (40 per 2 s), the rest from `history-candles` (20 per 2 s)
    buckets: (bars, symbols) => [
      { name: 'candles', requests: symbols * Math.ceil(Math.min(bars, 1440) / 300), limit: 40, windowMs: 2_000 },
      { name: 'history-candles', requests: symbols * Math.ceil(Math.max(0, bars - 1440) / 300), limit: 20, windowMs: 2_000 },
    ],
    client: (url) => pointed(new ccxt.okx({ enableRateLimit: true, options: { fetchMarkets: { types: ['spot', 'swap'] } } }), url),
  },
};

function pointed(ex: Exchange, url: string): Exchange {
  const api = ex.urls['api'] as Record<string, unknown>;
  const swap = (v: unknown): unknown => typeof v === 'string' ? v.replace(/^https:\/\/[^/]+/, url)
    : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x)])) : v;
  for (const k of Object.keys(api)) api[k] = swap(api[k]);
  return ex;
}

async function venueSim(v: VenueBench, symbols: string[], limited: boolean): Promise<RunningSim> {
  return startSim({ port: 0, now: NOW, seed: 9, symbols, venues: [v.venue], ...(limited ? {} : { rateLimits: v.off as never }) });
}

interface VenueRun { readonly ms: number; readonly requests: number; readonly refused: number }

/** A run on a venue's dialect: its requests, and those the simulator's limiters refused (Bybit's 403, OKX's 50011 as an HTTP 429). */
function venueRun(sim: RunningSim, ms: number): VenueRun {
  const requests = [...sim.requests.values()].reduce((a, b) => a + b, 0);
  return { ms, requests, refused: (sim.statuses.get(429) ?? 0) + (sim.statuses.get(403) ?? 0) };
}

async function oursOn(v: VenueBench, symbols: string[], days: number, limited: boolean): Promise<VenueRun> {
  const sim = await venueSim(v, symbols, limited);
  const dir = mkdtempSync(join(tmpdir(), 'qml-bench-fetch-'));
  // Limits off on our side too: these venues publish no limit, so our scheduler spends the profile's budget
  // unless the data folder holds a learned limit for the origin; the limits-off run gets huge ones.
  if (!limited) {
    const families = Object.keys(venueProfile(v.venue).budget?.limits ?? {});
    writeFileSync(join(dir, '.qml-limits.json'), JSON.stringify({ [`${sim.url}#${v.venue}`]: Object.fromEntries(families.map((f) => [f, { limit: 1e12, windowMs: 1000 }])) }));
  }
  const { ms } = await timedCli(['build', '--exchange', v.venue, '--symbol', symbols.join(','), '--timeframes', '5m', '--days', String(days), '--api-url', sim.url, '--data-dir', dir]);
  const run = venueRun(sim, ms);
  await sim.close();
  return run;
}

async function ccxtOn(v: VenueBench, symbols: string[], days: number): Promise<VenueRun> {
  const sim = await venueSim(v, symbols, true);
  const ex = v.client(sim.url);
  const t0 = Date.now();
  await ex.loadMarkets();
  const until = NOW - (NOW % FIVE_MIN);
  await Promise.all(symbols.map(async (symbol) => {
    for (let since = until - days * DAY; since < until;) {
      const rows = (await ex.fetchOHLCV(symbol, '5m', since, v.page)).filter((r) => Number(r[0]) >= since && Number(r[0]) < until);
      if (rows.length === 0) break;
      since = Number(rows[rows.length - 1]![0]) + FIVE_MIN;
    }
  }));
  const run = venueRun(sim, Date.now() - t0);
  await ex.close();
  await sim.close();
  return run;
}

/** 20 perpetuals × 90 d × 5m on each venue other than Binance, at its real limits, beside plain ccxt and the rule minimum. */
export async function venueFetchSection(venues: readonly string[] = Object.keys(VENUE_BENCH), withCcxt = true): Promise<void> {
  const symbols = ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE', 'ADA', 'AVAX', 'LINK', 'DOT', 'LTC', 'BCH', 'TRX', 'NEAR', 'ATOM', 'UNI', 'APT', 'ARB', 'OP', 'FIL', 'ETC'].map((c) => `${c}/USDT:USDT`);
  const days = 90;
  for (const name of venues) {
    const v = VENUE_BENCH[name]!;
    console.log(`\n${name}: 20 USDT perpetuals × ${days} d × 5m, the simulator enforcing ${name}'s real limits`);
    const off = await oursOn(v, symbols, days, false);
    const run = await oursOn(v, symbols, days, true);
    const buckets = v.buckets(days * 288, symbols.length);
    const min = minimumUnderBuckets(buckets, off.ms);
    const fmtV = (r: VenueRun) => `${(r.ms / 1000).toFixed(1).padStart(6)} s  ${String(r.requests).padStart(5)} req  refused ${r.refused}`;
    console.log(`  qml-data:         ${fmtV(run)}  ratio to minimum ${(run.ms / min).toFixed(2)} (target ≤ 1.15)`);
    console.log(`  minimum:          ${(min / 1000).toFixed(1).padStart(6)} s  (${buckets.map((b) => `${b.name} ${b.requests} req at ${b.limit}/${b.windowMs / 1000} s`).join(', ')}; limits off: ${(off.ms / 1000).toFixed(1)} s)`);
    if (withCcxt) {
      const base = await ccxtOn(v, symbols, days);
      console.log(`  plain ccxt:       ${fmtV(base)}  (${(base.ms / run.ms).toFixed(1)}× qml-data)`);
    }
  }
}
