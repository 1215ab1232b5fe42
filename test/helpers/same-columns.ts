import { expect } from 'vitest';

type Columns = Readonly<Record<string, ArrayLike<number> | undefined>>;

/**
 * Two frames hold the same columns with the same values, exactly (NaN equal to NaN, -0 not 0): a linear
 * scan, where `toEqual` on arrays of 100k numbers spends seconds. A difference names the column, the row
 * and both values.
 */
export function expectSameColumns(got: Columns, want: Columns, what = 'frame'): void {
  expect(Object.keys(got).sort(), `${what}: columns`).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) {
    const a = got[k]!;
    const b = want[k]!;
    expect(a.length, `${what}: rows of ${k}`).toBe(b.length);
    for (let i = 0; i < b.length; i++) {
      if (!Object.is(a[i], b[i])) expect(`${k}[${i}] = ${a[i]}`, what).toBe(`${k}[${i}] = ${b[i]}`);
    }
  }
}
