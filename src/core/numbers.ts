/**
 * Numbers as exchanges send them: JSON numbers, or decimal text. An empty string, `null`, a missing field
 * or text that is not a number is *missing* (NaN in memory, null on disk), never 0: `Number("")` is 0,
 * which is how a missing mark price once became a price of zero.
 */
export function numberOrNaN(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return NaN;
  const t = v.trim();
  if (t === '') return NaN;
  const n = Number(t);
  return Number.isNaN(n) ? NaN : n;
}
