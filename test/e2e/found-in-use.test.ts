import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { startSim } from '../../src/sim/server.js';
import { runBinary, tempDir } from '../helpers/cli.js';

const NOW = Date.parse('2024-03-10T12:34:00Z');

describe('what real use found', () => {
  it('build --dry-run writes nothing into the data folder: no store, no archive cache, no learned limit', async () => {
    const sim = await startSim({ port: 0, now: NOW, seed: 11, symbols: ['ETH/USDT'] });
    try {
      const dir = await tempDir();
      const r = await runBinary(['build', '--dry-run', '--archives', 'auto', '--symbol', 'ETH/USDT', '--timeframes', '1h', '--since', '2024-01-01', '--api-url', sim.url, '--data-dir', dir], { QML_ARCHIVES: 'auto' });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/dry-run/);
      expect([...sim.requests.keys()].some((p) => p.startsWith('/data/')), 'the archives were read').toBe(true);
      expect(await readdir(dir, { recursive: true })).toEqual([]);
    } finally {
      await sim.close();
    }
  });

  it('sim --seed abc is refused (it used to start with a NaN seed): exit 2, naming the flag', async () => {
    const r = await runBinary(['sim', '--port', '0', '--seed', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('qml-data: --seed "abc" must be a whole number from 0 to 4294967295\n');
  });

  it('the collector\'s status keeps every dataset apart: candles, open interest and funding at 1h are three stores per symbol', async () => {
    const sim = await startSim({ port: 0, now: Date.parse('2026-11-20T00:30:00Z'), seed: 4, universe: true });
    try {
      const dir = await tempDir();
      const r = await runBinary(['collect', '--size', '3', '--datasets', 'ohlcv,open-interest,funding', '--timeframes', '1h', '--days', '3', '--api-url', sim.url, '--data-dir', dir]);
      expect(r.code, r.stderr).toBe(0);
      const status = JSON.parse((await runBinary(['status', '--json', '--data-dir', dir])).stdout) as { collect: { exchange: string; stores: Record<string, { dataset: string; symbol: string; timeframe: string }> }[] };
      expect(status.collect.map((x) => x.exchange)).toEqual(['binance']);
      const entries = Object.values(status.collect[0]!.stores);
      expect(entries).toHaveLength(9);
      const symbols = [...new Set(entries.map((e) => e.symbol))];
      expect(symbols).toHaveLength(3);
      for (const symbol of symbols) {
        expect(entries.filter((e) => e.symbol === symbol).map((e) => e.dataset).sort(), symbol).toEqual(['funding', 'ohlcv', 'open-interest']);
      }
      const text = (await runBinary(['status', '--data-dir', dir])).stdout;
      expect(text).toMatch(/written\s+open-interest \S+ 1h/);
      expect(text).toMatch(/written\s+funding \S+ 1h/);
      expect(text).toMatch(/written\s+ohlcv \S+ 1h/);
    } finally {
      await sim.close();
    }
  });
});
