import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAULT_KINDS, type FaultKind } from '../../src/sim/faults.js';
import { startSim, type SimOptions } from '../../src/sim/server.js';
import { loadMaster } from '../../src/store/store-read.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { masters, snapshot } from '../helpers/store-bytes.js';

const NOW = Date.parse('2024-03-10T12:34:00Z');
const SINCE = '2023-11-01T00:00:00Z';
const SPLIT = '2024-01-15T00:00:00Z'; // update cases start from a store built up to here
const SYMBOL = 'ETH/USDT';

/** Faults the client must absorb: the run completes with exactly the fault-free store. */
const ABSORBED: FaultKind[] = ['429', '418', '500', '502', '503', 'hang', 'reset-before', 'reset-headers', 'reset', 'bad-json', 'html', 'empty', 'overlap', 'shuffle', 'bad-values'];
/** Faults that cannot be absorbed: the run fails with its documented exit code and changes no store. */
const FATAL: Partial<Record<FaultKind, number>> = { delist: 3 };
/** Refusals of other venues' dialects (a 403 ban, a refusal inside an HTTP 200): fault-matrix-venues.test.ts runs them. */
const OTHER_VENUES: FaultKind[] = ['403', 'rate-200'];

let config: string;
let reference: string;
let splitStore: string;

async function sim(extra: Partial<SimOptions>) {
  return startSim({ port: 0, now: NOW, seed: 11, symbols: ['ETH/USDT'], ...extra });
}

async function columns(dir: string) {
  const f = await loadMaster({ symbol: SYMBOL, timeframe: '1h', dataDir: dir });
  return ['time', 'open', 'high', 'low', 'close', 'volume', 'atr'].map((k) => Buffer.from((f as unknown as Record<string, Float64Array>)[k]!.buffer));
}

beforeAll(async () => {
  const dir = await tempDir();
  config = join(dir, 'fast-retry.yaml');
  await writeFile(config, 'rate_limit_ms: 5\ntimeout_ms: 1500\nretry:\n  attempts: 5\n  base_ms: 20\n  max_ms: 200\n  total_ms: 30000\n');
  const s = await sim({});
  reference = await tempDir();
  splitStore = await tempDir();
  const a = await runCli(['build', '--symbol', SYMBOL, '--timeframes', '1h', '--since', SINCE, '--config', config, '--api-url', s.url, '--data-dir', reference]);
  const b = await runCli(['build', '--symbol', SYMBOL, '--timeframes', '1h', '--since', SINCE, '--until', SPLIT, '--config', config, '--api-url', s.url, '--data-dir', splitStore]);
  await s.close();
  expect([a.code, b.code]).toEqual([0, 0]);
  expect((await loadMaster({ symbol: SYMBOL, timeframe: '1h', dataDir: reference })).time.length).toBeGreaterThan(2500); // several pages
});

describe('fault matrix: every simulator fault against build and update', () => {
  it('covers every fault kind the simulator knows', () => {
    expect([...ABSORBED, ...Object.keys(FATAL), ...OTHER_VENUES].sort()).toEqual([...FAULT_KINDS].sort());
  });

  for (const job of ['build', 'update'] as const) {
    for (const kind of [...ABSORBED, ...Object.keys(FATAL) as FaultKind[]]) {
      it(`${job} under "${kind}" on the second kline request`, async () => {
        const s = await sim({ faults: `${kind}:ETHUSDT@klines#2` });
        const dir = await tempDir();
        if (job === 'update') await cp(splitStore, dir, { recursive: true });
        const before = masters(await snapshot(dir));
        const args = job === 'build'
          ? ['build', '--symbol', SYMBOL, '--timeframes', '1h', '--since', SINCE]
          : ['update'];
        const r = await runCli([...args, '--config', config, '--api-url', s.url, '--data-dir', dir]);
        const fired = s.faults.fired.get(kind) ?? 0;
        const statuses = s.statuses;
        await s.close();
        expect(fired, 'the fault was injected').toBe(1);
        expect(statuses.get(429) ?? 0).toBeLessThanOrEqual(1);
        expect(statuses.get(418) ?? 0).toBeLessThanOrEqual(kind === '418' ? 1 : 0);
        const expectedCode = FATAL[kind];
        if (expectedCode === undefined) {
          expect(r.code, r.stderr).toBe(0);
          expect(await columns(dir)).toEqual(await columns(reference));
        } else {
          expect(r.code).toBe(expectedCode);
          expect(r.stderr).toMatch(/^qml-data: .*ETH\/USDT/m);
          expect(masters(await snapshot(dir))).toEqual(before);
        }
      });
    }
  }

  // exchangeInfo weighs 20 and /time 1, so the second kline page (2 each) would cross a limit of 24: the
  // client learns that limit from exchangeInfo and waits for the next 6 s window instead.
  it('stays under the real rate limiter, whose limit it learns from exchangeInfo: no 429, no 418, the store complete', async () => {
    const s = await sim({ rateLimits: { spot: { limit: 24, windowMs: 6000, banBaseMs: 60_000 } } });
    const dir = await tempDir();
    const r = await runCli(['build', '--symbol', SYMBOL, '--timeframes', '1h', '--since', SINCE, '--config', config, '--api-url', s.url, '--data-dir', dir]);
    const statuses = s.statuses;
    await s.close();
    expect(r.code, r.stderr).toBe(0);
    expect(statuses.get(429) ?? 0).toBe(0);
    expect(statuses.get(418) ?? 0).toBe(0);
    expect(await columns(dir)).toEqual(await columns(reference));
  });
});

