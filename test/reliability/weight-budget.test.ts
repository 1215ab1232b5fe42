import { get } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSim } from '../../src/sim/server.js';
import { masterPath } from '../../src/store/store-path.js';
import { readMaster } from '../../src/store/store-read.js';
import { runBinary, runCli, tempDir } from '../helpers/cli.js';

const NOW = Date.parse('2024-03-10T12:34:00Z');
const WINDOW = 2_000;

/** One GET to the simulator; resolves to the status. */
function hit(url: string): Promise<number> {
  return new Promise((resolve, reject) => get(url, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); }).on('error', reject));
}

async function config(dir: string): Promise<string> {
  const path = join(dir, 'fast.yaml');
  await writeFile(path, 'timeout_ms: 5000\nretry:\n  attempts: 6\n  base_ms: 50\n  max_ms: 500\n  total_ms: 30000\n');
  return path;
}

const build = (url: string, dir: string, cfg: string, symbol = 'ETH/USDT', tf = '5m', since = '2024-02-20T00:00:00Z') =>
  ['build', '--symbol', symbol, '--timeframes', tf, '--since', since, '--config', cfg, '--api-url', url, '--data-dir', dir];
const LONG = ['1m', '2023-12-01T00:00:00Z'] as const;

describe('one weight budget per IP, shared with whoever else spends it', () => {
  it('sees the weight another client spends in every window (the header) and gets no 429', async () => {
    // 50 weight per 2 s; another client spends 20 of it at the start of every window, so our run (21
    // weight of exchangeInfo and /time, then 12 pages of 2) needs several windows
    const sim = await startSim({ port: 0, now: NOW, seed: 3, symbols: ['ETH/USDT'], rateLimits: { spot: { limit: 50, windowMs: WINDOW } } });
    const theirs: number[] = [];
    let stop = false;
    const other = (async () => {
      for (let first = true; !stop; first = false) {
        if (!first) await new Promise((r) => setTimeout(r, WINDOW - (Date.now() % WINDOW) + 5));
        if (!stop) theirs.push(await hit(`${sim.url}/api/v3/exchangeInfo`));
      }
    })();
    await new Promise((r) => setTimeout(r, 20)); // their first spend is on the server before our run starts
    const dir = await tempDir();
    try {
      const r = await runCli(build(sim.url, dir, await config(dir)));
      expect(r.code, r.stderr).toBe(0);
    } finally {
      stop = true;
      await other;
      await sim.close();
    }
    const ours429 = (sim.statuses.get(429) ?? 0) - theirs.filter((s) => s === 429).length;
    expect(theirs.length).toBeGreaterThanOrEqual(2); // the other client spent in at least two windows while we fetched
    expect(ours429).toBe(0);
    expect(sim.statuses.get(418) ?? 0).toBe(0);
    expect(sim.requests.get('/api/v3/klines')).toBe(Math.ceil((Date.parse('2024-03-10T12:30:00Z') - Date.parse('2024-02-20T00:00:00Z')) / 300_000 / 1000));
  });

  it('three build processes at once against one budget: no 429, every store what a single build writes', async () => {
    // Binance's proportions on a short window: the 3 % margin (24 of 800) covers the pages the other
    // processes have in flight; three runs of ~150 pages need at least two windows together
    const sim = await startSim({ port: 0, now: NOW, seed: 3, symbols: ['ETH/USDT', 'BTC/USDT', 'SOL/USDT'], rateLimits: { spot: { limit: 800, windowMs: WINDOW } } });
    try {
      // one data folder, as a cron update and a manual backfill share one: the limit the first run learns
      // from exchangeInfo is kept there for the others
      const shared = await tempDir();
      const cfg = await config(shared);
      const symbols = ['ETH/USDT', 'BTC/USDT', 'SOL/USDT'];
      const runs = await Promise.all(symbols.map((symbol) => runBinary(build(sim.url, shared, cfg, symbol, ...LONG))));
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      expect(sim.statuses.get(429) ?? 0).toBe(0);
      expect(sim.statuses.get(418) ?? 0).toBe(0);
      const alone = await tempDir();
      const single = await runCli([...build(sim.url, alone, cfg, 'ETH/USDT', ...LONG), '--symbol', 'BTC/USDT', '--symbol', 'SOL/USDT']);
      expect(single.code, single.stderr).toBe(0);
      for (const symbol of symbols) {
        const [a, b] = [await readMaster(masterPath(shared, 'binance', symbol, '1m'), { symbol, timeframe: '1m' }), await readMaster(masterPath(alone, 'binance', symbol, '1m'), { symbol, timeframe: '1m' })];
        for (const k of ['time', 'open', 'high', 'low', 'close', 'volume', 'atr'] as const) {
          expect(Buffer.from(a.frame[k].buffer).equals(Buffer.from(b.frame[k].buffer)), `${symbol} ${k}`).toBe(true);
        }
      }
    } finally {
      await sim.close();
    }
  });
});

describe('a rolling budget without headers (Bybit: 600 requests in any 5 s, a breach is a 403 and a ten-minute ban)', () => {
  it('a run of more requests than one window allows, at the real limit, is never refused', async () => {
    // 24 perpetuals × 30 days of 1m candles: 24 × 44 pages, more than 1,000 requests, against the venue's
    // own budget in the simulator (a breach would ban the run for ten minutes)
    const coins = ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE', 'ADA', 'AVAX', 'LINK', 'DOT', 'LTC', 'BCH', 'TRX', 'ATOM', 'NEAR', 'APT', 'ARB', 'OP', 'SUI', 'FIL', 'ETC', 'ICP', 'INJ', 'TIA', 'SEI'];
    const sim = await startSim({ port: 0, now: NOW, seed: 3, symbols: coins.map((c) => `${c}/USDT`), venues: ['bybit'] });
    const dir = await tempDir();
    const t0 = Date.now();
    try {
      const r = await runCli(['build', '--exchange', 'bybit', ...coins.flatMap((c) => ['--symbol', `${c}/USDT:USDT`]), '--timeframes', '1m', '--days', '30',
        '--config', await config(dir), '--api-url', sim.url, '--data-dir', dir]);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      await sim.close();
    }
    const requests = [...sim.requests.values()].reduce((a, b) => a + b, 0);
    expect(requests).toBeGreaterThan(1000);
    expect(sim.statuses.get(403) ?? 0).toBe(0);
    // more than one window's worth: the run had to wait for the window (it did not get lucky)
    expect(Date.now() - t0).toBeGreaterThan(5_000);
  }, 60_000);
});

describe('a budget per endpoint and instrument (OKX: 20 history pages and 10 funding pages of one swap per 2 s, no headers)', () => {
  it('candles of several swaps and their funding at the real limits: never a 50011', async () => {
    const coins = ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE'];
    const sim = await startSim({ port: 0, now: NOW, seed: 3, symbols: coins.map((c) => `${c}/USDT`), venues: ['okx'] });
    const dir = await tempDir();
    const t0 = Date.now();
    try {
      const symbols = coins.flatMap((c) => ['--symbol', `${c}/USDT:USDT`]);
      for (const extra of [['--timeframes', '1m', '--days', '4'], ['--datasets', 'funding', '--days', '85']]) {
        const r = await runCli(['build', '--exchange', 'okx', ...symbols, ...extra, '--config', await config(dir), '--api-url', sim.url, '--data-dir', dir]);
        expect(r.code, r.stderr).toBe(0);
      }
    } finally {
      await sim.close();
    }
    const history = sim.requests.get('/api/v5/market/history-candles') ?? 0;
    expect(history).toBeGreaterThan(40); // more than two windows of the history budget
    expect(sim.requests.get('/api/v5/public/funding-rate-history') ?? 0).toBeGreaterThanOrEqual(5 * 5);
    expect(sim.statuses.get(429) ?? 0).toBe(0);
    expect(Date.now() - t0).toBeGreaterThan(((history / 20) - 1) * 2_000);
  }, 60_000);
});
