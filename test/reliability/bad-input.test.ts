import { execFileSync } from 'node:child_process';
import { copyFile, cp, mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { masterPath } from '../../src/store/store-path.js';
import { readMaster } from '../../src/store/store-read.js';
import { writeStore } from '../helpers/write-store.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { masters, snapshot } from '../helpers/store-bytes.js';

const NOW = Date.parse('2017-11-25T10:30:00Z');

let sim: RunningSim;
let seeded: string;

/** A data folder holding one good BTC/USDT 1h store (the real 2017 slice). */
async function dataDir(): Promise<string> {
  const d = await tempDir();
  await cp(seeded, d, { recursive: true });
  return d;
}

function canMount(): boolean {
  try {
    const d = execFileSync('mktemp', ['-d']).toString().trim();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', d], { stdio: 'ignore' });
    execFileSync('umount', [d]);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  sim = await startSim({ port: 0, now: NOW, replay: { 'BTC/USDT': fixture('btcusdt-1h-2017.djienne.freqtrade.json') }, symbols: ['ETH/USDT'] });
  seeded = await tempDir();
  const r = await runCli(['build', '--symbol', 'BTC/USDT', '--timeframes', '1h', '--since', '2017-08-01', '--until', '2017-10-01', '--api-url', sim.url, '--data-dir', seeded]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => { await sim.close(); });

interface Case {
  name: string;
  /** Arguments; DIR is replaced by the case's data folder, URL by the simulator's. */
  args: string[];
  prepare?: (dir: string) => Promise<void>;
  code: number;
  message: RegExp;
}

const store = (dir: string) => masterPath(dir, 'binance', 'BTC/USDT', '1h');
const build = (...extra: string[]) => ['build', '--api-url', 'URL', '--data-dir', 'DIR', ...extra];
const update = (...extra: string[]) => ['update', '--api-url', 'URL', '--data-dir', 'DIR', ...extra];

const CASES: Case[] = [
  { name: 'malformed symbol', args: build('--symbol', 'ETH-USDT'), code: 2, message: /^qml-data: malformed symbol "ETH-USDT" \(expected BASE\/QUOTE like ETH\/USDT/ },
  { name: 'symbol unknown to the exchange', args: build('--symbol', 'NOPE/USDT', '--timeframes', '1h'), code: 2, message: /^qml-data: symbol "NOPE\/USDT" is not listed on binance$/ },
  { name: 'unknown timeframe', args: build('--symbol', 'BTC/USDT', '--timeframes', '7h'), code: 2, message: /^qml-data: unknown timeframe "7h" \(expected one of 1m 3m 5m/ },
  { name: '--since after --until', args: build('--symbol', 'BTC/USDT', '--since', '2017-10-01', '--until', '2017-09-01'), code: 2, message: /^qml-data: --since 2017-10-01T00:00:00.000Z is not before --until 2017-09-01T00:00:00.000Z$/ },
  { name: '--until in the future', args: build('--symbol', 'BTC/USDT', '--timeframes', '1h', '--since', '2017-09-01', '--until', '2099-01-01'), code: 2, message: /^qml-data: --until 2099-01-01T00:00:00.000Z is in the future \(exchange time is 2017-11-25T10:30:00.000Z\)$/ },
  { name: '--since in the future', args: build('--symbol', 'BTC/USDT', '--timeframes', '1h', '--since', '2030-01-01'), code: 2, message: /^qml-data: --since 2030-01-01T00:00:00.000Z is in the future/ },
  { name: '--years 0', args: build('--symbol', 'BTC/USDT', '--years', '0'), code: 2, message: /^qml-data: --years "0" must be a number greater than 0$/ },
  { name: '--years negative', args: build('--symbol', 'BTC/USDT', '--years=-2'), code: 2, message: /^qml-data: --years "-2" must be a number greater than 0$/ },
  { name: 'symbol that would escape the data folder', args: build('--symbol', '../../etc/passwd'), code: 2, message: /^qml-data: malformed symbol "..\/..\/etc\/passwd"/ },
  { name: '--api-url over plain http to a non-loopback host', args: ['build', '--symbol', 'BTC/USDT', '--api-url', 'http://192.0.2.1:80', '--data-dir', 'DIR'], code: 2, message: /^qml-data: --api-url "http:\/\/192.0.2.1:80" is not allowed/ },
  {
    name: 'truncated Parquet store', args: update(), code: 4, message: /^qml-data: .*1h_master\.parquet is (corrupt or truncated|not a readable Parquet file)/,
    prepare: async (d) => { await truncate(store(d), 2000); },
  },
  {
    name: 'corrupt Parquet store', args: update(), code: 4, message: /^qml-data: .*1h_master\.parquet is not a readable Parquet file/,
    prepare: async (d) => { await writeFile(store(d), Buffer.from('PAR1 this is not really parquet PAR1')); },
  },
  {
    name: 'Parquet file with another schema', args: update(), code: 4, message: /^qml-data: .*1h_master\.parquet has another schema \(missing column\(s\) time, Open/,
    prepare: async (d) => { await writeFile(store(d), new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'price', data: [1, 2], type: 'DOUBLE' }] }))); },
  },
  {
    name: 'store whose metadata names another symbol', args: update('--symbol', 'ETH/USDT'), code: 4, message: /^qml-data: .*ETH_USDT\/1h_master\.parquet holds symbol BTC\/USDT, not binance ETH\/USDT 1h; refusing to mix them$/,
    prepare: async (d) => { await mkdir(join(d, 'binance', 'ETH_USDT')); await copyFile(store(d), join(d, 'binance', 'ETH_USDT', '1h_master.parquet')); },
  },
  {
    name: 'store whose metadata names another timeframe', args: update('--timeframes', '4h'), code: 4, message: /holds timeframe 1h, not binance BTC\/USDT 4h/,
    prepare: async (d) => { await copyFile(store(d), join(d, 'binance', 'BTC_USDT', '4h_master.parquet')); },
  },
  { name: 'update of a symbol that has no store', args: update('--symbol', 'ETH/USDT'), code: 2, message: /^qml-data: 1 of 1 store\(s\) failed: no store for ETH\/USDT in .* \(run build first\)$/ },
  { name: 'update of a timeframe that has no store', args: update('--symbol', 'BTC/USDT', '--timeframes', '4h'), code: 2, message: /^qml-data: 1 of 1 store\(s\) failed: no 4h store for BTC\/USDT in .* \(run build first\)$/ },
  {
    name: 'store whose metadata names another exchange (a file copied into the wrong venue folder)', args: update(), code: 4, message: /holds exchange bybit, not binance BTC\/USDT 1h; refusing to mix them$/,
    prepare: async (d) => {
      const { frame } = await readMaster(store(d), { symbol: 'BTC/USDT', timeframe: '1h' });
      await writeStore(store(d), frame, { symbol: 'BTC/USDT', timeframe: '1h', exchange: 'bybit', source: 'simulator' });
    },
  },
  { name: 'an exchange without a profile', args: update('--exchange', 'kraken'), code: 2, message: /^qml-data: unknown exchange "kraken" \(expected one of binance/ },
  {
    name: 'bad YAML config', args: update('--config', 'DIR/cfg.yaml'), code: 2, message: /^qml-data: config .*cfg\.yaml is not valid YAML/,
    prepare: async (d) => { await writeFile(join(d, 'cfg.yaml'), 'symbols: [ETH/USDT\n'); },
  },
  {
    name: 'config with an unknown key', args: update('--config', 'DIR/cfg.yaml'), code: 2, message: /^qml-data: invalid config .*cfg\.yaml: \(root\): unknown key\(s\) atr_perid$/,
    prepare: async (d) => { await writeFile(join(d, 'cfg.yaml'), 'atr_perid: 10\n'); },
  },
  {
    name: 'config with a wrong type', args: update('--config', 'DIR/cfg.yaml'), code: 2, message: /^qml-data: invalid config .*cfg\.yaml: retry\.attempts: Invalid input: expected number, received string$/,
    prepare: async (d) => { await writeFile(join(d, 'cfg.yaml'), 'retry:\n  attempts: many\n'); },
  },
  { name: 'an impossible calendar date', args: build('--symbol', 'BTC/USDT', '--since', '2026-02-30'), code: 2, message: /^qml-data: --since "2026-02-30" is not a real calendar date or time$/ },
  { name: 'an epoch of ambiguous length', args: build('--symbol', 'BTC/USDT', '--since', '15000000000'), code: 2, message: /^qml-data: --since "15000000000" is an epoch of 11 digits, which is ambiguous \(expected YYYY-MM-DD/ },
  { name: 'a date before 1970', args: build('--symbol', 'BTC/USDT', '--since', '1969-07-20'), code: 2, message: /^qml-data: --since "1969-07-20" is before 1970/ },
  { name: 'a range reaching before 1970 (--years 1000)', args: build('--symbol', 'BTC/USDT', '--timeframes', '1h', '--years', '1000'), code: 2, message: /^qml-data: --years 1000 reaches back before 1970 \(expected a start after 1970-01-01/ },
  { name: 'an empty --symbol', args: build('--symbol', ''), code: 2, message: /^qml-data: --symbol "" is empty or has an empty item \(expected symbols like ETH\/USDT/ },
  { name: 'an empty item in --symbol', args: update('--symbol', 'BTC/USDT,'), code: 2, message: /^qml-data: --symbol "BTC\/USDT," is empty or has an empty item/ },
  { name: 'an unknown --log-level', args: ['--log-level', 'loud', ...update()], code: 2, message: /^qml-data: --log-level "loud" is not a level \(expected one of fatal error warn info debug trace silent\)$/ },
  { name: '--stale-after that is not a whole number', args: ['validate', '--data-dir', 'DIR', '--stale-after', '1.5'], code: 2, message: /^qml-data: --stale-after "1.5" must be a whole number of 0 or more$/ },
  { name: 'sim on a port already in use', args: ['sim', '--port', 'PORT'], code: 2, message: /^qml-data: --port \d+ is already in use on 127\.0\.0\.1 \(expected a free port, or --port 0 for any\)$/ },
  {
    name: 'unwritable data folder (a file stands where a folder should be)', args: build('--symbol', 'ETH/USDT', '--timeframes', '4h', '--days', '5'), code: 4,
    message: /^qml-data: 1 of 1 store\(s\) failed: cannot write .*ETH_USDT.*: a file stands where a folder is needed; the previous version is unchanged$/,
    prepare: async (d) => { await writeFile(join(d, 'binance', 'ETH_USDT'), 'a file, not a folder'); },
  },
];

describe('bad input: one-line message, documented exit code, every store unchanged', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const dir = await dataDir();
      await c.prepare?.(dir);
      const before = masters(await snapshot(dir));
      const r = await runCli(c.args.map((a) => a.replace('DIR', dir).replace('URL', sim.url).replace('PORT', String(sim.port))), { QML_LOG_LEVEL: 'silent' });
      expect(r.code).toBe(c.code);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(c.message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(masters(await snapshot(dir))).toEqual(before);
    });
  }

  it.skipIf(!canMount())('full disk (ENOSPC) during a write: exit 4, the old store intact, no temp file left', async () => {
    const mnt = await tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    try {
      await cp(seeded, mnt, { recursive: true });
      const before = await readFile(store(mnt));
      // Fill the disk so the update's new version (the old one plus two months) cannot be written.
      execFileSync('sh', ['-c', `dd if=/dev/zero of=${mnt}/filler bs=4k 2>/dev/null || true`]);
      const r = await runCli(['update', '--api-url', sim.url, '--data-dir', mnt], { QML_LOG_LEVEL: 'silent' });
      expect(r.code).toBe(4);
      expect(r.stderr.trim()).toMatch(/^qml-data: 1 of 1 store\(s\) failed: cannot write .*1h_master(\.partial)?\.parquet: the disk is full; the previous version is unchanged$/);
      expect((await readFile(store(mnt))).equals(before)).toBe(true);
      const left = execFileSync('ls', ['-a', join(mnt, 'binance', 'BTC_USDT')]).toString().split('\n').filter((n) => n.endsWith('.tmp') || n.endsWith('.lock'));
      expect(left).toEqual([]);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it.skipIf(!canMount())('read-only data folder (EROFS): exit 4 and the store intact', async () => {
    const mnt = await tempDir();
    await cp(seeded, mnt, { recursive: true });
    const before = await readFile(store(mnt));
    execFileSync('mount', ['--bind', '-o', 'ro', mnt, mnt]);
    try {
      const r = await runCli(['update', '--api-url', sim.url, '--data-dir', mnt], { QML_LOG_LEVEL: 'silent' });
      expect(r.code).toBe(4);
      expect(r.stderr.trim()).toMatch(/^qml-data: 1 of 1 store\(s\) failed: cannot write .*: the file system is read-only; the previous version is unchanged$/);
      expect((await readFile(store(mnt))).equals(before)).toBe(true);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});
