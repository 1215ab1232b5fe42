import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { masterPath } from '../../src/store/store-path.js';
import { readStoreColumns } from '../../src/store/store-read.js';
import { OHLCV } from '../../src/datasets/ohlcv.js';
import { runCli, tempDir } from '../helpers/cli.js';

const NOW = Date.parse('2025-03-10T12:34:00Z');

let sim: RunningSim;
beforeAll(async () => { sim = await startSim({ port: 0, now: NOW, seed: 21, symbols: ['ETH/USDT', 'BTC/USDT'] }); });
afterAll(async () => { await sim.close(); });

/** Every column of a store, as bytes: the same store bit for bit (the footer's write time aside). */
async function storeBytes(dir: string, symbol: string, tf: string): Promise<Buffer> {
  const { columns } = await readStoreColumns(OHLCV, masterPath(dir, 'binance', symbol, tf));
  expect(columns['time']!.length).toBeGreaterThan(0);
  return Buffer.concat(OHLCV.columns.map((c) => Buffer.from(columns[c.key]!.buffer)));
}

const build = (dir: string, args: string[], s: RunningSim = sim) => runCli(['build', ...args, '--api-url', s.url, '--data-dir', dir, '--json']);
const klines = (s: RunningSim) => (s.requests.get('/api/v3/klines') ?? 0) + (s.requests.get('/fapi/v1/klines') ?? 0);
const archives = (s: RunningSim) => [...s.requests.entries()].filter(([p]) => p.startsWith('/data/') && p.endsWith('.zip')).reduce((n, [, c]) => n + c, 0);

describe('Binance archives as the fast path for long history (--archives)', () => {
  it('a 2-year 1m build from the archives is the store a REST-only build writes, bit for bit, with 1/40 of the kline requests', async () => {
    const [viaArchives, viaRest] = [await tempDir(), await tempDir()];
    const k0 = klines(sim);
    const a = await build(viaArchives, ['--symbol', 'ETH/USDT', '--timeframes', '1m', '--since', '2023-03-01', '--archives', 'auto']);
    expect(a.code, a.stderr).toBe(0);
    const kArchive = klines(sim) - k0;
    expect(archives(sim)).toBe(24 + 9); // 24 months, then the 9 whole days of March
    const k1 = klines(sim);
    const r = await build(viaRest, ['--symbol', 'ETH/USDT', '--timeframes', '1m', '--since', '2023-03-01', '--archives', 'off']);
    expect(r.code, r.stderr).toBe(0);
    const kRest = klines(sim) - k1;
    expect(JSON.parse(a.stdout).stores[0].rows).toBeGreaterThan(1_040_000);
    expect((await storeBytes(viaArchives, 'ETH/USDT', '1m')).equals(await storeBytes(viaRest, 'ETH/USDT', '1m'))).toBe(true);
    expect(kRest).toBeGreaterThan(1000);
    expect(kArchive).toBeLessThan(kRest / 40); // the current day, and confirming the end
  });

  it('stores built one after another from cached archives reuse the same memory, and each is still the store REST writes, bit for bit', async () => {
    // a month of 1m candles and a store's columns are MBs: their buffers are lent by the process's pool,
    // given back once a month is copied or a store written, and lent again to the next month and store
    const symbols = ['ETH/USDT', 'BTC/USDT'];
    const args = ['--symbol', symbols.join(','), '--timeframes', '1m', '--since', '2024-11-01'];
    const [rest, viaArchives] = [await tempDir(), await tempDir()];
    expect((await build(rest, [...args, '--archives', 'off'])).code).toBe(0);
    const want = await Promise.all(symbols.map((s) => storeBytes(rest, s, '1m')));
    const first = await build(viaArchives, [...args, '--archives', 'auto']);
    expect(first.code, first.stderr).toBe(0);
    const oneByOne = join(viaArchives, 'one-by-one.yaml');
    await writeFile(oneByOne, 'concurrency: 1\n');
    for (const extra of [[], ['--config', oneByOne]]) {
      const fetched = archives(sim);
      const again = await build(viaArchives, [...args, '--archives', 'only', '--erase', ...extra]);
      expect(again.code, again.stderr).toBe(0);
      expect(archives(sim)).toBe(fetched); // all from the cache
      for (const [i, s] of symbols.entries()) expect((await storeBytes(viaArchives, s, '1m')).equals(want[i]!), `${s} ${extra.join(' ')}`).toBe(true);
    }
  });

  it('archives are cached under the data folder; a corrupt zip and a checksum mismatch are fetched again; when they stay bad, never stored: the REST API serves the span (auto) or the store fails (only)', async () => {
    const names = { corrupt: ['BTCUSDT-1h-2024-11.zip'], badChecksum: ['BTCUSDT-1h-2024-12.zip'] };
    const reference = await tempDir();
    expect((await build(reference, ['--symbol', 'BTC/USDT', '--timeframes', '1h', '--since', '2024-10-01', '--archives', 'off'])).code).toBe(0);
    const want = await storeBytes(reference, 'BTC/USDT', '1h');
    // archives kept under the data folder are read from there: a second build downloads none
    const cached = await tempDir();
    expect((await build(cached, ['--symbol', 'BTC/USDT', '--timeframes', '1h', '--since', '2024-10-01', '--archives', 'auto'])).code).toBe(0);
    const before = archives(sim);
    expect((await build(cached, ['--symbol', 'BTC/USDT', '--timeframes', '1h', '--since', '2024-10-01', '--archives', 'auto', '--erase'])).code).toBe(0);
    expect(archives(sim)).toBe(before);
    expect((await storeBytes(cached, 'BTC/USDT', '1h')).equals(want)).toBe(true);
    for (const times of [1, 99]) {
      const s = await startSim({ port: 0, now: NOW, seed: 21, symbols: ['BTC/USDT'], dialectOptions: { binance: { archiveFaults: { ...names, times } } } });
      try {
        const dir = await tempDir();
        const auto = await build(dir, ['--symbol', 'BTC/USDT', '--timeframes', '1h', '--since', '2024-10-01', '--archives', 'auto'], s);
        expect(auto.code, auto.stderr).toBe(0);
        expect((await storeBytes(dir, 'BTC/USDT', '1h')).equals(want), `faults served ${times} time(s)`).toBe(true);
        const only = await tempDir();
        const strict = await build(only, ['--symbol', 'BTC/USDT', '--timeframes', '1h', '--since', '2024-10-01', '--archives', 'only'], s);
        if (times === 1) {
          expect(strict.code, strict.stderr).toBe(0);
        } else {
          expect(strict.code).toBe(3);
          expect(strict.stderr).toMatch(/archive spot\/monthly\/klines\/BTCUSDT\/1h\/BTCUSDT-1h-2024-1[12]\.zip (cannot be read|does not match its checksum)/);
          await expect(readFile(masterPath(only, 'binance', 'BTC/USDT', '1h'))).rejects.toThrow();
        }
      } finally {
        await s.close();
      }
    }
  });
});
