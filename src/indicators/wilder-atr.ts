/**
 * Average True Range with Wilder smoothing, in TA-Lib's convention (ta_ATR.c):
 *   TR[i] = max(H[i] − L[i], |H[i] − C[i−1]|, |L[i] − C[i−1]|) for i ≥ 1 (bar 0 has no TR);
 *   ATR[0..period−1] = NaN (warm-up);
 *   ATR[period] = mean(TR[1..period]);
 *   ATR[i] = (ATR[i−1]·(period−1) + TR[i]) / period.
 * The operations are done in TA-Lib's order so results are bit-identical to it.
 */
export function wilderAtr(high: Float64Array, low: Float64Array, close: Float64Array, period: number): Float64Array {
  const n = high.length;
  const atr = new Float64Array(n).fill(NaN);
  if (!Number.isInteger(period) || period < 1 || n <= period) return atr;
  let sum = 0;
  for (let i = 1; i <= period; i++) sum += trueRange(high, low, close, i);
  let prev = sum / period;
  atr[period] = prev;
  for (let i = period + 1; i < n; i++) {
    prev = (prev * (period - 1) + trueRange(high, low, close, i)) / period;
    atr[i] = prev;
  }
  return atr;
}

/** True range of bar i (i ≥ 1), in TA-Lib's order of operations. */
export function trueRange(high: Float64Array, low: Float64Array, close: Float64Array, i: number): number {
  const h = high[i]!;
  const l = low[i]!;
  const c = close[i - 1]!;
  let tr = h - l;
  const up = Math.abs(c - h);
  if (up > tr) tr = up;
  const down = Math.abs(l - c);
  if (down > tr) tr = down;
  return tr;
}

/**
 * Wilder ATR of rows `from`…n−1, continuing the recurrence from `prev`, the ATR of row from−1 (rows
 * before `from` are NaN in the result). The same operations as wilderAtr, so a series extended this
 * way is bit-identical to wilderAtr over the whole series: appending needs only the last stored row.
 */
export function continueWilderAtr(high: Float64Array, low: Float64Array, close: Float64Array, period: number, from: number, prev: number): Float64Array {
  const atr = new Float64Array(high.length).fill(NaN);
  let a = prev;
  for (let i = Math.max(from, 1); i < high.length; i++) {
    a = (a * (period - 1) + trueRange(high, low, close, i)) / period;
    atr[i] = a;
  }
  return atr;
}
