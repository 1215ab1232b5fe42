// The fetch section of `npm run bench`: jobs of the daily collector's shape, run against the simulator
// enforcing Binance's real weight limits, each beside (1) its minimum under the weight rules and (2) the
// same job through plain ccxt, as a user would write it. Never a test: the figures vary with the machine.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
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
  const members = (JSON.parse(readFileSync(join(dir, 'universe', 'current.json'), 'utf8')) as { members: { market: string }[] }).members;
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
