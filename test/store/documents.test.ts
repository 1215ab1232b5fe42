import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDocument, documentNames, readDocument } from '../../src/store/documents.js';
import { readCurrentUniverse, writeUniverse } from '../../src/store/universe-files.js';
import { tempDir } from '../helpers/cli.js';

/** The small documents beside the stores (universe, collector status), as several collectors share them. */
describe('documents in a data folder', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  it('a create-only write: of many writers creating one document at once exactly one wins, and its bytes stay', async () => {
    const dir = await tempDir('qml-docs-');
    const path = join(dir, 'binance', 'universe', '2026-12-05.json');
    const won = await Promise.all(Array.from({ length: 8 }, (_, i) => createDocument(path, bytes(`writer ${i}`))));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await readFile(path, 'utf8')).toBe(`writer ${won.indexOf(true)}`);
    // nothing else left in the folder (no temp files)
    expect(await readdir(join(dir, 'binance', 'universe'))).toEqual(['2026-12-05.json']);
    expect(await documentNames(join(dir, 'binance', 'universe'))).toEqual(['2026-12-05.json']);
    expect(await readDocument(join(dir, 'none.json'))).toBeUndefined();
    expect(await documentNames(join(dir, 'nowhere'))).toEqual([]);
  });

  it('a shared universe: the second collector to refresh on a day adopts the first one\'s snapshot, members and all', async () => {
    const dir = await tempDir('qml-docs-');
    const first = { date: '2026-12-05', createdAt: '2026-12-05T00:15:00.000Z', members: [{ market: 'BTC/USDT:USDT' }] };
    const second = { date: '2026-12-05', createdAt: '2026-12-05T00:15:02.000Z', members: [{ market: 'ETH/USDT:USDT' }] };
    expect(await writeUniverse(dir, 'binance', first, { shared: true })).toEqual(first);
    expect(await writeUniverse(dir, 'binance', second, { shared: true })).toEqual(first);
    expect(await readCurrentUniverse(dir, 'binance')).toEqual(first);
    // a lone collector (not shared) keeps its own refresh, as before
    expect(await writeUniverse(dir, 'binance', second)).toEqual(second);
    expect(await readCurrentUniverse(dir, 'binance')).toEqual(second);
  });
});
