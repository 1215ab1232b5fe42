import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBinary } from '../helpers/cli.js';
import { ROOT } from '../helpers/fixtures.js';

/** The text between `<!-- venues:<name> … -->` and `<!-- /venues:<name> -->` in a doc. */
function section(file: string, name: string): string {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const m = new RegExp(`<!-- venues:${name}[^>]*-->\\n([\\s\\S]*?)\\n<!-- /venues:${name} -->`).exec(text);
  expect(m, `${file} has no venues:${name} section`).not.toBeNull();
  return m![1]!.trim();
}

describe('the venues tables of the docs', () => {
  it('are what `qml-data venues --markdown` prints from the venue profiles (docs/venues.md: datasets × venues, and a row per venue and dataset)', async () => {
    const r = await runBinary(['venues', '--markdown']);
    expect(r.code, r.stderr).toBe(0);
    const [matrix, table] = r.stdout.trim().split('\n\n');
    expect(matrix).toContain('| dataset | Binance | Bybit | OKX |');
    expect(section('docs/venues.md', 'matrix')).toBe(matrix);
    expect(section('docs/venues.md', 'table')).toBe(table);
  });

  it('`venues --json` lists every venue with the datasets it serves, and a dataset it does not serve is refused naming both', async () => {
    const r = await runBinary(['venues', '--json']);
    const rows = JSON.parse(r.stdout) as { venue: string; datasets: { dataset: string }[] }[];
    expect(rows.map((v) => v.venue)).toEqual(['binance', 'bybit', 'okx']);
    const bybit = rows.find((v) => v.venue === 'bybit')!.datasets.map((d) => d.dataset);
    expect(bybit).not.toContain('taker-volume');
    const refused = await runBinary(['build', '--exchange', 'bybit', '--symbol', 'BTC/USDT:USDT', '--datasets', 'taker-volume', '--data-dir', '/nonexistent-qml', '--dry-run']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/taker-volume: Bybit does not serve it/);
  });
});

describe('the depth of history a venue serves, as the tables say it', () => {
  it('reads the same at any time of day (a rolling window is whole days, not rounded from the clock)', async () => {
    const { venueRows } = await import('../../src/exchange/venue-table.js');
    const { allVenues } = await import('../../src/exchange/venue.js');
    for (const v of allVenues()) {
      const id = v.id;
      const at = (iso: string) => venueRows(v, Date.parse(iso)).datasets.map((d) => d.depth);
      const midnight = at('2026-12-05T00:00:00.001Z');
      expect(at('2026-12-05T11:59:59Z'), id).toEqual(midnight);
      expect(at('2026-12-05T12:00:01Z'), id).toEqual(midnight);
      expect(at('2026-12-05T23:59:59Z'), id).toEqual(midnight);
    }
  });
});
