import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { runBinary, simArgs, tempDir } from '../helpers/cli.js';

/** `qml-data report` through the binary: the page it writes needs no network; its mistakes are one line each. */
const NOW = Date.parse('2026-06-01T05:00:00Z');
let sim: RunningSim;
let dir: string;
beforeAll(async () => {
  sim = await startSim({ port: 0, now: NOW, seed: 2, symbols: ['BTC/USDT', 'ETH/USDT'] });
  dir = await tempDir('qml-report-cmd-');
  const b = await runBinary(['build', '--symbol', 'BTC/USDT:USDT,ETH/USDT', '--timeframes', '1h', '--days', '5', ...simArgs(sim.url, dir)]);
  expect(b.code, b.stderr).toBe(0);
}, 60_000);
afterAll(async () => { await sim.close(); });

describe('qml-data report', () => {
  it('writes one page with everything inline: no script, style or image from elsewhere; prints its path', async () => {
    const r = await runBinary(['report', '--data-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    const path = join(dir, 'report.html');
    expect(r.stdout).toContain(`report: ${path}`);
    const html = await readFile(path, 'utf8');
    // the markup around the inline scripts loads nothing (the browser test also refuses any request)
    const markup = html.replace(/(<script[^>]*>)[\s\S]*?(<\/script>)/g, '$1$2');
    expect(markup.match(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|url\(\s*['"]?https?:/gi) ?? []).toEqual([]);
    expect((markup.match(/<script/g) ?? []).length).toBe(3);
    expect(html).toContain('echarts');
    const data = JSON.parse(/<script id="report-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!) as { coverage: { dataset: string; rows: unknown[] }[] };
    expect(data.coverage.map((c) => [c.dataset, c.rows.length])).toEqual([['ohlcv', 2]]);
  });

  it('--open where there is no desktop says so and still prints the path', async () => {
    const r = await runBinary(['report', '--data-dir', dir, '--out', join(dir, 'open.html'), '--open'], { DISPLAY: '', WAYLAND_DISPLAY: '', QML_LOG_LEVEL: 'warn' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(join(dir, 'open.html'));
    if (process.platform === 'linux') expect(r.stderr).toMatch(/no desktop here/);
  });

  it('a mistake is one line naming the input: a folder with no stores (1), a bad --days (2), --days with --since (2)', async () => {
    const empty = await tempDir('qml-report-empty-');
    const cases: [string[], number, RegExp][] = [
      [['report', '--data-dir', empty], 1, /no stores in /],
      [['report', '--data-dir', dir, '--days', '0'], 2, /--days "0" must be a number greater than 0/],
      [['report', '--data-dir', dir, '--days', '3', '--since', '2026-05-01'], 2, /give only one of --days, --since/],
      [['report', '--data-dir', join(dir, 'nope')], 2, /is not a folder/],
    ];
    for (const [args, code, message] of cases) {
      const r = await runBinary(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});
