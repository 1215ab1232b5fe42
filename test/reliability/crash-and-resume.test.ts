import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cp, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateStores } from '../../src/pipeline/store-reports.js';
import { makeRng } from '../../src/sim/rng.js';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { partialPath, masterPath } from '../../src/store/store-path.js';
import { readMaster } from '../../src/store/store-read.js';
import { runBinary, runCli, tempDir } from '../helpers/cli.js';
import { ROOT } from '../helpers/fixtures.js';

const NOW = Date.parse('2024-03-10T12:34:00Z');
const SYMBOL = 'ETH/USDT';
const TF = '5m';
const SINCE = '2024-01-20T00:00:00Z'; // ~50 days of 5m: 15 pages
const SPLIT = '2024-02-20T00:00:00Z';
const KEYS = ['time', 'open', 'high', 'low', 'close', 'volume', 'atr'] as const;

let sim: RunningSim;
let config: string;
let after: Record<string, Buffer>;
let afterRows: number;
let afterFrame: Frame;
let splitDir: string;
let splitBytes: Buffer;

type Frame = Awaited<ReturnType<typeof readMaster>>['frame'];
const colBytes = (f: Frame, rows = f.time.length) => Object.fromEntries(KEYS.map((k) => [k, Buffer.from(f[k].buffer, f[k].byteOffset, rows * 8)]));
/** Every column equal bit for bit (Buffer.equals: a deep toEqual over 100k bytes costs a second per case). */
function expectSameColumns(f: Frame, expected: Record<string, Buffer>) {
  const got = colBytes(f);
  for (const k of KEYS) expect(got[k]!.equals(expected[k]!), `column ${k}`).toBe(true);
}

function args(job: 'build' | 'update', dir: string): string[] {
  const head = job === 'build' ? ['build', '--symbol', SYMBOL, '--timeframes', TF, '--since', SINCE] : ['update'];
  return [...head, '--config', config, '--api-url', sim.url, '--data-dir', dir];
}

function spawnCli(a: string[]) {
  return spawn(process.execPath, [join(ROOT, 'bin', 'qml-data.js'), ...a], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, QML_LOG_LEVEL: 'warn', QML_ARCHIVES: 'off' } });
}

/** The store is absent or exactly the version before/after; a checkpoint holds candles exactly as "after" has them. */
async function expectConsistent(dir: string, before: Buffer | undefined) {
  const path = masterPath(dir, 'binance', SYMBOL, TF);
  const exists = await stat(path).then(() => true, () => false);
  if (exists) {
    const bytes = await readFile(path);
    if (!(before && bytes.equals(before))) {
      const { frame } = await readMaster(path, { symbol: SYMBOL, timeframe: TF });
      expectSameColumns(frame, after);
    }
    const [health] = await validateStores([{ dataset: 'ohlcv', exchange: 'binance', symbol: SYMBOL, timeframe: TF, path }], NOW);
    expect(health!.status).not.toBe('fail');
  } else {
    expect(before).toBeUndefined();
  }
  const partial = partialPath(path);
  if (await stat(partial).then(() => true, () => false)) {
    const { frame } = await readMaster(partial, { symbol: SYMBOL, timeframe: TF });
    expect(frame.time.length).toBeGreaterThan(0);
    expect(frame.time.length).toBeLessThanOrEqual(afterRows);
    // The checkpoint holds fetched candles (no ATR yet): each one as the uninterrupted run stored it.
    const at = Array.from(afterFrame.time).indexOf(frame.time[0]!);
    expect(at).toBeGreaterThanOrEqual(0);
    for (const k of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) {
      const want = afterFrame[k].subarray(at, at + frame.time.length);
      expect(Buffer.from(frame[k].buffer, frame[k].byteOffset, frame[k].byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength)), k).toBe(true);
    }
  }
}

beforeAll(async () => {
  sim = await startSim({ port: 0, now: NOW, seed: 21, symbols: ['ETH/USDT'] });
  const dir = await tempDir();
  config = join(dir, 'crash.yaml');
  await writeFile(config, 'checkpoint_ms: 20\nrate_limit_ms: 5\ntimeout_ms: 5000\nretry:\n  attempts: 3\n  base_ms: 20\n  max_ms: 100\n  total_ms: 10000\n');
  const ref = await tempDir();
  expect((await runCli(args('build', ref))).code).toBe(0);
  const { frame } = await readMaster(masterPath(ref, 'binance', SYMBOL, TF), { symbol: SYMBOL, timeframe: TF });
  after = colBytes(frame);
  afterRows = frame.time.length;
  afterFrame = frame;
  splitDir = await tempDir();
  expect((await runCli(['build', '--symbol', SYMBOL, '--timeframes', TF, '--since', SINCE, '--until', SPLIT, '--config', config, '--api-url', sim.url, '--data-dir', splitDir])).code).toBe(0);
  splitBytes = await readFile(masterPath(splitDir, 'binance', SYMBOL, TF));
});

// The cases are independent (each its own folder; the simulator keeps no state between requests), so they
// run three at a time: a killed run waits mostly on its process start and the simulator.
describe.concurrent('kill -9 at 50 seeded moments: stores stay whole, the next run finishes the job', () => {
  const rng = makeRng(20261122);
  const moments = Array.from({ length: 50 }, (_, i) => ({ job: i % 2 === 0 ? 'build' as const : 'update' as const, fraction: rng() }));
  // How long an uninterrupted run of each job takes through the binary: the range kill moments are drawn
  // from. Measured before the cases, so any one of them can run alone (-t) or in any order.
  let durations: Record<'build' | 'update', number>;
  beforeAll(async () => {
    durations = { build: 0, update: 0 };
    for (const job of ['build', 'update'] as const) {
      const dir = await tempDir();
      if (job === 'update') await cp(splitDir, dir, { recursive: true });
      const t0 = performance.now();
      expect((await runBinary(args(job, dir))).code).toBe(0);
      durations[job] = performance.now() - t0;
    }
  });

  for (const [i, m] of moments.entries()) {
    it(`#${i + 1} ${m.job} killed at ${(m.fraction * 100).toFixed(0)}% of a normal run`, async ({ expect }) => {
      const dir = await tempDir();
      if (m.job === 'update') await cp(splitDir, dir, { recursive: true });
      const before = m.job === 'update' ? splitBytes : undefined;
      const child = spawnCli(args(m.job, dir));
      const timer = setTimeout(() => child.kill('SIGKILL'), Math.round(m.fraction * durations[m.job]));
      await once(child, 'close');
      clearTimeout(timer);
      await expectConsistent(dir, before);
      const next = await runCli(args(m.job, dir));
      expect(next.code, next.stderr).toBe(0);
      const { frame } = await readMaster(masterPath(dir, 'binance', SYMBOL, TF), { symbol: SYMBOL, timeframe: TF });
      expectSameColumns(frame, after);
      expect(await stat(partialPath(masterPath(dir, 'binance', SYMBOL, TF))).then(() => true, () => false)).toBe(false);
    });
  }
});

/** Run the binary against a simulator whose 6th kline request hangs, and press Ctrl-C at that moment. */
async function interruptedAtSixthPage(argsFor: (url: string) => string[]): Promise<{ code: number; stderr: string }> {
  let klines = 0;
  let child: ReturnType<typeof spawnCli> | undefined;
  const hanging = await startSim({
    port: 0, now: NOW, seed: 21, symbols: ['ETH/USDT'], faults: 'hang@klines#6',
    onRequest: (path) => { if (path.endsWith('/klines') && ++klines === 6) child?.kill('SIGINT'); },
  });
  child = spawnCli(argsFor(hanging.url));
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  const [code] = await once(child, 'close');
  await hanging.close();
  return { code: code as number, stderr };
}

describe('Ctrl-C and resume', () => {
  it('SIGINT stops at a page boundary, keeps the pages as a checkpoint, and the next build fetches only the rest', async () => {
    const dir = await tempDir();
    const { code, stderr } = await interruptedAtSixthPage((url) => args('build', dir).map((x) => (x === sim.url ? url : x)));
    expect(code).toBe(130);
    expect(stderr).toContain('qml-data: interrupted; stores written before the interruption are kept');
    const partial = partialPath(masterPath(dir, 'binance', SYMBOL, TF));
    const { frame } = await readMaster(partial, { symbol: SYMBOL, timeframe: TF });
    expect(frame.time.length).toBe(5 * 1000);
    expect(await stat(masterPath(dir, 'binance', SYMBOL, TF)).then(() => true, () => false)).toBe(false);

    const kBefore = sim.requests.get('/api/v3/klines') ?? 0;
    const r = await runCli(['--log-level', 'info', ...args('build', dir)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('resuming from checkpoint');
    expect((sim.requests.get('/api/v3/klines') ?? 0) - kBefore).toBe(Math.ceil((afterRows - 5000) / 1000));
    const done = await readMaster(masterPath(dir, 'binance', SYMBOL, TF), { symbol: SYMBOL, timeframe: TF });
    expectSameColumns(done.frame, after);
  });

  it('a --days build interrupted, then run again an hour later (a new start), resumes from its checkpoint', async () => {
    const dir = await tempDir();
    const daysArgs = (url: string) => ['build', '--symbol', SYMBOL, '--timeframes', TF, '--days', '50', '--json', '--config', config, '--api-url', url, '--data-dir', dir];
    expect((await interruptedAtSixthPage(daysArgs)).code).toBe(130);
    const later = await startSim({ port: 0, now: NOW + 3_600_000, seed: 21, symbols: ['ETH/USDT'] });
    try {
      const r = await runCli(['--log-level', 'info', ...daysArgs(later.url)]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('resuming from checkpoint');
      const out = (JSON.parse(r.stdout) as { stores: { rows: number; fetched: number; resumed: number; first: string }[] }).stores[0]!;
      expect(out.resumed).toBe(5000);
      expect(out.rows).toBe(out.resumed + out.fetched);
      expect(later.requests.get('/api/v3/klines')).toBe(Math.ceil(out.fetched / 1000));
      // the first candle is the interrupted run's start (50 days before NOW), not refetched an hour later
      expect(out.first).toBe(new Date(Math.ceil((NOW - 50 * 86_400_000) / 300_000) * 300_000).toISOString());
    } finally {
      await later.close();
    }
  });

  it('a second run on a locked store exits 4 with a message naming the holder, and writes nothing', async () => {
    const dir = await tempDir();
    await cp(splitDir, dir, { recursive: true });
    const path = masterPath(dir, 'binance', SYMBOL, TF);
    await writeFile(`${path}.lock`, JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), startedAt: '2026-01-01T00:00:00Z' }));
    const r = await runCli(args('update', dir));
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`is being written by process ${process.pid}`);
    expect((await readFile(path)).equals(splitBytes)).toBe(true);
  });
});

