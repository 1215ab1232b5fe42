import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FaultKind } from '../../src/sim/faults.js';
import { startSim, type SimOptions } from '../../src/sim/server.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { columnsOf } from '../helpers/store-columns.js';

const NOW = Date.parse('2024-03-10T12:34:00Z');
const SYMBOL = 'BTC/USDT:USDT';

/** Each futures endpoint, with a build that takes several of its pages, so the second request is mid-history. */
const ENDPOINTS: { dataset: string; path: string; args: string[] }[] = [
  { dataset: 'funding', path: 'fundingRate', args: ['--since', '2021-01-01'] },
  { dataset: 'open-interest', path: 'openInterestHist', args: ['--timeframes', '1h'] },
  { dataset: 'mark-price', path: 'markPriceKlines', args: ['--timeframes', '1h', '--days', '60'] },
];
/** What a flaky exchange does to any endpoint: limits, server errors, broken bodies, silence, an empty page. */
const KINDS: FaultKind[] = ['429', '500', '502', '503', 'bad-json', 'html', 'hang', 'reset', 'empty'];

let config: string;
const reference = new Map<string, Record<string, number[]>>();

async function sim(extra: Partial<SimOptions> = {}) {
  return startSim({ port: 0, now: NOW, seed: 11, symbols: ['BTC/USDT'], ...extra });
}


beforeAll(async () => {
  const dir = await tempDir();
  config = join(dir, 'fast-retry.yaml');
  await writeFile(config, 'timeout_ms: 1500\nretry:\n  attempts: 5\n  base_ms: 20\n  max_ms: 200\n  total_ms: 30000\n');
  const s = await sim();
  for (const e of ENDPOINTS) {
    const out = await tempDir();
    const r = await runCli(['build', '--datasets', e.dataset, '--symbol', SYMBOL, ...e.args, '--config', config, '--api-url', s.url, '--data-dir', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(s.requests.get([...s.requests.keys()].find((k) => k.endsWith(e.path))!)).toBeGreaterThanOrEqual(2); // several pages
    reference.set(e.dataset, await columnsOf(e.dataset, out, SYMBOL));
  }
  await s.close();
});

// every case has its own simulator and folder: they run three at a time, overlapping their waits
describe.concurrent('fault matrix of the futures endpoints: each fault on the second request, the store exactly the fault-free one', () => {
  for (const e of ENDPOINTS) {
    for (const kind of KINDS) {
      it(`${e.dataset} (${e.path}) under "${kind}"`, async () => {
        const s = await sim({ faults: `${kind}:BTCUSDT@${e.path}#2` });
        const dir = await tempDir();
        const r = await runCli(['build', '--datasets', e.dataset, '--symbol', SYMBOL, ...e.args, '--config', config, '--api-url', s.url, '--data-dir', dir]);
        const fired = s.faults.fired.get(kind) ?? 0;
        await s.close();
        expect(fired, 'the fault was injected').toBe(1);
        expect(r.code, r.stderr).toBe(0);
        expect(await columnsOf(e.dataset, dir, SYMBOL)).toEqual(reference.get(e.dataset));
      });
    }
  }
});
