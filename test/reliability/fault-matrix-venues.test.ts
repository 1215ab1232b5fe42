import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FaultKind } from '../../src/sim/faults.js';
import { startSim, type SimOptions } from '../../src/sim/server.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { allStoreColumns } from '../helpers/store-columns.js';

/**
 * Each venue's fault matrix, through the CLI against its simulator dialect: every fault a flaky venue
 * does to an endpoint (its own refusal codes included: Bybit's 403 ban and its retCode 10006 in an HTTP
 * 200, OKX's 50011 as an HTTP 429 and in an HTTP 200) on the second request of a build that takes several
 * pages; every case ends with exactly the fault-free stores.
 */

const NOW = Date.parse('2026-03-10T12:34:00Z');
const SYMBOL = 'BTC/USDT:USDT';

interface Endpoint { readonly dataset: string; readonly path: string; readonly args: readonly string[]; readonly klines?: boolean }

const GENERIC: FaultKind[] = ['500', '502', '503', 'bad-json', 'html', 'hang', 'reset', 'empty'];
const KLINES: FaultKind[] = ['shuffle', 'bad-values', 'overlap'];

const VENUES: Record<string, { refusals: FaultKind[]; symbol: string; endpoints: Endpoint[] }> = {
  bybit: {
    refusals: ['403', 'rate-200', '429'],
    symbol: 'BTCUSDT',
    endpoints: [
      { dataset: 'ohlcv', path: 'market/kline', args: ['--timeframes', '1h', '--days', '100'], klines: true },
      { dataset: 'funding', path: 'funding/history', args: ['--since', '2025-01-01'] },
      { dataset: 'open-interest', path: 'open-interest', args: ['--timeframes', '1h', '--days', '20'] },
    ],
  },
  okx: {
    // 50011 both ways: as an HTTP 429, and inside an HTTP 200
    refusals: ['429', 'rate-200'],
    symbol: 'BTC-USDT-SWAP',
    endpoints: [
      { dataset: 'ohlcv', path: 'market/history-candles', args: ['--timeframes', '1h', '--days', '100'], klines: true },
      { dataset: 'funding', path: 'funding-rate-history', args: ['--days', '80'] },
      { dataset: 'open-interest', path: 'open-interest-history', args: ['--timeframes', '1h', '--days', '20'] },
    ],
  },
};

let config: string;
const reference = new Map<string, Record<string, Record<string, (number | null)[]>>>();

async function sim(venue: string, extra: Partial<SimOptions> = {}) {
  return startSim({ port: 0, now: NOW, seed: 11, symbols: ['BTC/USDT'], venues: [venue], ...extra });
}

const args = (venue: string, e: Endpoint, url: string, dir: string) =>
  ['build', '--exchange', venue, '--datasets', e.dataset, '--symbol', SYMBOL, ...e.args, '--config', config, '--api-url', url, '--data-dir', dir];

beforeAll(async () => {
  const dir = await tempDir();
  config = join(dir, 'fast-retry.yaml');
  await writeFile(config, 'timeout_ms: 1500\nretry:\n  attempts: 5\n  base_ms: 20\n  max_ms: 200\n  total_ms: 30000\n');
  for (const [venue, v] of Object.entries(VENUES)) {
    const s = await sim(venue);
    for (const e of v.endpoints) {
      const out = await tempDir();
      const r = await runCli(args(venue, e, s.url, out));
      expect(r.code, r.stderr).toBe(0);
      expect(s.requests.get([...s.requests.keys()].find((k) => k.endsWith(e.path))!), `${venue} ${e.path} takes several pages`).toBeGreaterThanOrEqual(2);
      reference.set(`${venue} ${e.dataset}`, await allStoreColumns(out));
    }
    await s.close();
  }
});

// every case has its own simulator and folder: they run three at a time, overlapping their waits
describe.concurrent.each(Object.entries(VENUES))('%s fault matrix: each fault on the second request, the stores exactly the fault-free ones', (venue, v) => {
  for (const e of v.endpoints) {
    for (const kind of [...v.refusals, ...GENERIC, ...(e.klines ? KLINES : [])]) {
      it(`${e.dataset} (${e.path}) under "${kind}"`, async () => {
        const s = await sim(venue, { faults: `${kind}:${v.symbol}@${e.path}#2` });
        const dir = await tempDir();
        const r = await runCli(args(venue, e, s.url, dir));
        const fired = s.faults.fired.get(kind) ?? 0;
        await s.close();
        expect(fired, 'the fault was injected').toBe(1);
        expect(r.code, r.stderr).toBe(0);
        expect(await allStoreColumns(dir)).toEqual(reference.get(`${venue} ${e.dataset}`));
      });
    }
  }
});
