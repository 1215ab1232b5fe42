import { existsSync } from 'node:fs';
import { mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { ROOT } from '../helpers/fixtures.js';
import { runBinary, simArgs, tempDir } from '../helpers/cli.js';

/**
 * `qml-data report` in a real browser (Debian's chromium through playwright-core): the page of a folder
 * collected from the simulator, with one store cut by another tool (DuckDB drops two hours of one day), is
 * loaded from disk and checked against the stores, read here by DuckDB: no console error, one heatmap row per
 * store file, the cut shows as a gap at that store and day and nowhere else, a click on it names the missing
 * span, and the value chart's points are the stores' values. A screenshot of each section is written under
 * test-results/report/.
 */
const CHROMIUM = process.env['QML_CHROMIUM'] ?? '/usr/bin/chromium';
const NOW = Date.parse('2026-06-01T05:00:00Z');
const SHOTS = join(ROOT, 'test-results', 'report');
const CUT = { symbol: 'ETH/USDT:USDT', folder: 'ETH_USDT_USDT', day: '2026-05-29', from: Date.parse('2026-05-29T10:00:00Z'), to: Date.parse('2026-05-29T12:00:00Z') };

// the page's globals, inside page.evaluate (this project's types have no DOM library)
declare const window: Record<string, unknown> & { scrollTo(x: number, y: number): void };
declare const document: { elementFromPoint(x: number, y: number): { tagName: string } | null };
interface Box { getBoundingClientRect(): { left: number; top: number }; scrollIntoView(o: object): void }

type Cell = [number, number, number, number, number, number, number | null, number | null, number];

describe.skipIf(!existsSync(CHROMIUM))(`the report page in chromium (needs ${CHROMIUM}: apt-get install chromium)`, () => {
  let sim: RunningSim;
  let dir: string;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  let db: Awaited<ReturnType<Awaited<ReturnType<typeof DuckDBInstance.create>>['connect']>>;

  beforeAll(async () => {
    sim = await startSim({ port: 0, now: NOW, seed: 4, universe: true });
    dir = await tempDir('qml-report-');
    const c = await runBinary(['collect', '--size', '8', '--days', '10', '--datasets', 'ohlcv,funding,open-interest,long-short-top-positions', '--timeframes', '5m', ...simArgs(sim.url, dir)]);
    expect(c.code, c.stderr).toBe(0);
    // another tool rewrites one store without two hours of one day
    db = await (await DuckDBInstance.create(':memory:')).connect();
    const store = join(dir, 'binance', CUT.folder, 'open-interest_5m.parquet');
    await db.run(`COPY (SELECT * FROM read_parquet('${store}') WHERE NOT (epoch_ms(time) >= ${CUT.from} AND epoch_ms(time) < ${CUT.to})) TO '${store}.duck' (FORMAT parquet)`);
    await rename(`${store}.duck`, store);
    const out = join(dir, 'page.html');
    const r = await runBinary(['report', '--data-dir', dir, '--out', out, '--symbol', 'BTC/USDT:USDT', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).path).toBe(out);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.stack ?? e.message));
    // no network: any request other than the file itself fails the page
    await page.route((url) => !url.protocol.startsWith('file'), (route) => { errors.push(`network request ${route.request().url()}`); return route.abort(); });
    await page.goto(`file://${out}`);
    await page.waitForFunction(() => (window as unknown as { qmlReport?: { ready?: boolean } }).qmlReport?.ready === true, null, { timeout: 60_000 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await sim?.close();
  });

  it('opens with no console error and no network request', () => {
    expect(errors).toEqual([]);
  });

  it('has one heatmap row per store file in the folder', async () => {
    const files: string[] = [];
    for (const sym of await readdir(join(dir, 'binance'), { withFileTypes: true })) {
      if (!sym.isDirectory() || sym.name === 'universe') continue;
      for (const f of await readdir(join(dir, 'binance', sym.name))) if (f.endsWith('.parquet')) files.push(`${sym.name}/${f}`);
    }
    expect(files.length).toBe(8 * 4);
    const rows = await page.evaluate(() => {
      const r = (window as unknown as { qmlReport: { coverage: Record<string, { getOption(): { yAxis: { data: string[] }[] } }>; data: { coverage: { dataset: string; rows: { path: string }[] }[] } } }).qmlReport;
      return Object.entries(r.coverage).map(([dataset, chart]) => ({ dataset, labels: chart.getOption().yAxis[0]!.data, paths: r.data.coverage.find((s) => s.dataset === dataset)!.rows.map((x) => x.path) }));
    });
    const drawn = rows.flatMap((r) => r.labels);
    expect(drawn.length).toBe(files.length);
    expect(rows.flatMap((r) => r.paths).map((p) => p.slice(join(dir, 'binance').length + 1)).sort()).toEqual(files.sort());
  });

  it('shows the cut as a gap at that store and day, and no gap anywhere else; a click names the missing span', async () => {
    const cells = await page.evaluate(() => {
      const r = (window as unknown as { qmlReport: { coverage: Record<string, { getOption(): { yAxis: { data: string[] }[]; xAxis: { data: string[] }[]; series: { data: number[][] }[] } }> } }).qmlReport;
      return Object.entries(r.coverage).map(([dataset, chart]) => {
        const o = chart.getOption();
        return { dataset, labels: o.yAxis[0]!.data, days: o.xAxis[0]!.data, cells: o.series[0]!.data };
      });
    });
    const gaps = cells.flatMap((s) => (s.cells as Cell[]).filter((c) => c[3] === 1).map((c) => ({ dataset: s.dataset, label: s.labels[c[1]], day: s.days[c[0]], cell: c })));
    expect(gaps.map((g) => [g.dataset, g.label, g.day])).toEqual([['open-interest', `${CUT.symbol} 5m`, CUT.day]]);
    const cell = gaps[0]!.cell;
    expect([cell[4], cell[5], cell[6], cell[7]]).toEqual([288 - 24, 288, CUT.from, CUT.to - 300_000]);
    // every store has cells from its first day: the page shows more than the cut
    expect(cells.every((s) => s.cells.length > 0)).toBe(true);
    // a click on the cell, where the chart draws it (the chart scrolled to the middle of the window)
    const at = await page.evaluate(({ x, y }) => {
      const chart = (window as unknown as { qmlReport: { coverage: Record<string, { convertToPixel(f: object, v: number[]): number[]; getDom(): Box }> } }).qmlReport.coverage['open-interest']!;
      chart.getDom().scrollIntoView({ block: 'center' });
      const [px, py] = chart.convertToPixel({ seriesIndex: 0 }, [x, y]);
      const box = chart.getDom().getBoundingClientRect();
      return { x: box.left + px!, y: box.top + py! };
    }, { x: cell[0], y: cell[1] });
    const shown = await page.evaluate(({ x, y }) => {
      const e = document.elementFromPoint(x, y);
      return e?.tagName;
    }, at);
    expect(shown).toBe('CANVAS');
    await page.mouse.click(at.x, at.y);
    const detail = await page.textContent('#cell-detail');
    expect(detail).toContain(`open-interest · ${CUT.symbol} 5m`);
    expect(detail).toContain(`${CUT.day}: 264 of 288 rows`);
    expect(detail).toContain(`missing: first ${new Date(CUT.from).toISOString().replace('.000Z', 'Z')}, last ${new Date(CUT.to - 300_000).toISOString().replace('.000Z', 'Z')}`);
  });

  it('draws the stores\' values: candles, funding, open interest and the long/short ratio at sampled times', async () => {
    const series = await page.evaluate(() => {
      const chart = (window as unknown as { qmlReport: { values: { getOption(): { series: { name: string; data: (number | null)[][] }[] } } } }).qmlReport.values;
      return chart.getOption().series.map((s) => ({ name: s.name, data: s.data }));
    });
    const byName = new Map(series.map((s) => [s.name, s.data]));
    const read = async (file: string, cols: string) => (await db.runAndReadAll(`SELECT epoch_ms(time)::DOUBLE, ${cols} FROM read_parquet('${join(dir, 'binance', 'BTC_USDT_USDT', file)}') ORDER BY time`)).getRows().map((r) => r.map(Number));
    const checks: [string, string, string, (row: number[]) => (number | null)[]][] = [
      ['ohlcv candles', '5m_master.parquet', 'Open, Close, Low, High', (r) => r],
      ['ohlcv volume', '5m_master.parquet', 'Volume', (r) => r],
      ['funding rate', 'funding.parquet', 'funding_rate', (r) => r],
      ['open-interest contracts', 'open-interest_5m.parquet', 'sum_open_interest', (r) => r],
      ['open-interest value', 'open-interest_5m.parquet', 'sum_open_interest_value', (r) => r],
      ['long-short-top-positions ratio', 'long-short-top-positions_5m.parquet', 'long_short_ratio', (r) => r],
    ];
    for (const [name, file, cols, shape] of checks) {
      const drawn = byName.get(name);
      expect(drawn, name).toBeDefined();
      const stored = await read(file, cols);
      const window0 = stored.filter((r) => r[0]! >= drawn![0]![0]!);
      expect(drawn!.length, name).toBe(window0.length);
      const at = new Map(drawn!.map((p) => [p[0], p]));
      for (let i = 0; i < window0.length; i += Math.max(1, Math.floor(window0.length / 25))) {
        expect(at.get(window0[i]![0]!), `${name} at ${new Date(window0[i]![0]!).toISOString()}`).toEqual(shape(window0[i]!));
      }
    }
  });

  it('writes a screenshot of each section', async () => {
    await mkdir(SHOTS, { recursive: true });
    for (const id of ['coverage', 'health', 'universe', 'collector', 'values']) {
      const section = await page.$(`#${id}`);
      expect(section, id).not.toBeNull();
      expect((await section!.boundingBox())!.height, id).toBeGreaterThan(60);
      await section!.screenshot({ path: join(SHOTS, `${id}.png`) });
    }
    for (const id of ['coverage', 'health', 'universe', 'collector', 'values']) expect(existsSync(join(SHOTS, `${id}.png`)), id).toBe(true);
  });
});
