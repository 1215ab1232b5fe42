import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/cli/main.js';
import { failureOf } from '../../src/cli/report.js';
import { ExchangeError, JobFailedError, UsageError } from '../../src/core/errors.js';
import { concatFrames, type CandleFrame } from '../../src/core/frame.js';
import { parseTimeframe } from '../../src/core/timeframe.js';
import { runBuild } from '../../src/pipeline/build.js';
import { klinePager } from '../../src/exchange/kline-pager.js';
import { silentLog } from '../../src/core/log.js';
import { fetchSeries } from '../../src/pipeline/pager.js';
import { PauseGate, type RetryContext } from '../../src/core/retry.js';
import { mapPool } from '../../src/pipeline/run-pool.js';
import type { RunSettings } from '../../src/pipeline/run-settings.js';
import { loadMaster } from '../../src/store/store-read.js';
import { tempDir } from '../helpers/cli.js';
import { FakeExchange, type FakeReply } from '../helpers/fake-exchange.js';
import { fixture, readFreqtrade } from '../helpers/fixtures.js';

const H = 3_600_000;
const H1 = parseTimeframe('1h');
const candles = readFreqtrade(fixture('btcusdt-1h-2017.djienne.freqtrade.json')); // 2,400 real candles, one gap
const FIRST = candles.time[0]!;
const END = candles.time[candles.time.length - 1]! + H;
const ATTEMPTS = 3;
const retry = (): RetryContext => ({ policy: { attempts: ATTEMPTS, baseMs: 1, maxMs: 2, totalMs: 5_000 }, gate: new PauseGate(), log: silentLog });

async function fetchAll(ex: FakeExchange, from = FIRST, until = END): Promise<CandleFrame> {
  const market = await ex.market('BTC/USDT');
  const pages: CandleFrame[] = [];
  await fetchSeries(klinePager(ex, market, H1, until), { from, until }, retry(), { pages });
  return concatFrames(pages);
}

const times = (f: CandleFrame) => Array.from(f.time);

describe('the paging loop over a fake exchange', () => {
  it('steps page by page past the last open time and stops at until', async () => {
    const ex = new FakeExchange({ 'BTC/USDT': candles }, END);
    const all = await fetchAll(ex);
    expect(times(all)).toEqual(times(candles));
    expect(ex.requests.map((r) => r.since)).toEqual([FIRST, candles.time[1000]! , candles.time[2000]!]);
    const until = candles.time[1500]!;
    const part = await fetchAll(new FakeExchange({ 'BTC/USDT': candles }, END), FIRST, until);
    expect(times(part)).toEqual(times(candles).filter((t) => t < until));
  });

  it('retries a failed request under one policy, and gives up after its attempts with a bounded number of requests', async () => {
    const once = new FakeExchange({ 'BTC/USDT': candles }, END, (n) => (n === 2 ? 'temporary' : 'ok'));
    expect(times(await fetchAll(once))).toEqual(times(candles));
    expect(once.requests).toHaveLength(4);
    const always = new FakeExchange({ 'BTC/USDT': candles }, END, (n) => (n >= 2 ? 'temporary' : 'ok'));
    await expect(fetchAll(always)).rejects.toThrow(new RegExp(`gave up after ${ATTEMPTS} attempt\\(s\\)`));
    expect(always.requests).toHaveLength(1 + ATTEMPTS);
  });

  it('does not believe an empty page inside known history: retried by the same policy, then an ExchangeError', async () => {
    const once = new FakeExchange({ 'BTC/USDT': candles }, END, (n) => (n === 2 ? 'empty' : 'ok'));
    expect(times(await fetchAll(once))).toEqual(times(candles));
    const always = new FakeExchange({ 'BTC/USDT': candles }, END, (n): FakeReply => (n >= 2 ? 'empty' : 'ok'));
    const failure = await fetchAll(always).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ExchangeError);
    expect((failure as Error).message).toMatch(/empty page inside known history/);
    // one request and one probe per attempt for that page: never a retry loop inside a retry loop
    expect(always.requests).toHaveLength(1 + ATTEMPTS);
    expect(always.probes).toBe(ATTEMPTS);
  });

  it('ends at a real end only when the exchange confirms it twice', async () => {
    const ex = new FakeExchange({ 'BTC/USDT': candles }, END);
    const after = await fetchAll(ex, END, END + 50 * H);
    expect(after.time.length).toBe(0);
    expect(ex.requests).toHaveLength(2);
    expect(ex.probes).toBe(2);
  });

  it('asks once more for a page with impossible values, then takes it (cleaning repairs and counts)', async () => {
    const bad = concatFrames([candles]);
    bad.low[1200] = -1;
    const ex = new FakeExchange({ 'BTC/USDT': bad }, END);
    expect(times(await fetchAll(ex))).toEqual(times(candles));
    expect(ex.requests.map((r) => r.since)).toEqual([FIRST, candles.time[1000]!, candles.time[1000]!, candles.time[2000]!]);
  });
});

const settings = (dataDir: string): RunSettings => ({
  exchange: 'binance', source: 'simulator', dataDir, atrPeriod: 14, concurrency: 2, lockWaitMs: 0, checkpointMs: 60_000,
  retry: { attempts: ATTEMPTS, baseMs: 1, maxMs: 2, totalMs: 5_000 },
});
const since = { kind: 'since' as const, since: FIRST };

describe('outcomes keep their error class from the job to the exit code', () => {
  it('an unlisted symbol among several fails its own stores; the run carries on and exits 1 naming it', async () => {
    const dir = await tempDir();
    const ex = new FakeExchange({ 'BTC/USDT': candles, 'ETH/USDT': candles }, END);
    const out = await runBuild({ symbols: ['BTC/USDT', 'NOPE/USDT', 'ETH/USDT'], timeframes: ['1h'], range: since, dryRun: false }, settings(dir), { clientFor: () => ex, log: silentLog });
    expect(out.map((o) => [o.symbol, o.status])).toEqual([['BTC/USDT', 'written'], ['NOPE/USDT', 'failed'], ['ETH/USDT', 'written']]);
    expect(times(await loadMaster({ symbol: 'ETH/USDT', timeframe: '1h', dataDir: dir }))).toEqual(times(candles));
    const failure = failureOf(out)!;
    expect(failure).toBeInstanceOf(JobFailedError);
    expect(exitCodeOf(failure)).toBe(1);
    expect(failure.message).toMatch(/1 of 3 store\(s\) failed: symbol "NOPE\/USDT" is not listed/);
  });

  it('a single unlisted symbol is a usage error before anything is fetched', async () => {
    const ex = new FakeExchange({ 'BTC/USDT': candles }, END);
    const run = runBuild({ symbols: ['NOPE/USDT'], timeframes: ['1h'], range: since, dryRun: false }, settings(await tempDir()), { clientFor: () => ex, log: silentLog });
    await expect(run).rejects.toThrow(UsageError);
    expect(ex.requests).toHaveLength(0);
  });

  it('every store failing for the same kind of reason exits with that kind\'s code', async () => {
    const ex = new FakeExchange({ 'BTC/USDT': candles }, END, () => 'temporary');
    const out = await runBuild({ symbols: ['BTC/USDT'], timeframes: ['1h', '4h'], range: since, dryRun: false }, settings(await tempDir()), { clientFor: () => ex, log: silentLog });
    expect(out.every((o) => o.status === 'failed' && o.error?.kind === 'ExchangeError')).toBe(true);
    expect(exitCodeOf(failureOf(out))).toBe(3);
  });

  it('a programming error inside a job keeps its class and stack: exit 70', async () => {
    const ex = new FakeExchange({ 'BTC/USDT': candles, 'ETH/USDT': candles }, END, (_, req) => (req.symbol === 'ETH/USDT' ? 'bug' : 'ok'));
    const out = await runBuild({ symbols: ['BTC/USDT', 'ETH/USDT'], timeframes: ['1h'], range: since, dryRun: false }, settings(await tempDir()), { clientFor: () => ex, log: silentLog });
    expect(out.map((o) => o.status)).toEqual(['written', 'failed']);
    const failure = failureOf(out)!;
    expect(failure).toBeInstanceOf(TypeError);
    expect(failure.stack).toContain('fake-exchange.ts');
    expect(exitCodeOf(failure)).toBe(70);
  });
});

describe('the run pool', () => {
  it('keeps the input order with at most `limit` jobs in flight', async () => {
    let running = 0;
    let most = 0;
    const out = await mapPool([5, 1, 4, 2, 3], 2, async (ms) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return ms * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it('adapts: starts with `start` jobs, grows to what `want` asks (never past max), and shrinks by not replacing finished jobs', async () => {
    let running = 0;
    const seen: number[] = [];
    let wanted = 6;
    const asked: number[] = [];
    const out = await mapPool(Array.from({ length: 40 }, (_, i) => i), { start: 2, max: 5, everyMs: 5, want: (n) => { asked.push(n); return wanted; } }, async (i) => {
      seen.push(++running);
      if (i === 20) wanted = 1;
      await new Promise((r) => setTimeout(r, 15));
      running--;
      return i;
    });
    expect(out).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(seen.slice(0, 2)).toEqual([1, 2]); // two at first
    expect(Math.max(...seen)).toBe(5); // grown, and held at max although 6 were wanted
    expect(seen.slice(-3)).toEqual([1, 1, 1]); // then one at a time
    expect(asked.length).toBeGreaterThan(0);
  });

  it('starts nothing new after a failure, lets running jobs finish, then throws the first error', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = mapPool([0, 1, 2, 3, 4], 2, async (i) => {
      started.push(i);
      await new Promise((r) => setTimeout(r, i === 0 ? 1 : 20));
      if (i === 0) throw new Error('first');
      finished.push(i);
      return i;
    });
    await expect(run).rejects.toThrow('first');
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([1]);
  });
});
