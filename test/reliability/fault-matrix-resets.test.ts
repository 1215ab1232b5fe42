import { spawn } from 'node:child_process';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimOptions } from '../../src/sim/server.js';
import { runBinary, tempDir } from '../helpers/cli.js';
import { ROOT } from '../helpers/fixtures.js';
import { allStoreColumns } from '../helpers/store-columns.js';

/**
 * A connection reset in each of its three phases (before the headers, after the headers, mid-body), on
 * every endpoint family the project calls, for build, update and collect, through the binary: each run
 * ends with exit 0 and exactly the stores of the same run without faults. In one run every family gets
 * its reset (each rule fires once, on its family's first request, and the test checks that each fired).
 */
const NOW = Date.parse('2024-03-10T12:34:00Z');
const PHASES = ['reset-before', 'reset-headers', 'reset'] as const;

/** Endpoint families: the path a rule matches (a substring of the request path). */
const FAMILIES: Record<string, string> = {
  'spot klines': '/api/v3/klines',
  'USDT-M klines': '/fapi/v1/klines',
  'futures statistics (/futures/data)': '/futures/data/openInterestHist',
  funding: '/fapi/v1/fundingRate',
  'archive downloads': '.zip', // every archive file and its .CHECKSUM
  exchangeInfo: 'exchangeInfo',
  '/time': '/time',
  CoinGecko: '/coingecko/api/v3/coins/markets',
};

/** A build is two commands: candles of a spot market and a perpetual, then the perpetual's futures data. */
const BUILDS = [
  ['build', '--symbol', 'ETH/USDT', '--symbol', 'BTC/USDT:USDT', '--timeframes', '1h', '--archives', 'auto'],
  ['build', '--symbol', 'BTC/USDT:USDT', '--datasets', 'funding,open-interest', '--timeframes', '1h', '--archives', 'auto'],
];
const COLLECT = ['collect', '--size', '3', '--datasets', 'ohlcv,funding,open-interest', '--timeframes', '1h', '--days', '40', '--archives', 'auto', '--max-age', '1000'];

type Job = 'build' | 'update' | 'collect';
const JOBS: Record<Job, { families: string[]; sim: Partial<SimOptions> }> = {
  build: { families: Object.keys(FAMILIES).filter((f) => f !== 'CoinGecko'), sim: { symbols: ['ETH/USDT', 'BTC/USDT'] } },
  update: { families: Object.keys(FAMILIES).filter((f) => f !== 'CoinGecko'), sim: { symbols: ['ETH/USDT', 'BTC/USDT'] } },
  // the universe is perpetuals: collect asks no spot klines
  collect: { families: Object.keys(FAMILIES).filter((f) => f !== 'spot klines'), sim: { universe: true } },
};

let config: string;
let updateBase: string;
const reference = new Map<Job, Record<string, unknown>>();

async function sim(job: Job, faults?: string) {
  return startSim({ port: 0, now: NOW, seed: 11, ...JOBS[job].sim, ...(faults ? { faults } : {}) });
}

/** Run a job against a simulator into a folder (update: a copy of the stores built up to February 20); the last result. */
async function run(job: Job, url: string, dir: string, until?: string) {
  if (job === 'update') await cp(updateBase, dir, { recursive: true });
  const commands = job === 'build' ? BUILDS.map((b) => [...b, '--since', '2024-01-20', ...(until ? ['--until', until] : [])])
    : job === 'update' ? [['update', '--datasets', 'all', '--archives', 'auto']] : [COLLECT];
  let r = { code: 0 as number | null, stdout: '', stderr: '' };
  for (const args of commands) {
    r = await runBinary([...args, '--config', config, '--api-url', url, '--data-dir', dir], { QML_ARCHIVES: 'auto' });
    if (r.code !== 0) return r;
  }
  return r;
}

beforeAll(async () => {
  const dir = await tempDir();
  config = join(dir, 'fast-retry.yaml');
  await writeFile(config, 'timeout_ms: 2000\nretry:\n  attempts: 6\n  base_ms: 20\n  max_ms: 200\n  total_ms: 30000\n');
  updateBase = await tempDir();
  const s = await sim('update');
  const base = await run('build', s.url, updateBase, '2024-02-20');
  await s.close();
  expect(base.code, base.stderr).toBe(0);
  await Promise.all((Object.keys(JOBS) as Job[]).map(async (job) => {
    const clean = await sim(job);
    const out = await tempDir();
    const r = await run(job, clean.url, out);
    await clean.close();
    expect(r.code, `${job}: ${r.stderr}`).toBe(0);
    reference.set(job, await allStoreColumns(out));
  }));
});

describe.concurrent('reset in every phase × every endpoint family × build, update and collect (through the binary)', () => {
  for (const job of Object.keys(JOBS) as Job[]) {
    for (const phase of PHASES) {
      it(`${job}: ${phase} on the first request of each of ${JOBS[job].families.length} families`, async () => {
        const rules = JOBS[job].families.map((f) => `${phase}@${FAMILIES[f]}#1`).join(',');
        const s = await sim(job, rules);
        const dir = await tempDir();
        const r = await run(job, s.url, dir);
        const fired = s.faults.rules.map((rule, i) => [JOBS[job].families[i], rule] as const);
        const seen = s.requests;
        await s.close();
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).not.toMatch(/internal error/);
        // each family's request was made, so its reset happened (the simulator counts per rule)
        for (const [family, rule] of fired) expect([...seen.keys()].some((p) => p.includes(rule.path)), `${family} was asked`).toBe(true);
        const unfired = fired.filter(([, rule]) => !s.faults.firedRules.has(rule)).map(([family]) => family);
        expect(unfired, 'families whose reset did not happen').toEqual([]);
        expect(await allStoreColumns(dir)).toEqual(reference.get(job));
      });
    }
  }
});

describe('the finding as reported: `sim --faults reset#3`, then build --timeframes 1h 4h --days 120', () => {
  it('completes with exit 0 (was: exit 70, "internal error: TypeError: terminated")', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'qml-data.js'), 'sim', '--port', '0', '--faults', 'reset#3', '--symbols', 'ETH/USDT,BTC/USDT', '--now', '2024-03-10T12:00:00Z'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => { out += d; const m = /listening on (\S+)/.exec(out); if (m) resolve(m[1]!); });
        child.on('close', () => reject(new Error('the simulator stopped')));
      });
      const dir = await tempDir();
      const r = await runBinary(['build', '--symbol', 'ETH/USDT', '--symbol', 'BTC/USDT', '--timeframes', '1h', '4h', '--days', '120', '--config', config, '--api-url', url, '--data-dir', dir], { QML_ARCHIVES: 'auto' });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/4 store\(s\)/);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
