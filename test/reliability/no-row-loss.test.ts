import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { masterPath } from '../../src/store/store-path.js';
import { loadMaster, readMaster } from '../../src/store/store-read.js';
import { OHLCV } from '../../src/datasets/ohlcv.js';
import { rowLoss } from '../../src/store/no-row-loss.js';
import { runCli, simArgs, tempDir } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { snapshot } from '../helpers/store-bytes.js';
import { writeStore } from '../helpers/write-store.js';

// Every command that writes, driven into each situation that used to lose or mix data. Each one must
// leave the data folder byte-for-byte as it was, unless --erase was given.
const NOW = '2017-11-25T10:30:00Z';
const SYMBOL = 'BTC/USDT';

let sim: RunningSim;
let full: string; // BTC/USDT 1h from listing to NOW: 2,387 rows
let half: string; // the same to 2017-10-01

const store = (dir: string) => masterPath(dir, 'binance', SYMBOL, '1h');
async function copyOf(dir: string): Promise<string> {
  const d = await tempDir();
  await cp(dir, d, { recursive: true });
  return d;
}

beforeAll(async () => {
  sim = await startSim({ port: 0, now: Date.parse(NOW), replay: { [SYMBOL]: fixture('btcusdt-1h-2017.djienne.freqtrade.json') }, symbols: ['ETH/USDT', 'BTC/USDT:USDT'] });
  full = await tempDir();
  half = await tempDir();
  for (const [dir, until] of [[full, []], [half, ['--until', '2017-10-01']]] as const) {
    const r = await runCli(['build', '--symbol', SYMBOL, '--timeframes', '1h', '--since', '2017-08-01', ...until, ...simArgs(sim.url, dir)]);
    expect(r.code, r.stderr).toBe(0);
  }
});
afterAll(async () => { await sim.close(); });

interface Refusal { name: string; seed: () => string; prepare?: (dir: string) => Promise<void>; args: string[]; code: number; message: RegExp }

const REFUSALS: Refusal[] = [
  {
    name: 'build over a store of another exchange (a file copied into the wrong venue folder)', seed: () => full,
    prepare: async (d) => {
      const { frame } = await readMaster(store(d), { symbol: SYMBOL, timeframe: '1h' });
      await writeStore(store(d), frame, { symbol: SYMBOL, timeframe: '1h', exchange: 'bybit', source: 'simulator' });
    },
    args: ['build', '--symbol', SYMBOL, '--timeframes', '1h', '--days', '5'],
    code: 4, message: /holds exchange bybit, not binance BTC\/USDT 1h; refusing to mix them$/,
  },
  {
    name: 'update from the simulator over a store of real candles', seed: () => half,
    prepare: async (d) => {
      const { frame } = await readMaster(store(d), { symbol: SYMBOL, timeframe: '1h' });
      await writeStore(store(d), frame, { symbol: SYMBOL, timeframe: '1h', source: 'exchange' });
    },
    args: ['update'], code: 4, message: /holds rows from the exchange, and this run fetches from the simulator; refusing to mix real and simulated data$/,
  },
  {
    name: 'build from the simulator over a store of real candles', seed: () => half,
    prepare: async (d) => {
      const { frame } = await readMaster(store(d), { symbol: SYMBOL, timeframe: '1h' });
      await writeStore(store(d), frame, { symbol: SYMBOL, timeframe: '1h', source: 'exchange' });
    },
    args: ['build', '--symbol', SYMBOL, '--timeframes', '1h', '--days', '5'], code: 4, message: /refusing to mix real and simulated data$/,
  },
  {
    name: 'update of a store another tool damaged (a missing Close would be filled in)', seed: () => half,
    prepare: async (d) => {
      const { frame } = await readMaster(store(d), { symbol: SYMBOL, timeframe: '1h' });
      frame.close[300] = NaN;
      await writeStore(store(d), frame, { symbol: SYMBOL, timeframe: '1h', source: 'simulator' });
    },
    args: ['update'], code: 4, message: /refusing to write .*1h_master\.parquet: the stored candle at 2017-08-29T16:00:00\.000Z would change \(Close NaN → [\d.]+\) \(pass --erase to replace the store\)$/,
  },
  {
    name: 'demo into a folder of real stores', seed: () => full,
    args: ['demo', '--days', '5'], code: 2, message: /^qml-data: --data-dir ".*" is not empty and was not made by the demo/,
  },
];

describe('no command loses, replaces or mixes stored rows unless --erase', () => {
  for (const c of REFUSALS) {
    it(`refuses: ${c.name}`, async () => {
      const dir = await copyOf(c.seed());
      await c.prepare?.(dir);
      const before = await snapshot(dir);
      const args = c.args[0] === 'demo' ? [...c.args, '--data-dir', dir] : [...c.args, ...simArgs(sim.url, dir)];
      const r = await runCli(args, { QML_LOG_LEVEL: 'silent' });
      expect(r.code, r.stderr).toBe(c.code);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(c.message);
      expect(await snapshot(dir)).toEqual(before);
    });
  }

  it('build with a range the store already covers leaves it alone and says so', async () => {
    const dir = await copyOf(full);
    const before = await snapshot(dir);
    const r = await runCli(['build', '--symbol', SYMBOL, '--timeframes', '1h', '--days', '5', '--json', ...simArgs(sim.url, dir)]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { stores: { status: string }[] }).stores[0]!.status).toBe('up-to-date');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('build over a shorter store extends it at both ends: every stored row kept, prepended and appended counted', async () => {
    const dir = await tempDir();
    const mid = await runCli(['build', '--symbol', SYMBOL, '--timeframes', '1h', '--since', '2017-09-01', '--until', '2017-10-01', ...simArgs(sim.url, dir)]);
    expect(mid.code, mid.stderr).toBe(0);
    const { frame: stored } = await readMaster(store(dir), { symbol: SYMBOL, timeframe: '1h' });
    const r = await runCli(['build', '--symbol', SYMBOL, '--timeframes', '1h', '--since', '2017-08-01', '--json', ...simArgs(sim.url, dir)]);
    expect(r.code, r.stderr).toBe(0);
    const out = (JSON.parse(r.stdout) as { stores: { status: string; prepended: number; appended: number; rows: number }[] }).stores[0]!;
    const reference = await loadMaster({ symbol: SYMBOL, timeframe: '1h', dataDir: full });
    const first = Array.from(reference.time).indexOf(stored.time[0]!);
    expect(out).toMatchObject({ status: 'written', prepended: first, appended: reference.time.length - first - stored.time.length, rows: reference.time.length });
    const now = await loadMaster({ symbol: SYMBOL, timeframe: '1h', dataDir: dir });
    expect(rowLoss(OHLCV, stored, now)).toBeUndefined();
    for (const k of ['time', 'open', 'high', 'low', 'close', 'volume', 'atr'] as const) expect(Array.from(now[k]), k).toEqual(Array.from(reference[k]));
    expect(r.stderr).toBe('');
  });

  it('build --erase replaces the store with the range asked for', async () => {
    const dir = await copyOf(full);
    const r = await runCli(['build', '--symbol', SYMBOL, '--timeframes', '1h', '--days', '5', '--erase', '--json', ...simArgs(sim.url, dir)]);
    expect(r.code, r.stderr).toBe(0);
    // 5 days back from 10:30: opens 2017-11-20T11:00 … 2017-11-25T09:00, the last closed candle
    expect((await loadMaster({ symbol: SYMBOL, timeframe: '1h', dataDir: dir })).time.length).toBe(5 * 24 - 1);
  });

  it('update of a market with no new candle (halted, delisted) does not rewrite the store and says so', async () => {
    const dir = await copyOf(full);
    const later = await startSim({ port: 0, now: Date.parse('2017-11-27T00:30:00Z'), replay: { [SYMBOL]: fixture('btcusdt-1h-2017.djienne.freqtrade.json') } });
    try {
      const before = await snapshot(dir);
      const r = await runCli(['update', '--json', ...simArgs(later.url, dir)]);
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { stores: { status: string }[] }).stores[0]!.status).toBe('no-new-candles');
      expect(await snapshot(dir)).toEqual(before);
      const v = await runCli(['validate', '--json', '--now', '2017-11-27T00:30:00Z', '--data-dir', dir]);
      const stale = (JSON.parse(v.stdout) as { stores: { findings: { code: string; message: string }[] }[] }).stores[0]!.findings.find((f) => f.code === 'STALE');
      expect(stale?.message).toMatch(/^last candle 2017-11-25T09:00:00.000Z is 38 1h candle\(s\) behind the clock/);
    } finally {
      await later.close();
    }
  });

  it('stores an earlier version wrote keep working where they are: the top-level layout, a footer naming ccxt\'s binanceusdm', async () => {
    const dir = await tempDir();
    const first = await startSim({ port: 0, now: Date.parse('2024-03-10T12:34:00Z'), seed: 4, symbols: ['ETH/USDT'] });
    const second = await startSim({ port: 0, now: Date.parse('2024-03-10T18:34:00Z'), seed: 4, symbols: ['ETH/USDT'] });
    try {
      for (const symbol of ['ETH/USDT:USDT', 'ETH/USDT']) {
        const b = await runCli(['build', '--symbol', symbol, '--timeframes', '1h', '--days', '3', ...simArgs(first.url, dir)]);
        expect(b.code, b.stderr).toBe(0);
      }
      // the perpetual's store as an earlier version left it: <dataDir>/ETH_USDT_USDT/, exchange binanceusdm
      const { rename, mkdir } = await import('node:fs/promises');
      const legacy = join(dir, 'ETH_USDT_USDT', '1h_master.parquet');
      await mkdir(join(dir, 'ETH_USDT_USDT'));
      await rename(masterPath(dir, 'binance', 'ETH/USDT:USDT', '1h'), legacy);
      const { frame } = await readMaster(legacy, { symbol: 'ETH/USDT:USDT', timeframe: '1h' });
      await writeStore(legacy, frame, { symbol: 'ETH/USDT:USDT', timeframe: '1h', exchange: 'binanceusdm', marketType: 'swap', source: 'simulator' });
      const u = await runCli(['update', '--json', ...simArgs(second.url, dir)]);
      expect(u.code, u.stderr).toBe(0);
      const stores = (JSON.parse(u.stdout) as { stores: { exchange: string; symbol: string; status: string; fetched: number; path: string }[] }).stores;
      expect(stores.map((x) => [x.exchange, x.symbol, x.status, x.fetched, x.path])).toEqual([
        ['binance', 'ETH/USDT', 'written', 6, masterPath(dir, 'binance', 'ETH/USDT', '1h')], ['binance', 'ETH/USDT:USDT', 'written', 6, legacy],
      ]);
      const perp = await readMaster(legacy, { symbol: 'ETH/USDT:USDT', timeframe: '1h' });
      expect(perp.meta).toMatchObject({ exchange: 'binance', marketType: 'swap' });
      expect(perp.frame.time.length).toBe(frame.time.length + 6);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('stores record their source: simulator for a loopback --api-url', async () => {
    const { meta } = await readMaster(store(full), { symbol: SYMBOL, timeframe: '1h' });
    expect(meta).toMatchObject({ source: 'simulator', exchange: 'binance', marketType: 'spot' });
  });

  it('a month store is written as 1Mo (never one file with 1m on a case-insensitive disk) and a legacy 1M store is still read and extended', async () => {
    const dir = await tempDir();
    const r = await runCli(['build', '--symbol', SYMBOL, '--timeframes', '1M', '1h', '--since', '2017-08-01', ...simArgs(sim.url, dir)]);
    expect(r.code, r.stderr).toBe(0);
    const names = (await snapshot(dir)).keys();
    expect([...names].map((p) => p.slice(dir.length)).sort()).toEqual(['/binance/BTC_USDT/1Mo_master.parquet', '/binance/BTC_USDT/1h_master.parquet']);
    const legacy = await tempDir();
    const b = await runCli(['build', '--symbol', SYMBOL, '--timeframes', '1M', '--since', '2017-08-01', '--until', '2017-10-01', ...simArgs(sim.url, legacy)]);
    expect(b.code, b.stderr).toBe(0);
    const bytes = await readFile(join(legacy, 'binance', 'BTC_USDT', '1Mo_master.parquet'));
    const { unlink } = await import('node:fs/promises');
    await unlink(join(legacy, 'binance', 'BTC_USDT', '1Mo_master.parquet'));
    await writeFile(join(legacy, 'binance', 'BTC_USDT', '1M_master.parquet'), bytes);
    const u = await runCli(['update', '--json', ...simArgs(sim.url, legacy)]);
    expect(u.code, u.stderr).toBe(0);
    const out = (JSON.parse(u.stdout) as { stores: { timeframe: string; status: string; rows: number; path: string }[] }).stores[0]!;
    expect(out).toMatchObject({ timeframe: '1M', status: 'written', rows: 3 }); // Aug, Sep, Oct: November is still open
    expect(out.path.endsWith('1M_master.parquet')).toBe(true);
  });
});
