// `npm run bench`: prints throughput figures. Never a test: numbers vary with the machine.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanCandles } from '../src/clean/clean-candles.js';
import { candleColumns } from '../src/core/frame.js';
import { wilderAtr } from '../src/indicators/wilder-atr.js';
import { withStoreForWrite, type WriteIdentity } from '../src/store/store-writer.js';
import type { MasterFrame } from '../src/core/frame.js';
import { SyntheticSource } from '../src/sim/synthetic-source.js';
import { coinProfile } from '../src/sim/symbol-profiles.js';
import { parseTimeframe } from '../src/core/timeframe.js';
import { startSim } from '../src/sim/server.js';
import { readMaster } from '../src/store/store-read.js';
import { encodeSeries } from '../src/store/parquet-codec.js';
import { OHLCV } from '../src/datasets/ohlcv.js';
import { collectSection, fetchSection, venueFetchSection } from './fetch.js';
import { liquidationsSection } from './liquidations.js';
import { futuresSection } from './futures.js';
import { databaseSection } from './database.js';
import { reportSection } from './report.js';
import { s3Section } from './s3.js';
import { archivesCachedSection, archivesOpenInterestSection, archivesSection } from './archives.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'qml-data.js');
const YEAR = 365 * 86_400_000;

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const out = fn();
  return [out, performance.now() - t0];
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, performance.now() - t0];
}

const rate = (rows: number, ms: number) => `${((rows / ms) * 1000 / 1e6).toFixed(1)} M rows/s`;

async function coreAndParquet(): Promise<void> {
  const src = new SyntheticSource({ seed: 1, profile: coinProfile('BTC'), market: 'spot' });
  const from = Date.parse('2020-01-01T00:00Z');
  const [bars, genMs] = time(() => src.bars(from, from + 5 * YEAR));
  const raw = candleColumns(bars);
  const n = raw.time.length;
  console.log(`input: ${n.toLocaleString('en-US')} 1m candles (5 years, simulator generated in ${genMs.toFixed(0)} ms)`);
  const [cleaned, cleanMs] = time(() => cleanCandles(raw));
  const [atr, atrMs] = time(() => wilderAtr(cleaned.frame.high, cleaned.frame.low, cleaned.frame.close, 14));
  console.log(`clean:          ${cleanMs.toFixed(0).padStart(6)} ms  ${rate(n, cleanMs)}`);
  console.log(`Wilder ATR(14): ${atrMs.toFixed(0).padStart(6)} ms  ${rate(n, atrMs)}`);
  console.log(`clean + ATR:    ${(cleanMs + atrMs).toFixed(0).padStart(6)} ms  ${rate(n, cleanMs + atrMs)}`);
  const frame = { ...cleaned.frame, atr };
  const meta = { toolVersion: 'bench', schemaVersion: '1', dataset: 'ohlcv', exchange: 'binance', source: 'exchange', marketType: 'spot', symbol: 'BTC/USDT', timeframe: '1m', atrPeriod: 14, updatedAt: new Date().toISOString() };
  const [bytes, encMs] = time(() => encodeSeries(OHLCV, frame, meta));
  const dir = mkdtempSync(join(tmpdir(), 'qml-bench-'));
  const path = join(dir, 'binance', 'BTC_USDT', '1m_master.parquet');
  const [, writeMs] = await timeAsync(() => writeStore(path, frame, 'BTC/USDT'));
  const [, readMs] = await timeAsync(() => readMaster(path, { symbol: 'BTC/USDT', timeframe: '1m' }));
  const [, rangeMs] = await timeAsync(() => readMaster(path, { symbol: 'BTC/USDT', timeframe: '1m' }, { start: from + 2 * YEAR, end: from + 2 * YEAR + 30 * 86_400_000 }));
  console.log(`parquet encode: ${encMs.toFixed(0).padStart(6)} ms  ${rate(n, encMs)}  (${(bytes.byteLength / 2 ** 20).toFixed(1)} MiB)`);
  console.log(`parquet write:  ${writeMs.toFixed(0).padStart(6)} ms  ${rate(n, writeMs)}  (encode + atomic replace with fsync)`);
  console.log(`parquet read:   ${readMs.toFixed(0).padStart(6)} ms  ${rate(n, readMs)}`);
  console.log(`read 30 days:   ${rangeMs.toFixed(0).padStart(6)} ms  (row groups outside the range skipped)`);
}

/** A 1m store written through the store layer, replacing whatever is there. */
function writeStore(path: string, frame: MasterFrame, symbol: string): Promise<number> {
  const id: WriteIdentity = { exchange: 'binance', source: 'exchange', marketType: 'spot', symbol, timeframe: '1m', atrPeriod: 14 };
  return withStoreForWrite(OHLCV, path, id, { waitMs: 0, erase: true }, (h) => h.replace(frame, id));
}

function runCli(args: string[]): { ms: number; status: number | null } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, QML_LOG_LEVEL: 'warn', QML_ARCHIVES: 'off' } });
  return { ms: performance.now() - t0, status: r.status };
}

async function updateEndToEnd(): Promise<void> {
  const sharedFile = join(ROOT, '..', 'shared', 'fixtures', 'candles', 'binance_spot_BTCUSDT_1h.djienne.freqtrade.json');
  const replay = existsSync(sharedFile);
  const end = replay ? Date.parse('2022-10-11T11:30:00Z') : Date.parse('2024-06-01T00:30:00Z');
  const sim = await startSim({ port: 0, now: end - 86_400_000, ...(replay ? { replay: { 'BTC/USDT': sharedFile } } : {}) });
  const dir = mkdtempSync(join(tmpdir(), 'qml-bench-'));
  const since = replay ? '2017-01-01' : new Date(end - 5.14 * YEAR).toISOString().slice(0, 10);
  const build = await cli(['build', '--symbol', 'BTC/USDT', '--timeframes', '1h', '--since', since, '--api-url', sim.url, '--data-dir', dir]);
  sim.setNow(end);
  const upd = await cli(['update', '--api-url', sim.url, '--data-dir', dir]);
  const noop = await cli(['update', '--api-url', sim.url, '--data-dir', dir]);
  const { frame } = await readMaster(join(dir, 'binance', 'BTC_USDT', '1h_master.parquet'), { symbol: 'BTC/USDT', timeframe: '1h' });
  await sim.close();
  console.log(`\nstore: BTC/USDT 1h, ${frame.time.length.toLocaleString('en-US')} rows (${replay ? 'replayed Binance 2017–2022' : 'synthetic'})`);
  console.log(`build (fetch ${Math.ceil(frame.time.length / 1000)} pages): ${build.toFixed(0)} ms`);
  console.log(`update, 1 day of new candles: ${upd.toFixed(0)} ms  (process start, read, fetch, clean, ATR, write)`);
  console.log(`update, already current:      ${noop.toFixed(0)} ms  (no kline request)`);
}

/** Run the CLI without blocking the event loop: the simulator answering it lives in this process. */
function cli(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, QML_LOG_LEVEL: 'warn', QML_ARCHIVES: 'off' } });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`qml-data ${args[0]} exited ${code}`))));
  });
}

/**
 * Update cost against history size: one new day of 1m candles appended to a 10k-row store and to a
 * 2.6 M-row store (5 years of 1m), end to end through the binary. Median of 3 runs each, the stores
 * restored from a copy before every run, the two sizes alternating.
 */
async function updateCostFlat(): Promise<void> {
  const end = Date.parse('2024-06-01T00:00Z');
  const sim = await startSim({ port: 0, now: end, symbols: ['ETH/USDT'] });
  const src = new SyntheticSource({ seed: 1, profile: coinProfile('ETH'), market: 'spot' });
  const stored = end - 86_400_000;
  const sizes = [['10k rows', stored - 10_000 * 60_000], ['2.6 M rows', stored - 5 * YEAR]] as const;
  const dirs: string[] = [];
  for (const [, from] of sizes) {
    const f = cleanCandles(candleColumns(src.bars(from, stored))).frame;
    const dir = mkdtempSync(join(tmpdir(), 'qml-bench-'));
    const path = join(dir, 'binance', 'ETH_USDT', '1m_master.parquet');
    await withStoreForWrite(OHLCV, path, { symbol: 'ETH/USDT' }, { waitMs: 0, erase: true }, (h) =>
      h.replace({ ...f, atr: wilderAtr(f.high, f.low, f.close, 14) }, { exchange: 'binance', source: 'simulator', marketType: 'spot', symbol: 'ETH/USDT', timeframe: '1m', atrPeriod: 14 }));
    copyFileSync(path, `${path}.orig`);
    dirs.push(dir);
  }
  const ms: number[][] = [[], []];
  for (let run = 0; run < 3; run++) {
    for (const [i, dir] of dirs.entries()) {
      const path = join(dir, 'binance', 'ETH_USDT', '1m_master.parquet');
      copyFileSync(`${path}.orig`, path);
      ms[i]!.push(await cli(['update', '--api-url', sim.url, '--data-dir', dir]));
    }
  }
  await sim.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
  const [small, large] = [median(ms[0]!), median(ms[1]!)];
  console.log('\nupdate cost against history size: one new day (1,440 1m candles), whole process, median of 3');
  for (const [i, [label]] of sizes.entries()) console.log(`  update of a ${label.padEnd(10)} store: ${median(ms[i]!).toFixed(0).padStart(6)} ms`);
  console.log(`  ratio 2.6 M / 10k: ${(large / small).toFixed(2)}  (target ≤ 2; before the append path: 12.0 s / 1.4 s = 8.4)`);
}

async function startup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'qml-bench-'));
  const src = new SyntheticSource({ seed: 1, profile: coinProfile('ETH'), market: 'spot' });
  const raw = candleColumns(src.bars(Date.parse('2024-01-01T00:00Z'), Date.parse('2024-01-08T00:00Z')));
  const f = cleanCandles(raw).frame;
  await writeStore(join(dir, 'binance', 'ETH_USDT', '1m_master.parquet'), { ...f, atr: wilderAtr(f.high, f.low, f.close, 14) }, 'ETH/USDT');
  const node = Array.from({ length: 5 }, () => { const t0 = performance.now(); spawnSync(process.execPath, ['-e', '0']); return performance.now() - t0; });
  const runs = Array.from({ length: 7 }, () => runCli(['validate', '--data-dir', dir]).ms);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`\nvalidate of one 10k-row store, whole process (median of 7): ${median(runs).toFixed(0)} ms  (bare node: ${median(node).toFixed(0)} ms)`);
}

async function simThroughput(): Promise<void> {
  // 1,000 invented coins: every cold request asks a coin the simulator has never served
  const coins = Array.from({ length: 1000 }, (_, i) => `C${i}X/USDT`);
  const start = Date.parse('2024-05-01T00:00Z');
  console.log('\nsimulator, 1,000-candle pages, 4 keep-alive clients (cold: a fresh simulator, every page generated, aggregated');
  console.log('and formatted from scratch; repeated: the same 4 pages, answered by the immutable-page cache)');
  console.log('  timeframe   cold req/s   repeated req/s   KiB/page');
  for (const tf of ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M']) {
    const sim = await startSim({ port: 0, now: Date.parse('2024-06-01T00:00Z'), symbols: [...coins, 'BTC/USDT'], rateLimits: { spot: { limit: 1e12 } } });
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const get = (path: string) => new Promise<number>((resolve, reject) => {
      request(`${sim.url}${path}`, { agent }, (res) => { let n = 0; res.on('data', (d: Buffer) => { n += d.length; }); res.on('end', () => resolve(n)); }).on('error', reject).end();
    });
    // up to n requests or 2 s, whichever comes first
    const load = async (path: (i: number) => string, n: number) => {
      const t0 = performance.now();
      let bytes = 0, done = 0, next = 0;
      await Promise.all(Array.from({ length: 4 }, async () => {
        while (next < n && performance.now() - t0 < 2000) { const i = next++; bytes += await get(path(i)); done++; }
      }));
      return { rps: done / ((performance.now() - t0) / 1000), kib: bytes / done / 1024 };
    };
    const whole = tf.endsWith('d') || tf.endsWith('w') || tf.endsWith('M');
    const step = whole ? 0 : parseTimeframe(tf).ms;
    const pageStart = whole ? 0 : start - 1000 * step;
    // intraday: a coin's last 1,000 candles before May 2024; a day and longer: its whole history
    const fresh = coins.filter((c) => whole || coinProfile(c.split('/')[0]!).spotListedAt <= pageStart);
    const cold = await load((i) => `/api/v3/klines?symbol=${fresh[i]!.replace('/', '')}&interval=${tf}&startTime=${pageStart}&limit=1000`, fresh.length);
    const warm = await load((i) => `/api/v3/klines?symbol=BTCUSDT&interval=${tf}&startTime=${whole ? 0 : start - (1 + (i % 4)) * 1000 * step}&limit=1000`, 2000);
    console.log(`  ${tf.padEnd(9)} ${cold.rps.toFixed(0).padStart(12)} ${warm.rps.toFixed(0).padStart(16)} ${cold.kib.toFixed(0).padStart(10)}`);
    agent.destroy();
    await sim.close();
  }
}

// QML_BENCH_FETCH=c,b picks fetch jobs; QML_BENCH_CCXT=0 leaves out the plain-ccxt baselines (minutes each)
const fetchJobs = process.env['QML_BENCH_FETCH']?.split(',');
const SECTIONS: Record<string, () => Promise<void>> = {
  core: coreAndParquet, update: updateEndToEnd, 'update-cost': updateCostFlat, startup, sim: simThroughput,
  fetch: async () => {
    const venues = process.env['QML_BENCH_VENUES']?.split(',');
    if (!venues || venues.includes('binance')) await fetchSection(fetchJobs, process.env['QML_BENCH_CCXT'] !== '0');
    await venueFetchSection(venues?.filter((v) => v !== 'binance'), process.env['QML_BENCH_CCXT'] !== '0');
  },
  collect: collectSection, liquidations: liquidationsSection, futures: futuresSection, database: databaseSection, archives: archivesSection, 'archives-cached': archivesCachedSection, 'archives-oi': archivesOpenInterestSection, report: reportSection, s3: s3Section,
};
// `npm run bench -- update-cost sim` runs only the sections named; no name runs them all.
const wanted = process.argv.slice(2);
for (const name of wanted) if (!SECTIONS[name]) throw new Error(`unknown bench section "${name}" (expected ${Object.keys(SECTIONS).join(', ')})`);
console.log(`qml-data bench on node ${process.version}, ${(await import('node:os')).cpus().length} cores\n`);
for (const [name, run] of Object.entries(SECTIONS)) if (wanted.length === 0 || wanted.includes(name)) await run();
console.log('');
