/**
 * Text columns in columnar frames. A frame holds one Float64Array per column; a text column holds the
 * code of each value in one table for the whole process, NaN for a missing value. Equal texts have equal
 * codes, so frames are concatenated, sorted, sliced and compared as any other column, and the store
 * writes the texts themselves. The values are few and repeat (symbols, sides, statuses).
 */
const codes = new Map<string, number>();
const texts: string[] = [];

/** The code of a text (a new one the first time it is seen). */
export function textCode(text: string): number {
  let c = codes.get(text);
  if (c === undefined) {
    c = texts.length;
    texts.push(text);
    codes.set(text, c);
  }
  return c;
}

/** The text of a code; undefined for NaN (missing). */
export function textOf(code: number): string | undefined {
  return Number.isNaN(code) ? undefined : texts[code];
}

/** A column of texts (undefined or null: missing) as codes. */
export function textColumn(values: readonly (string | null | undefined)[]): Float64Array {
  return Float64Array.from(values, (v) => (v === undefined || v === null ? NaN : textCode(v)));
}
