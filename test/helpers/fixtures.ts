import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { frameFromRows, type CandleFrame } from '../../src/core/frame.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
const SHARED = join(ROOT, '..', 'shared', 'fixtures');

/** A committed fixture's path. */
export function fixture(name: string): string {
  return join(FIXTURES, name);
}

/** A file of ../shared/fixtures, or undefined when that folder is not beside the project. */
export function shared(relative: string): string | undefined {
  const p = join(SHARED, relative);
  return existsSync(p) ? p : undefined;
}

export function readFreqtrade(path: string): CandleFrame {
  return frameFromRows(JSON.parse(readFileSync(path, 'utf8')) as number[][]);
}

/** `time,atr` CSV of reference ATR values → map open time → ATR. */
export function readAtrCsv(path: string): Map<number, number> {
  const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  return new Map(lines.map((l) => {
    const [t, v] = l.split(',');
    return [Number(t), Number(v)];
  }));
}
