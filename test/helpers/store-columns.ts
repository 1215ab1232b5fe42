import { expect } from 'vitest';
import { DATASETS } from '../../src/datasets/registry.js';
import { storePath } from '../../src/store/store-path.js';
import { readStoreColumns } from '../../src/store/store-read.js';

/** Every column of a dataset's store, as plain arrays (the values, not the file's layout); never empty. */
export async function columnsOf(dataset: string, dir: string, symbol: string, timeframe = '1h'): Promise<Record<string, number[]>> {
  const d = DATASETS.find((x) => x.name === dataset)!;
  const { columns } = await readStoreColumns(d, storePath(dir, d, symbol, d.perTimeframe ? timeframe : undefined), d.columns.map((c) => c.key));
  expect(Object.keys(columns).sort()).toEqual(d.columns.map((c) => c.key).sort());
  expect(columns['time']!.length).toBeGreaterThan(0);
  return Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, Array.from(v!)]));
}
