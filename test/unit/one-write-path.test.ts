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
      .filter((f) => /\b(writeFileAtomic|encodeMaster|parquetWrite)\s*\(/.test(readFileSync(f, 'utf8').replace(/export (async )?function \w+\(/g, '')))
      .map((f) => relative(ROOT, f));
    // master-parquet.ts calls hyparquet's parquetWrite inside encodeMaster; store-writer.ts is the one
    // caller of encodeMaster and writeFileAtomic, and every store write goes through its checked replace.
    expect(callers.sort()).toEqual(['src/store/master-parquet.ts', 'src/store/store-writer.ts']);
  });
});
