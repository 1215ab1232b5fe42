import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/fixtures.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('the no-row-loss check cannot be bypassed', () => {
  it('only the store writer encodes and atomically replaces store files; nothing else writes Parquet', () => {
    const callers = sources(join(ROOT, 'src'))
      .filter((f) => /\b(writeFileAtomic|writePrefixedFileAtomic|encodeSeries|encodeByLibrary|encodeFrameFast|appendedBytes|parquetWrite)\s*\(/.test(readFileSync(f, 'utf8').replace(/export (async )?function \w+\(/g, '')))
      .map((f) => relative(ROOT, f));
    // parquet-codec.ts calls hyparquet's parquetWrite or the own encoder (parquet-encode.ts) inside
    // encodeSeries, parquet-append.ts encodes the
    // appended row groups with it; store-writer.ts is the one caller of both and of the atomic writes,
    // and every store write goes through its checked replace or extend. documents.ts and json-file.ts write the
    // documents kept beside the stores (universe, collector status, learned limits) and the report page, never a store.
    expect(callers.sort()).toEqual(['src/store/documents.ts', 'src/store/json-file.ts', 'src/store/parquet-append.ts', 'src/store/parquet-codec.ts', 'src/store/store-writer.ts']);
    for (const f of ['src/store/json-file.ts', 'src/store/documents.ts']) expect(readFileSync(join(ROOT, f), 'utf8')).not.toMatch(/parquet|encodeSeries/i);
  });
});
