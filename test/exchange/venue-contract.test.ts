import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTimeframe } from '../../src/core/timeframe.js';
import { RECORDS, recordOf } from '../../src/datasets/registry.js';
import { allVenues, servedDataset } from '../../src/exchange/venue.js';
import { allDialects } from '../../src/sim/dialect.js';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { runCli, simArgs, tempDir } from '../helpers/cli.js';

/**
 * The venue contract, run over every venue profile and every dataset it serves (found in the profiles and
 * the registry: a new venue or dataset is covered without a line here). Each venue has a simulator dialect;
 * each dataset it serves is built through the CLI against it, then validated and updated: the rows are
 * the dataset's, on its grid, and an update right after has nothing to fetch.
 */

const NOW = Date.parse('2026-11-20T12:34:00Z');
let sim: RunningSim;

beforeAll(async () => {
  sim = await startSim({ port: 0, now: NOW, seed: 5, symbols: ['BTC/USDT', 'ETH/USDT'] });
});
afterAll(async () => { await sim.close(); });

describe('every venue profile', () => {
  it('has a simulator dialect, serves candles, and names only registered datasets a venue serves', () => {
    const dialects = allDialects().filter((d) => d.kind === 'venue').map((d) => d.id);
    expect(allVenues().map((v) => v.id).sort()).toEqual(dialects.sort());
    for (const v of allVenues()) {
      expect(Object.keys(v.datasets), v.id).toContain('ohlcv');
      for (const [name, served] of Object.entries(v.datasets)) {
        expect(recordOf(name)?.source, `${v.id} ${name}`).toBe('venue');
        for (const tf of served.timeframes ?? v.timeframes) expect(parseTimeframe(tf).name).toBe(tf);
      }
      for (const tf of v.timeframes) expect(parseTimeframe(tf).name).toBe(tf);
      // a venue dataset it does not serve is a usage error naming venue and dataset
      for (const r of RECORDS.filter((x) => x.source === 'venue' && !v.datasets[x.descriptor.name])) {
        expect(() => servedDataset(v, r.descriptor.name)).toThrow(new RegExp(`--datasets ${r.descriptor.name}: ${v.name} does not serve it`));
      }
    }
  });
});

const CASES = allVenues().flatMap((v) => Object.entries(v.datasets).map(([dataset, served]) => {
  const tfs = served.timeframes ?? v.timeframes;
  const tf = tfs.includes('1h') ? '1h' : tfs[0]!;
  return { venue: v.id, dataset, tf, perTimeframe: recordOf(dataset)!.descriptor.perTimeframe };
}));

describe.each(CASES)('$venue serves $dataset', ({ venue, dataset, tf, perTimeframe }) => {
  it(`builds it from the simulator's ${venue} dialect, validates clean, and an update right after fetches nothing`, async () => {
    const dir = await tempDir();
    const symbol = 'BTC/USDT:USDT';
    const args = ['--exchange', venue, '--datasets', dataset, '--symbol', symbol, ...(perTimeframe ? ['--timeframes', tf] : []), ...simArgs(sim.url, dir)];
    const b = await runCli(['build', '--days', '2', '--json', ...args]);
    expect(b.code, b.stderr).toBe(0);
    const built = (JSON.parse(b.stdout) as { stores: { exchange: string; status: string; rows: number; path: string }[] }).stores;
    expect(built).toHaveLength(1);
    expect(built[0]).toMatchObject({ exchange: venue, status: 'written' });
    expect(built[0]!.rows).toBeGreaterThan(0);
    expect(built[0]!.path).toContain(`/${venue}/`);
    const v = await runCli(['validate', '--exchange', venue, '--datasets', dataset, '--json', '--now', new Date(NOW).toISOString(), '--data-dir', dir]);
    expect(v.code, v.stdout).toBe(0);
    const health = JSON.parse(v.stdout).stores as { exchange: string; status: string; findings: { code: string }[] }[];
    expect(health).toHaveLength(1);
    expect(health[0]!.exchange).toBe(venue);
    expect(health[0]!.findings.filter((f) => f.code !== 'STALE').map((f) => f.code)).toEqual([]);
    const u = await runCli(['update', '--exchange', venue, '--datasets', dataset, '--json', ...simArgs(sim.url, dir)]);
    expect(u.code, u.stderr).toBe(0);
    expect((JSON.parse(u.stdout) as { stores: { status: string; fetched: number }[] }).stores).toMatchObject([{ fetched: 0 }]);
  });
});
