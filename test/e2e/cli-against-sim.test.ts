import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { loadMaster } from '../../src/store/store-read.js';
import { runBinary, simArgs, tempDir } from '../helpers/cli.js';
import { rawKlines } from '../helpers/raw-klines.js';

const H = 3_600_000;
const NOW = Date.parse('2024-03-10T12:34:00Z');
const STORES = [['ETH/USDT', 'spot', 'ETHUSDT'], ['BTC/USDT:USDT', 'futures', 'BTCUSDT']] as const;
const TFS = ['1h', '4h', '1d'] as const;
const TF_MS: Record<string, number> = { '1h': H, '4h': 4 * H, '1d': 24 * H };

const klineRequests = (sim: RunningSim) => (sim.requests.get('/api/v3/klines') ?? 0) + (sim.requests.get('/fapi/v1/klines') ?? 0);

describe('qml-data binary against the simulator', () => {
  let sim: RunningSim;
  let dir: string;
  beforeAll(async () => {
    sim = await startSim({ port: 0, now: NOW, seed: 3 });
    dir = await tempDir();
  });
  afterAll(async () => { await sim.close(); });

  it('builds spot and USDT-M stores in several timeframes, equal to what the exchange serves', async () => {
    const r = await runBinary(['build', '--symbol', 'ETH/USDT', '--symbol', 'BTC/USDT:USDT', '--timeframes', ...TFS, '--days', '200', '--json', ...simArgs(sim.url, dir)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { stores: { symbol: string; timeframe: string; status: string; rows: number }[] };
    expect(out.stores.map((s) => `${s.symbol} ${s.timeframe} ${s.status}`)).toEqual(
      STORES.flatMap(([sym]) => TFS.map((tf) => `${sym} ${tf} written`)));
    for (const [symbol, family, id] of STORES) {
      for (const tf of TFS) {
        const frame = await loadMaster({ symbol, timeframe: tf, dataDir: dir });
        const first = frame.time[0]!;
        const raw = await rawKlines(sim.url, family, id, tf, first, Math.floor(NOW / TF_MS[tf]!) * TF_MS[tf]!);
        expect(Array.from(frame.time)).toEqual(raw.map((x) => x[0]));
        expect(Array.from(frame.close)).toEqual(raw.map((x) => x[4]));
        expect(Array.from(frame.volume)).toEqual(raw.map((x) => x[5]));
        expect(frame.time[frame.time.length - 1]! + TF_MS[tf]!).toBeLessThanOrEqual(NOW); // no open candle
        expect(Array.from(frame.atr.subarray(0, 14)).every(Number.isNaN)).toBe(true);
        expect(Number.isNaN(frame.atr[14]!)).toBe(false);
      }
    }
    expect(existsSync(join(dir, 'binance', 'ETH_USDT', '1h_master.parquet'))).toBe(true);
    expect(existsSync(join(dir, 'binance', 'BTC_USDT_USDT', '4h_master.parquet'))).toBe(true);
  });

  it('updates after the clock moves, equal bit for bit to a fresh build, then makes no kline request when current', async () => {
    sim.setNow(NOW + 3 * 24 * H);
    const r = await runBinary(['update', '--json', ...simArgs(sim.url, dir)]);
    expect(r.code).toBe(0);
    const stores = (JSON.parse(r.stdout) as { stores: { status: string; fetched: number }[] }).stores;
    expect(stores.map((s) => s.status)).toEqual(Array(6).fill('written'));
    expect(stores.every((s) => s.fetched > 0)).toBe(true);

    const fresh = await tempDir();
    const first = (await loadMaster({ symbol: 'ETH/USDT', timeframe: '1h', dataDir: dir })).time[0]!;
    const b = await runBinary(['build', '--symbol', 'ETH/USDT', '--timeframes', '1h', '--since', new Date(first).toISOString(), ...simArgs(sim.url, fresh)]);
    expect(b.code).toBe(0);
    const updated = await loadMaster({ symbol: 'ETH/USDT', timeframe: '1h', dataDir: dir });
    const built = await loadMaster({ symbol: 'ETH/USDT', timeframe: '1h', dataDir: fresh });
    for (const k of ['time', 'open', 'high', 'low', 'close', 'volume', 'atr'] as const) {
      expect(Buffer.from(updated[k].buffer).equals(Buffer.from(built[k].buffer)), k).toBe(true);
    }

    const before = klineRequests(sim);
    const again = await runBinary(['update', '--json', ...simArgs(sim.url, dir)]);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as { stores: { status: string }[] }).stores.map((s) => s.status)).toEqual(Array(6).fill('up-to-date'));
    expect(klineRequests(sim)).toBe(before);
  });

  it('validates every store and lists the gaps the exchange really has', async () => {
    const r = await runBinary(['validate', '--json', '--data-dir', dir]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { stores: { symbol: string; timeframe: string; status: string; rows: number; findings: { code: string; items?: { start: string; missing: number }[] }[] }[] };
    expect(report.stores).toHaveLength(6);
    const eth1h = report.stores.find((s) => s.symbol === 'ETH/USDT' && s.timeframe === '1h')!;
    const stored = await loadMaster({ symbol: 'ETH/USDT', timeframe: '1h', dataDir: dir });
    const expectedGaps: string[] = [];
    for (let i = 1; i < stored.time.length; i++) {
      if (stored.time[i]! - stored.time[i - 1]! > H) expectedGaps.push(new Date(stored.time[i - 1]! + H).toISOString());
    }
    expect(expectedGaps.length).toBeGreaterThan(0); // the synthetic market has maintenance windows
    const gaps = eth1h.findings.find((f) => f.code === 'GAPS')!;
    expect(gaps.items!.map((g) => g.start)).toEqual(expectedGaps);
    expect(eth1h.status).toBe('warn');
    expect(report.stores.every((s) => s.status !== 'fail')).toBe(true);
    const strict = await runBinary(['validate', '--strict', '--data-dir', dir]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('WARN binance ETH/USDT 1h');
  });

  it('lists every store with rows, range, gaps, size and update time', async () => {
    const r = await runBinary(['list', '--json', '--data-dir', dir]);
    expect(r.code).toBe(0);
    const { stores } = JSON.parse(r.stdout) as { stores: { symbol: string; timeframe: string; rows: number; bytes: number; updatedAt: string; first: string }[] };
    expect(stores.map((s) => `${s.symbol} ${s.timeframe}`).sort()).toEqual(STORES.flatMap(([s]) => TFS.map((tf) => `${s} ${tf}`)).sort());
    for (const s of stores) {
      const frame = await loadMaster({ symbol: s.symbol, timeframe: s.timeframe, dataDir: dir });
      expect(s.rows).toBe(frame.time.length);
      expect(s.first).toBe(new Date(frame.time[0]!).toISOString());
      expect(s.bytes).toBeGreaterThan(1000);
      expect(Date.parse(s.updatedAt)).toBeGreaterThan(Date.now() - 3_600_000);
    }
    const text = await runBinary(['list', '--data-dir', dir]);
    expect(text.stdout).toMatch(/^EXCHANGE\s+SYMBOL\s+TF\s+ROWS/);
  });

  it('--dry-run fetches and reports the range asked for but writes nothing', async () => {
    const empty = await tempDir();
    const r = await runBinary(['build', '--symbol', 'SOL/USDT', '--timeframes', '1h', '--days', '30', '--dry-run', '--json', ...simArgs(sim.url, empty)]);
    expect(r.code).toBe(0);
    const s = (JSON.parse(r.stdout) as { stores: { status: string; rows: number; fetched: number }[] }).stores[0]!;
    expect(s.status).toBe('dry-run');
    expect(s.rows).toBeGreaterThan(700);
    expect(s.rows).toBeLessThanOrEqual(720);
    expect(await readdir(empty)).toEqual([]);
  });

  it('prints human text on stdout and keeps logs on stderr as JSON lines', async () => {
    const d = await tempDir();
    const r = await runBinary(['build', '--symbol', 'XRP/USDT', '--timeframes', '4h', '--days', '10', ...simArgs(sim.url, d)], { QML_LOG_LEVEL: 'info' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^written\s+XRP\/USDT 4h\s+\d+ rows/);
    const logs = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(logs.map((l) => l.msg)).toContain('store written');
  });
});
