import { ExchangeError } from '../core/errors.js';

/** A CSV with a header row: its non-empty lines (the header first) and a column's index by name (an error naming the file when absent). */
export function headedCsv(text: string, name: string): { lines: string[]; at: (col: string) => number } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(',');
  return {
    lines,
    at: (col) => {
      const i = header.indexOf(col);
      if (i < 0) throw new ExchangeError(`${name}: no column ${col} (header: ${lines[0] ?? 'none'})`);
      return i;
    },
  };
}
