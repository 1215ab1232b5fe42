import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/core/errors.js';
import { wilderAtr } from '../../src/indicators/wilder-atr.js';
import { writeStore } from '../helpers/write-store.js';
import { masterPath } from '../../src/store/store-path.js';
import { loadMaster, readMaster } from '../../src/store/store-read.js';
import { withStoreLock } from '../../src/store/store-lock.js';
import { tempDir } from '../helpers/cli.js';
import { fixture, readFreqtrade } from '../helpers/fixtures.js';

async function writeSlice(dir: string, symbol = 'BTC/USDT', timeframe = '1h') {
  const f = readFreqtrade(fixture('btcusdt-1h-2017.djienne.freqtrade.json'));
  const frame = { ...f, atr: wilderAtr(f.high, f.low, f.close, 14) };
  const path = masterPath(dir, 'binance', symbol, timeframe);
  await writeStore(path, frame, { symbol, timeframe });
  return { frame, path };
}

describe('master store files', () => {
  it('puts stores at <dataDir>/<venue>/<SYMBOL>/<tf>_master.parquet and refuses what could escape', () => {
    expect(masterPath('/d', 'binance', 'ETH/USDT', '4h')).toBe('/d/binance/ETH_USDT/4h_master.parquet');
    expect(masterPath('/d', 'binance', 'BTC/USDT:USDT', '1h')).toBe('/d/binance/BTC_USDT_USDT/1h_master.parquet');
    expect(() => masterPath('/d', 'binance', '../../etc/passwd', '1h')).toThrow('malformed symbol "../../etc/passwd"');
    expect(() => masterPath('/d', 'binance', 'ETH/USDT', '../x')).toThrow('unknown timeframe');
  });

  it('loads a date range from row-group statistics, with the exact bounds', async () => {
    const dir = await tempDir();
    const { frame } = await writeSlice(dir);
    const start = Date.parse('2017-09-06T10:00Z');
    const end = Date.parse('2017-09-07T02:00Z');
    const part = await loadMaster({ symbol: 'BTC/USDT', timeframe: '1h', dataDir: dir, start, end: new Date(end) });
    const expected = Array.from(frame.time).filter((t) => t >= start && t < end);
    expect(Array.from(part.time)).toEqual(expected);
    expect(part.time.length).toBe(16 - 6); // 16 hours minus the 6-hour maintenance gap
  });

  it('refuses a file whose metadata names another symbol or timeframe', async () => {
    const dir = await tempDir();
    const { path } = await writeSlice(dir);
    await expect(readMaster(path, { symbol: 'ETH/USDT', timeframe: '1h' })).rejects.toThrow('holds symbol BTC/USDT');
    await expect(readMaster(path, { symbol: 'BTC/USDT', timeframe: '4h' })).rejects.toThrow('timeframe 1h');
    await expect(readMaster(path, { exchange: 'kraken', symbol: 'BTC/USDT', timeframe: '1h' })).rejects.toThrow('exchange binance');
  });

  it('reports truncated, corrupt and foreign-schema files as StoreError naming the file', async () => {
    const dir = await tempDir();
    const { path } = await writeSlice(dir);
    const bytes = await readFile(path);
    await truncate(path, Math.floor(bytes.length / 2));
    await expect(readMaster(path, { symbol: 'BTC/USDT', timeframe: '1h' })).rejects.toThrow(StoreError);
    await writeFile(path, 'not parquet at all');
    await expect(readMaster(path, { symbol: 'BTC/USDT', timeframe: '1h' })).rejects.toThrow(/is not a readable Parquet file/);
    await writeFile(path, new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'a', data: [1, 2], type: 'DOUBLE' }] })));
    await expect(readMaster(path, { symbol: 'BTC/USDT', timeframe: '1h' })).rejects.toThrow('has another schema (missing column(s) time, Open');
  });

  it('lets one writer at a time hold a store, and clears a lock left by a dead process', async () => {
    const dir = await tempDir();
    const path = masterPath(dir, 'binance', 'BTC/USDT', '1h');
    const order: string[] = [];
    await withStoreLock(path, { waitMs: 0 }, async () => {
      order.push('outer');
      await expect(withStoreLock(path, { waitMs: 0 }, async () => order.push('inner'))).rejects.toThrow(/is being written by process \d+/);
    });
    expect(order).toEqual(['outer']);
    await mkdir(dirname(path), { recursive: true });
    // a pid that cannot exist on Linux (above pid_max's hard ceiling of 2^22)
    await writeFile(`${path}.lock`, JSON.stringify({ pid: 4_194_305, host: hostname(), startedAt: '2020-01-01T00:00:00Z' }));
    await withStoreLock(path, { waitMs: 0 }, async () => order.push('after stale'));
    expect(order).toEqual(['outer', 'after stale']);
  });
});
