// The report section of `npm run bench`: `qml-data report` over 100 perpetuals × 90 days × 5m with 3
// datasets (candles, open interest, top traders' long/short), its file's size and the time to write it;
// and, where Debian's chromium is installed, the time until the page has drawn every chart.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanCandles } from '../src/clean/clean-candles.js';
import { candleColumns } from '../src/core/frame.js';
import { parseTimeframe } from '../src/core/timeframe.js';
import { OHLCV } from '../src/datasets/ohlcv.js';
import { recordOf } from '../src/datasets/registry.js';
import { wilderAtr } from '../src/indicators/wilder-atr.js';
import { aggregateBars } from '../src/sim/aggregate.js';
import { SyntheticSource } from '../src/sim/synthetic-source.js';
import { coinProfile } from '../src/sim/symbol-profiles.js';
import { masterPath, storePath } from '../src/store/store-path.js';
import { withStoreForWrite, type WriteIdentity } from '../src/store/store-writer.js';
import { timedCli } from './fetch.js';

const DAY = 86_400_000;
const FIVE = parseTimeframe('5m');

export async function reportSection(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'qml-bench-report-'));
  try {
    const end = Date.parse('2026-11-20T00:00:00Z');
    const symbols = Array.from({ length: 100 }, (_, i) => `R${i}X/USDT:USDT`);
    let rows = 0;
    for (const [n, symbol] of symbols.entries()) {
      const base = symbol.split('/')[0]!;
      const src = new SyntheticSource({ seed: 1, profile: coinProfile(base), market: 'perp' });
      const f = cleanCandles(candleColumns(aggregateBars(src.bars(end - 90 * DAY, end), FIVE, src.units))).frame;
      const id: WriteIdentity = { exchange: 'binance', source: 'exchange', marketType: 'swap', symbol, timeframe: '5m', atrPeriod: 14 };
      await withStoreForWrite(OHLCV, masterPath(dir, 'binance', symbol, '5m'), id, { waitMs: 0, erase: true }, (h) => h.replace({ ...f, atr: wilderAtr(f.high, f.low, f.close, 14) }, id));
      // statistics on the same grid, every 7th symbol missing two hours of one day (a gap to draw)
      const keep = f.time.map((t) => (n % 7 === 0 && t >= end - 10 * DAY && t < end - 10 * DAY + 2 * 3_600_000 ? 0 : 1));
      const time = f.time.filter((_, i) => keep[i]);
      const stats: Record<string, Record<string, Float64Array>> = {
        'open-interest': { time, contracts: time.map((t) => 1e6 + (t / 3e5) % 1000), value: time.map((t) => 5e7 + (t / 3e5) % 5000) },
        'long-short-top-positions': { time, ratio: time.map((t) => 1 + Math.sin(t / 8.64e7) / 2), long: time.map((t) => (1 + Math.sin(t / 8.64e7) / 2) / (2 + Math.sin(t / 8.64e7) / 2)), short: time.map((t) => 1 / (2 + Math.sin(t / 8.64e7) / 2)) },
      };
      for (const [dataset, frame] of Object.entries(stats)) {
        const d = recordOf(dataset)!.descriptor;
        const sid: WriteIdentity = { exchange: 'binance', source: 'exchange', marketType: 'swap', symbol, timeframe: '5m' };
        await withStoreForWrite(d, storePath(dir, 'binance', d, symbol, '5m'), sid, { waitMs: 0, erase: true }, (h) => h.replace(frame as never, sid));
      }
      rows += f.time.length + 2 * time.length;
    }
    const out = join(dir, 'report.html');
    const r = await timedCli(['report', '--data-dir', dir, '--out', out, '--json']);
    const figures = JSON.parse(r.stdout) as { bytes: number; stores: number; days: number; ms: number };
    console.log(`\nreport: 100 perpetuals × 90 d × 5m × 3 datasets (${figures.stores} stores, ${rows.toLocaleString('en-US')} rows)`);
    console.log(`  written in ${(r.ms / 1000).toFixed(1)} s (whole process; the report itself ${(figures.ms / 1000).toFixed(1)} s), ${(statSync(out).size / (1 << 20)).toFixed(1)} MiB, ${figures.days} days`);
    const chromium = process.env['QML_CHROMIUM'] ?? '/usr/bin/chromium';
    if (!existsSync(chromium)) {
      console.log(`  page drawing not measured: no ${chromium}`);
      return;
    }
    const { chromium: driver } = await import('playwright-core');
    const browser = await driver.launch({ executablePath: chromium, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const t0 = Date.now();
      await page.goto(`file://${out}`);
      await page.waitForFunction(() => (globalThis as unknown as { qmlReport?: { ready?: boolean } }).qmlReport?.ready === true, null, { timeout: 120_000 });
      console.log(`  page loaded and every chart drawn in chromium: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
