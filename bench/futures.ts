// The futures section of `npm run bench`: funding history and the 30-day statistics backfill for 100
// perpetuals, against their own request limits, each beside the minimum those limits allow.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim } from '../src/sim/server.js';
import { minimumUnderWindows, timedCli } from './fetch.js';

/**
 * Binance's windows for these families are 5 minutes; the bench runs them 10× shorter (30 s, same
 * request counts) so that a 45-minute backfill measures in under 5 minutes. The client is told the
 * windows the way it learns any limit (the data folder's `.qml-limits.json`), so the ratio to the
 * minimum means what it would against Binance.
 */
const WINDOW = 30_000;
const NOW = Date.parse('2026-11-20T00:30:00Z');
const STATISTICS = ['open-interest', 'long-short-global', 'long-short-top-accounts', 'long-short-top-positions', 'taker-volume'];

async function run(label: string, family: 'funding' | 'futures-data', limit: number, paths: string[], args: (symbols: string[]) => string[], limited: boolean) {
  const sim = await startSim({ port: 0, now: NOW, seed: 4, universe: true, rateLimits: { [family]: { limit: limited ? limit : 1e9, windowMs: WINDOW } } });
  const symbols = [...sim.catalog.perp.values()].filter((m) => m.delistedAt === undefined).slice(0, 100).map((m) => m.symbol);
  const dir = mkdtempSync(join(tmpdir(), 'qml-bench-futures-'));
  writeFileSync(join(dir, '.qml-limits.json'), JSON.stringify({ [sim.url]: { [family]: { limit: limited ? limit : 1e9, windowMs: WINDOW } } }));
  const startOffset = Date.now() % WINDOW;
  const { ms } = await timedCli([...args(symbols), '--api-url', sim.url, '--data-dir', dir]);
  const requests = paths.reduce((n, p) => n + (sim.requests.get(p) ?? 0), 0);
  const refused = (sim.statuses.get(429) ?? 0) + (sim.statuses.get(418) ?? 0);
  await sim.close();
  return { label, ms, requests, refused, startOffset };
}

export async function futuresSection(): Promise<void> {
  console.log(`\nfutures data for 100 USDT-M perpetuals, each family at its own limit, windows of ${WINDOW / 1000} s (Binance's 5 min, 10× shorter)`);
  const jobs = [
    { label: '(d) funding, full history from listing', family: 'funding' as const, limit: 500, paths: ['/fapi/v1/fundingRate'],
      args: (s: string[]) => ['build', '--datasets', 'funding', ...s.flatMap((x) => ['--symbol', x]), '--since', '2019-01-01'] },
    { label: '(e) 5 statistics × 30 d at 5m (backfill)', family: 'futures-data' as const, limit: 1000, paths: ['openInterestHist', 'globalLongShortAccountRatio', 'topLongShortAccountRatio', 'topLongShortPositionRatio', 'takerlongshortRatio'].map((e) => `/futures/data/${e}`),
      args: (s: string[]) => ['build', '--datasets', STATISTICS.join(','), '--timeframes', '5m', '--days', '30', ...s.flatMap((x) => ['--symbol', x])] },
  ];
  for (const j of jobs) {
    const off = await run(j.label, j.family, j.limit, j.paths, j.args, false);
    const on = await run(j.label, j.family, j.limit, j.paths, j.args, true);
    const min = minimumUnderWindows(on.requests, j.limit, off.ms, on.startOffset, WINDOW);
    console.log(j.label);
    console.log(`  qml-data: ${(on.ms / 1000).toFixed(1).padStart(6)} s  ${on.requests} requests  429/418×${on.refused}  ratio to minimum ${(on.ms / min).toFixed(2)} (target ≤ 1.15)`);
    console.log(`  minimum:  ${(min / 1000).toFixed(1).padStart(6)} s  (${on.requests} requests at ${j.limit} per ${WINDOW / 1000} s window from second ${(on.startOffset / 1000).toFixed(0)}; limits off: ${(off.ms / 1000).toFixed(1)} s)`);
    console.log(`  at Binance's 5-minute windows the minimum is ${((Math.ceil(on.requests / j.limit) - 1) * 5).toFixed(0)}–${(Math.ceil(on.requests / j.limit) * 5).toFixed(0)} min`);
  }
}
