// The archives section of `npm run bench`: 2 years of 1m for 10 symbols, from Binance's archives and from
// the REST API alone, against the simulator at Binance's limits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim } from '../src/sim/server.js';
import { timedCli } from './fetch.js';

export async function archivesSection(): Promise<void> {
  const symbols = ['BTC', 'ETH', 'BNB', 'LTC', 'ADA', 'XRP', 'TRX', 'LINK', 'DOGE', 'SOL'].map((b) => `${b}/USDT`);
  console.log('\n2 years of 1m candles for 10 spot symbols (10.5 M candles), the simulator at Binance\'s limits (6,000 weight/min)');
  for (const mode of ['auto', 'off'] as const) {
    const sim = await startSim({ port: 0, now: Date.parse('2025-03-10T12:34:00Z'), symbols });
    const dir = mkdtempSync(join(tmpdir(), 'qml-bench-archives-'));
    try {
      const { ms } = await timedCli(['build', '--symbol', symbols.join(','), '--timeframes', '1m', '--since', '2023-03-01', '--archives', mode, '--api-url', sim.url, '--data-dir', dir], { QML_ARCHIVES: mode });
      const kline = sim.requests.get('/api/v3/klines') ?? 0;
      const zips = [...sim.requests.entries()].filter(([p]) => p.endsWith('.zip')).reduce((n, [, c]) => n + c, 0);
      console.log(`  --archives ${mode.padEnd(4)} ${(ms / 1000).toFixed(1).padStart(7)} s  ${String(kline).padStart(6)} kline requests  weight ${String(sim.weights.get('spot') ?? 0).padStart(6)}  ${zips} archive files  429×${sim.statuses.get(429) ?? 0}`);
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
