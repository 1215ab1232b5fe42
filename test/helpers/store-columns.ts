import { expect } from 'vitest';
import { DATASETS } from '../../src/datasets/registry.js';
import { storePath } from '../../src/store/store-path.js';
import { readStoreColumns } from '../../src/store/store-read.js';

/** Every column of a dataset's store, as plain arrays (the values, not the file's layout); never empty. */
export async function columnsOf(dataset: string, dir: string, symbol: string, timeframe = '1h'): Promise<Record<string, number[]>> {
  const d = DATASETS.find((x) => x.name === dataset)!;
  const { columns } = await readStoreColumns(d, storePath(dir, 'binance', d, symbol, d.perTimeframe ? timeframe : undefined), d.columns.map((c) => c.key));
  expect(Object.keys(columns).sort()).toEqual(d.columns.map((c) => c.key).sort());
  expect(columns['time']!.length).toBeGreaterThan(0);
  return Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, Array.from(v!)]));
}

/**
 * Every store of every dataset under a data folder, by its path inside the folder: its columns as plain
 * arrays (NaN as null), to compare two folders' data whatever their footers' write times.
 */
export async function allStoreColumns(dir: string): Promise<Record<string, Record<string, (number | null)[]>>> {
  const { listStores } = await import('../../src/store/store-read.js');
  const out: Record<string, Record<string, (number | null)[]>> = {};
  for (const ref of await listStores(dir, DATASETS)) {
    const d = DATASETS.find((x) => x.name === ref.dataset)!;
    const { columns } = await readStoreColumns(d, ref.path, d.columns.map((c) => c.key));
    out[ref.path.slice(dir.length + 1)] = Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, Array.from(v!, (x) => (Number.isNaN(x) ? null : x))]));
  }
  return out;
}
