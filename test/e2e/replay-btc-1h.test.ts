import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { loadMaster } from '../../src/store/store-read.js';
import { runCli, simArgs, tempDir } from '../helpers/cli.js';
import { fixture, readAtrCsv, shared } from '../helpers/fixtures.js';

const full = shared('candles/binance_spot_BTCUSDT_1h.djienne.freqtrade.json');
const CASES = [
  { name: 'committed 2017 slice', candles: fixture('btcusdt-1h-2017.djienne.freqtrade.json'), atr: fixture('btcusdt-1h-2017.djienne.atr14.talib.csv'), rows: 2400, gaps: 1 },
  ...(full ? [{ name: 'full 2017–2022 file', candles: full, atr: shared('atr/binance_spot_BTCUSDT_1h.djienne.atr14.talib.csv')!, rows: 45024, gaps: 27 }] : []),
];

for (const c of CASES) {
  describe(`build from a replayed Binance BTCUSDT 1h history (${c.name})`, () => {
    const recorded = JSON.parse(readFileSync(c.candles, 'utf8')) as number[][];
    let sim: RunningSim;
    let dir: string;
    beforeAll(async () => {
      // SOURCES.md's acceptance moment: 2022-10-11 11:30, half an hour after the last recorded bar closed.
      const now = recorded[recorded.length - 1]![0]! + 90 * 60_000;
      sim = await startSim({ port: 0, now, replay: { 'BTC/USDT': c.candles } });
      dir = await tempDir();
    });
    afterAll(async () => { await sim.close(); });

    it(`stores exactly the ${c.rows} recorded bars with TA-Lib's ATR`, async () => {
      const r = await runCli(['build', '--symbol', 'BTC/USDT', '--timeframes', '1h', '--since', '2017-01-01', ...simArgs(sim.url, dir)]);
      expect(r.code, r.stderr).toBe(0);
      const f = await loadMaster({ symbol: 'BTC/USDT', timeframe: '1h', dataDir: dir });
      expect(f.time.length).toBe(c.rows);
      expect(Array.from(f.time)).toEqual(recorded.map((x) => x[0]));
      for (const [k, col] of [[1, f.open], [2, f.high], [3, f.low], [4, f.close], [5, f.volume]] as const) {
        expect(Array.from(col)).toEqual(recorded.map((x) => x[k]));
      }
      const talib = readAtrCsv(c.atr);
      let compared = 0;
      for (let i = 0; i < f.time.length; i++) {
        const ref = talib.get(f.time[i]!);
        if (ref === undefined) { expect(f.atr[i]).toBeNaN(); continue; }
        expect(Math.abs(f.atr[i]! - ref) / ref).toBeLessThan(1e-9);
        compared++;
      }
      expect(compared).toBe(c.rows - 14);
    });

    it(`validate --json lists the ${c.gaps} real gap(s)`, async () => {
      const r = await runCli(['validate', '--json', '--now', new Date(sim.now()).toISOString(), '--data-dir', dir]);
      expect(r.code).toBe(0);
      const store = (JSON.parse(r.stdout) as { stores: { status: string; findings: { code: string; count: number; items: { start: string; end: string; missing: number }[] }[] }[] }).stores[0]!;
      expect(store.status).toBe('warn');
      const gaps = store.findings.find((f) => f.code === 'GAPS')!;
      expect(gaps.count).toBe(c.gaps);
      expect(gaps.items[0]).toEqual({ start: '2017-09-06T17:00:00.000Z', end: '2017-09-06T22:00:00.000Z', missing: 6 });
      expect(store.findings.map((f) => f.code)).toEqual(['GAPS']);
    });
  });
}
