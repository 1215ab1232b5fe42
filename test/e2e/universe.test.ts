import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import type { Universe } from '../../src/universe/refresh-universe.js';
import { runBinary, runCli, tempDir } from '../helpers/cli.js';

const NOW = Date.parse('2026-11-20T00:30:00Z');
const DAY = 86_400_000;

describe('universe refresh, show and diff against the simulated CoinGecko and exchange', () => {
  let sim: RunningSim;
  beforeAll(async () => { sim = await startSim({ port: 0, now: NOW, seed: 4, universe: true }); });
  afterAll(async () => { await sim.close(); });

  const refresh = async (dir: string, extra: string[] = []) => {
    const r = await runBinary(['universe', 'refresh', '--size', '100', '--force', '--json', '--api-url', sim.url, '--data-dir', dir, ...extra]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Universe;
  };

  it('maps exactly 100, reports every coin left out with its reason, resolves multiplier contracts and shared tickers', async () => {
    const dir = await tempDir();
    const r = await runBinary(['universe', 'refresh', '--size', '100', '--json', '--api-url', sim.url, '--data-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    const u = JSON.parse(r.stdout) as Universe;
    expect(u.members).toHaveLength(100);
    expect(u.source).toBe('coingecko');
    const byId = new Map(u.members.map((m) => [m.id, m]));
    expect(byId.get('pepe')).toMatchObject({ market: '1000PEPE/USDT:USDT', multiplier: 1000 });
    expect(byId.get('shiba-inu')).toMatchObject({ market: '1000SHIB/USDT:USDT', multiplier: 1000 });
    expect(byId.get('the-open-network')).toMatchObject({ market: 'TON/USDT:USDT' });
    const skipped = new Map(u.skipped.map((s) => [s.id, s]));
    expect(skipped.get('tokamak-network')).toMatchObject({ reason: 'ambiguous-ticker', detail: 'ticker TON belongs to the-open-network' });
    for (const id of ['tether', 'usd-coin', 'wrapped-bitcoin', 'lido-staked-ether']) expect(skipped.get(id)?.reason, id).toBe('excluded-category');
    expect(skipped.get('uniswap')).toMatchObject({ reason: 'not-trading' });
    expect([...skipped.values()].filter((s) => s.reason === 'not-listed').length).toBeGreaterThan(0);
    // every coin of the ranking it looked at is either a member or reported
    expect(u.members.length + u.skipped.length).toBe(u.ranked);
    const shown = await runCli(['universe', 'show', '--data-dir', dir]);
    expect(shown.stdout).toContain('100 of 100 asked');
    expect(shown.stdout).toMatch(/1000PEPE\/USDT:USDT\s+pepe \(×1000\)/);
  });

  it('reuses a young universe unless forced, and tells what changed as the days pass', async () => {
    const dir = await tempDir();
    const first = await refresh(dir);
    const again = await runCli(['universe', 'refresh', '--json', '--api-url', sim.url, '--data-dir', dir]);
    expect((JSON.parse(again.stdout) as Universe).createdAt).toBe(first.createdAt); // not rebuilt
    sim.setNow(NOW + 3 * DAY);
    try {
      const later = await refresh(dir);
      const was = new Set(first.members.map((m) => m.id));
      const is = new Set(later.members.map((m) => m.id));
      const added = later.members.filter((m) => !was.has(m.id)).map((m) => m.id);
      const removed = first.members.filter((m) => !is.has(m.id)).map((m) => m.id);
      expect(added.length + removed.length).toBeGreaterThan(0); // ranks moved
      const diff = await runCli(['universe', 'diff', '--json', '--data-dir', dir]);
      expect(diff.code, diff.stderr).toBe(0);
      const d = JSON.parse(diff.stdout) as { from: string; to: string; added: { id: string }[]; removed: { id: string }[] };
      expect([d.from, d.to]).toEqual(['2026-11-20', '2026-11-23']);
      expect(d.added.map((m) => m.id).sort()).toEqual([...added].sort());
      expect(d.removed.map((m) => m.id).sort()).toEqual([...removed].sort());
      // removed coins stay known as inactive, with the day and the reason
      expect(later.inactive.map((x) => x.id).sort()).toEqual([...removed].sort());
      for (const x of later.inactive) expect(x.since).toBe('2026-11-23');
    } finally {
      sim.setNow(NOW);
    }
  });

  it('with CoinGecko failing, ranks the exchange\'s perpetuals by 24 h quote volume and says so', async () => {
    const down = await startSim({ port: 0, now: NOW, seed: 4, universe: true, faults: '500@markets#1+' });
    try {
      const dir = await tempDir();
      const cfg = join(dir, 'fast.yaml');
      await writeFile(cfg, 'retry:\n  attempts: 2\n  base_ms: 10\n  max_ms: 20\n  total_ms: 5000\n');
      const r = await runBinary(['universe', 'refresh', '--size', '30', '--json', '--config', cfg, '--api-url', down.url, '--data-dir', dir], { QML_LOG_LEVEL: 'warn' });
      expect(r.code, r.stderr).toBe(0);
      const u = JSON.parse(r.stdout) as Universe;
      expect(u.source).toBe('exchange-volume');
      expect(u.members).toHaveLength(30);
      expect(r.stderr).toContain('CoinGecko failed; ranking the exchange');
      const volumes = u.members.map((m) => m.volume24h ?? 0);
      expect(volumes).toEqual([...volumes].sort((a, b) => b - a));
      expect(u.members.every((m) => m.market.endsWith('/USDT:USDT'))).toBe(true);
      expect(u.members.map((m) => m.market)).not.toContain('UNI/USDT:USDT'); // not trading
    } finally {
      await down.close();
    }
  });

  it('the real cases: 1000X is X Empire, aliased contracts (RAYSOL, LUNA2, BEAMX), no gold token, no pre-market or index contract', async () => {
    const dir = await tempDir();
    const u = await refresh(dir, ['--size', '150']);
    const byId = new Map(u.members.map((m) => [m.id, m]));
    const skipped = new Map(u.skipped.map((s) => [s.id, s]));
    expect(byId.get('x-empire')).toMatchObject({ market: '1000X/USDT:USDT', multiplier: 1000 });
    expect(byId.get('raydium')).toMatchObject({ market: 'RAYSOL/USDT:USDT', alias: 'RAYSOL' });
    expect(byId.get('terra-luna-2')).toMatchObject({ market: 'LUNA2/USDT:USDT' });
    expect(byId.get('beam-2')).toMatchObject({ market: 'BEAMX/USDT:USDT' });
    expect(skipped.get('pax-gold')).toMatchObject({ reason: 'excluded-category', detail: "in CoinGecko's tokenized-gold category", market: 'PAXG/USDT:USDT' });
    expect(skipped.get('sim-pre-market')).toMatchObject({ reason: 'non-standard-contract', market: 'PMK/USDT:USDT' });
    expect(skipped.get('wrapped-solana')).toMatchObject({ reason: 'excluded-category' });
    expect(skipped.get('wrapped-solana')!.market).toBeUndefined(); // it never owned SOL's contract
    expect(byId.get('solana')).toMatchObject({ market: 'SOL/USDT:USDT' });
    const markets = u.members.map((m) => m.market);
    for (const m of ['PAXG/USDT:USDT', 'PMK/USDT:USDT', 'BTCDOM/USDT:USDT', 'USDC/USDT:USDT']) expect(markets).not.toContain(m);
    const shown = await runCli(['universe', 'show', '--data-dir', dir]);
    expect(shown.stdout).toMatch(/RAYSOL\/USDT:USDT\s+raydium \(alias: contract RAYSOL\)/);

    // CoinGecko down afterwards: excluded by identity (SOL stays, USDC and PAXG stay out), no index or pre-market contract
    const down = await startSim({ port: 0, now: NOW, seed: 4, universe: true, faults: '500@coingecko#1+' });
    try {
      const cfg = join(dir, 'fast.yaml');
      await writeFile(cfg, 'retry:\n  attempts: 1\n  base_ms: 10\n  max_ms: 20\n  total_ms: 5000\n');
      const r = await runBinary(['universe', 'refresh', '--size', '300', '--force', '--json', '--config', cfg, '--api-url', down.url, '--data-dir', dir]);
      expect(r.code, r.stderr).toBe(0);
      const f = JSON.parse(r.stdout) as Universe;
      expect(f.source).toBe('exchange-volume');
      const fm = f.members.map((m) => m.market);
      expect(fm).toContain('SOL/USDT:USDT');
      for (const m of ['USDC/USDT:USDT', 'PAXG/USDT:USDT', 'BTCDOM/USDT:USDT', 'PMK/USDT:USDT']) expect(fm, m).not.toContain(m);
      // with no earlier universe at all, the stablecoin list keeps USDC out
      const fresh = await tempDir();
      const r2 = await runBinary(['universe', 'refresh', '--size', '300', '--json', '--config', cfg, '--api-url', down.url, '--data-dir', fresh]);
      const g = JSON.parse(r2.stdout) as Universe;
      expect(g.members.map((m) => m.market)).not.toContain('USDC/USDT:USDT');
      expect(g.skipped.find((s) => s.market === 'USDC/USDT:USDT')).toMatchObject({ reason: 'excluded-category' });
      expect(g.members.map((m) => m.market)).not.toContain('BTCDOM/USDT:USDT');
    } finally {
      await down.close();
    }
  });

  it('a short universe says so: the shortfall and its reasons in --json and text; --min-size fails it (exit 1) and keeps the previous one', async () => {
    const dir = await tempDir();
    const first = await refresh(dir, ['--size', '50']);
    const big = await runBinary(['universe', 'refresh', '--size', '400', '--force', '--json', '--api-url', sim.url, '--data-dir', dir]);
    expect(big.code, big.stderr).toBe(0);
    const u = JSON.parse(big.stdout) as Universe;
    expect(u.shortfall.missing).toBe(400 - u.members.length);
    expect(u.shortfall.missing).toBeGreaterThan(0);
    expect(Object.values(u.shortfall.reasons).reduce((a, b) => a + b, 0)).toBe(u.skipped.length);
    expect((await runCli(['universe', 'show', '--data-dir', dir])).stdout).toMatch(new RegExp(`short by ${u.shortfall.missing}: \\d+ `));
    const refused = await runBinary(['universe', 'refresh', '--size', '400', '--min-size', '390', '--force', '--api-url', sim.url, '--data-dir', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^qml-data: the universe of 2026-11-20 has ${u.members.length} member\\(s\\), fewer than the 390 required`, 'm'));
    const still = JSON.parse((await runCli(['universe', 'show', '--json', '--data-dir', dir])).stdout) as Universe;
    expect(still.members).toHaveLength(u.members.length); // the one in force before, unchanged
    expect(first.members).toHaveLength(50);
    // collect: the cycle fails with exit 1, its summary says why, and the shortfall is in status
    const c = await runBinary(['collect', '--size', '400', '--min-size', '390', '--force', '--days', '1', '--json', '--api-url', sim.url, '--data-dir', dir]);
    expect(c.code).toBe(1);
    expect(JSON.parse(c.stdout)).toMatchObject({ errorKind: 'universe' });
  });

  it('show and diff without a universe say what to run, with exit 2', async () => {
    const dir = await tempDir();
    const r = await runCli(['universe', 'show', '--data-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^qml-data: no universe of binance in .* \(run `qml-data universe refresh --exchange binance` first\)\n$/);
  });
});
