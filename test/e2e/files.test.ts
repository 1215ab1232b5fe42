import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OHLCV } from '../../src/datasets/ohlcv.js';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { masterPath } from '../../src/store/store-path.js';
import { readStoreColumns } from '../../src/store/store-read.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { PYTHON, python } from '../helpers/python.js';

const NOW = Date.parse('2025-03-10T12:34:00Z');
let sim: RunningSim;
let built: string;
beforeAll(async () => {
  sim = await startSim({ port: 0, now: NOW, seed: 12, symbols: ['ETH/USDT', 'BTC/USDT'] });
  built = await tempDir();
  for (const args of [['--symbol', 'ETH/USDT', '--timeframes', '1h', '--days', '80'], ['--symbol', 'BTC/USDT:USDT', '--timeframes', '4h', '--days', '90']]) {
    const r = await runCli(['build', ...args, '--api-url', sim.url, '--data-dir', built]);
    expect(r.code, r.stderr).toBe(0);
  }
});
afterAll(async () => { await sim.close(); });

/** A store's columns, ATR included, as arrays. */
async function columns(dir: string, symbol: string, tf: string): Promise<Record<string, number[]>> {
  const { columns: c } = await readStoreColumns(OHLCV, masterPath(dir, 'binance', symbol, tf));
  expect(c['time']!.length).toBeGreaterThan(30);
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Array.from(v!)]));
}

describe('files in and out: export, import', () => {
  for (const [format, extra] of [['csv', ['--time-format', 'iso']], ['csv', ['--time-format', 'ms']], ['freqtrade', []]] as const) {
    it(`export (${format} ${extra.join(' ')}) → import gives identical stores`, async () => {
      const out = join(await tempDir(), 'export');
      const e = await runCli(['export', '--format', format, ...extra, '--out', out, '--data-dir', built, '--json']);
      expect(e.code, e.stderr).toBe(0);
      const files = (JSON.parse(e.stdout).files as { path: string; rows: number }[]);
      expect(files).toHaveLength(2);
      const back = await tempDir();
      const dirs = format === 'freqtrade' ? [join(out, 'binance'), join(out, 'binance', 'futures')] : [join(out, 'binance')];
      const i = await runCli(['import', ...dirs, '--data-dir', back, '--json']);
      expect(i.code, i.stderr).toBe(0);
      expect(await columns(back, 'ETH/USDT', '1h')).toEqual(await columns(built, 'ETH/USDT', '1h'));
      expect(await columns(back, 'BTC/USDT:USDT', '4h')).toEqual(await columns(built, 'BTC/USDT:USDT', '4h'));
    });
  }

  it('one combined CSV on stdout, with symbol and timeframe columns and a range', async () => {
    const r = await runCli(['export', '--out', '-', '--since', '2025-03-01', '--until', '2025-03-02', '--data-dir', built]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('exchange,symbol,timeframe,time,open,high,low,close,volume,atr');
    expect(lines.filter((l) => l.startsWith('binance,ETH/USDT,1h,2025-03-01T'))).toHaveLength(24);
    expect(lines.filter((l) => l.startsWith('binance,BTC/USDT:USDT,4h,2025-03-01T'))).toHaveLength(6);
  });

  it('a Binance archive CSV with microsecond times (spot since 2025) equals the candles the exchange serves', async () => {
    const dir = await tempDir();
    const page = await (await fetch(`${sim.url}/api/v3/klines?symbol=ETHUSDT&interval=1h&startTime=${Date.parse('2025-02-01T00:00Z')}&limit=672`)).json() as (string | number)[][];
    const csv = page.map((k) => [Number(k[0]) * 1000, k[1], k[2], k[3], k[4], k[5], Number(k[6]) * 1000 + 999, k[7], k[8], k[9], k[10], 0].join(',')).join('\n');
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'in', 'ETHUSDT-1h-2025-02.csv'), csv);
    const r = await runCli(['import', join(dir, 'in', 'ETHUSDT-1h-2025-02.csv'), '--data-dir', join(dir, 'data'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).files[0]).toMatch(/csv-klines, times as epoch-us; 672 candles 2025-02-01T00:00:00(\.000)?Z/);
    const mine = await columns(join(dir, 'data'), 'ETH/USDT', '1h');
    const theirs = await columns(built, 'ETH/USDT', '1h');
    const at = theirs['time']!.indexOf(Date.parse('2025-02-01T00:00Z'));
    expect(mine['close']).toEqual(theirs['close']!.slice(at, at + 672));
    expect(mine['time']).toEqual(theirs['time']!.slice(at, at + 672));
  });

  it('the dirty CSV: newest first, conflicting repeated candles reported, the later line kept', async () => {
    const dir = await tempDir();
    const r = await runCli(['import', fixture('cdd-btcusdt-1h-2020-11.dirty.csv'), '--symbol', 'BTC/USDT', '--timeframe', '1h', '--data-dir', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const note = JSON.parse(r.stdout).files[0] as string;
    expect(note).toMatch(/csv-header, times as epoch-ms and epoch-s, newest first; \d+ candles .*; (\d+) repeated time\(s\), \1 with other values/);
    const c = await columns(dir, 'BTC/USDT', '1h');
    for (let i = 1; i < c['time']!.length; i++) expect(c['time']![i]).toBeGreaterThan(c['time']![i - 1]!);
  });

  it('a file that disagrees with a stored candle is refused (exit 4), then taken with --erase; a bad line is refused with its file and line, nothing written', async () => {
    const dir = await tempDir();
    const out = join(dir, 'x');
    expect((await runCli(['export', '--symbol', 'ETH/USDT', '--out', out, '--data-dir', built])).code).toBe(0);
    const file = join(out, 'binance', 'ETH_USDT-1h.csv');
    const lines = (await readFile(file, 'utf8')).split('\n');
    const cells = lines[10]!.split(',');
    cells[4] = String(Number(cells[4]) * 1.01);
    lines[10] = cells.join(',');
    const changed = join(dir, 'ETH_USDT-1h.csv');
    await writeFile(changed, lines.join('\n'));
    const data = join(dir, 'data');
    expect((await runCli(['import', file, '--data-dir', data])).code).toBe(0);
    const refused = await runCli(['import', changed, '--data-dir', data]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/ETH_USDT-1h\.csv: 1 candle\(s\) differ from those stored in .* \(first at .*: stored close .*, file close .*\); pass --erase/);
    expect((await runCli(['import', changed, '--erase', '--data-dir', data])).code).toBe(0);
    expect((await columns(data, 'ETH/USDT', '1h'))['close']![9]).toBe(Number(cells[4]));

    lines[20] = '2025-02-01T00:00:00.000Z,abc,1,1,1,1,';
    const bad = join(dir, 'bad', 'SOL_USDT-1h.csv');
    await mkdir(join(dir, 'bad'));
    await writeFile(bad, lines.join('\n'));
    const r = await runCli(['import', bad, '--data-dir', join(dir, 'none')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SOL_USDT-1h\.csv line 21: cannot read/);
    expect(await stat(join(dir, 'none')).then(() => 'written', () => 'nothing')).toBe('nothing');
  });

  it('naive times in another zone with --timezone; a name that says nothing needs --symbol and --timeframe', async () => {
    const dir = await tempDir();
    const file = join(dir, 'mine.csv');
    await writeFile(file, 'date;open;high;low;close;volume\n2024-01-01 02:00:00;10;11;9;10.5;100\n2024-01-01 03:00:00;10.5;12;10;11;50\n');
    const nameless = await runCli(['import', file, '--data-dir', join(dir, 'd')]);
    expect(nameless.code).toBe(2);
    expect(nameless.stderr).toContain('mine.csv: the name does not say its symbol');
    const r = await runCli(['import', file, '--symbol', 'ETH/USDT', '--timeframe', '1h', '--timezone', '+02:00', '--data-dir', join(dir, 'd')]);
    expect(r.code, r.stderr).toBe(0);
    const { columns: c } = await readStoreColumns(OHLCV, masterPath(join(dir, 'd'), 'binance', 'ETH/USDT', '1h'));
    expect(Array.from(c['time']!)).toEqual([Date.parse('2024-01-01T00:00Z'), Date.parse('2024-01-01T01:00Z')]);
  });

  it('a Binance archive zip is imported and checked against its .CHECKSUM; a zip that does not match is refused, nothing written', async () => {
    const dir = await tempDir();
    const path = 'spot/monthly/klines/ETHUSDT/1h/ETHUSDT-1h-2025-01.zip';
    const zip = new Uint8Array(await (await fetch(`${sim.url}/data/${path}`)).arrayBuffer());
    const sum = await (await fetch(`${sim.url}/data/${path}.CHECKSUM`)).text();
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'in', 'ETHUSDT-1h-2025-01.zip'), zip);
    await writeFile(join(dir, 'in', 'ETHUSDT-1h-2025-01.zip.CHECKSUM'), sum);
    const r = await runCli(['import', join(dir, 'in'), '--data-dir', join(dir, 'data'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).files[0]).toMatch(/csv-klines \(checksum verified\), times as epoch-us; 744 candles/);
    const mine = await columns(join(dir, 'data'), 'ETH/USDT', '1h');
    const theirs = await columns(built, 'ETH/USDT', '1h');
    const at = theirs['time']!.indexOf(Date.parse('2025-01-01T00:00Z'));
    expect(at).toBeGreaterThan(-1);
    expect(mine['close']).toEqual(theirs['close']!.slice(at, at + 744));
    const damaged = zip.slice();
    const at2 = damaged.length - 30;
    damaged[at2] = damaged[at2]! ^ 0xff;
    await writeFile(join(dir, 'in', 'ETHUSDT-1h-2025-01.zip'), damaged);
    const bad = await runCli(['import', join(dir, 'in'), '--data-dir', join(dir, 'other')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/ETHUSDT-1h-2025-01\.zip does not match .*\.CHECKSUM/);
    expect(await stat(join(dir, 'other')).then(() => 'written', () => 'nothing')).toBe('nothing');
  });

  it.skipIf(!PYTHON)('a freqtrade feather folder (LZ4, as freqtrade writes it with pandas) imports to the same stores', async () => {
    const dir = await tempDir();
    const out = join(dir, 'ft');
    expect((await runCli(['export', '--format', 'freqtrade', '--out', out, '--data-dir', built])).code).toBe(0);
    const feathers = join(dir, 'feather');
    await mkdir(feathers);
    await python('write-feather.py', [join(out, 'binance', 'ETH_USDT-1h.json'), join(feathers, 'ETH_USDT-1h.feather')]);
    await python('write-feather.py', [join(out, 'binance', 'futures', 'BTC_USDT_USDT-4h-futures.json'), join(feathers, 'BTC_USDT_USDT-4h-futures.feather')]);
    const r = await runCli(['import', feathers, '--data-dir', join(dir, 'data'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).files[0]).toMatch(/freqtrade-feather/);
    expect(await columns(join(dir, 'data'), 'ETH/USDT', '1h')).toEqual(await columns(built, 'ETH/USDT', '1h'));
    expect(await columns(join(dir, 'data'), 'BTC/USDT:USDT', '4h')).toEqual(await columns(built, 'BTC/USDT:USDT', '4h'));
  });
});
