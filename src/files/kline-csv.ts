import type { CandleFrame } from '../core/frame.js';

/**
 * A kline archive CSV (the 12-column layout of exchange archives: open time, open, high, low, close, volume, …; a header row or
 * none; times in ms, or µs in spot files from 2025), parsed from its bytes into columns at the speed of
 * the machine. Only the strict shape is taken: rows in ascending time, no duplicate, every field a plain
 * decimal. Anything else returns undefined, and the caller reads the file with the general parser
 * (parse-candles.ts), which sorts, dedupes and reports.
 */
export function parseKlineCsv(bytes: Uint8Array): CandleFrame | undefined {
  const n = bytes.length;
  let at = 0;
  // a header row: skip it
  if (n > 0 && (bytes[0]! < 0x30 || bytes[0]! > 0x39)) {
    while (at < n && bytes[at] !== 0x0a) at++;
    at++;
  }
  // line ends found by indexOf (memchr), many times faster than a byte loop in JavaScript
  let rows = 0;
  for (let i = bytes.indexOf(0x0a, at); i >= 0; i = bytes.indexOf(0x0a, i + 1)) rows++;
  if (n > at && bytes[n - 1] !== 0x0a) rows++;
  const time = new Float64Array(rows);
  const cols = [new Float64Array(rows), new Float64Array(rows), new Float64Array(rows), new Float64Array(rows), new Float64Array(rows)];
  let r = 0;
  let pos = at;
  const field = { value: 0 };
  while (pos < n && r < rows) {
    if (bytes[pos] === 0x0a || bytes[pos] === 0x0d) { pos++; continue; }
    // open time, then the five values
    pos = decimal(bytes, pos, field);
    if (pos < 0 || bytes[pos] !== 0x2c) return undefined;
    // milliseconds, or microseconds from 1e14 on (the general parser's rule); seconds or nanoseconds: not this shape
    if (field.value < 1e11 || field.value >= 1e17) return undefined;
    const t = field.value >= 1e14 ? field.value / 1000 : field.value;
    if (!Number.isInteger(t) || (r > 0 && t <= time[r - 1]!)) return undefined;
    time[r] = t;
    for (let c = 0; c < 5; c++) {
      pos = decimal(bytes, pos + 1, field);
      if (pos < 0 || (bytes[pos] !== 0x2c && c < 4)) return undefined;
      cols[c]![r] = field.value;
    }
    // the rest of the line (close time, quote volume, trades, taker volumes, ignore)
    const end = bytes.indexOf(0x0a, pos);
    pos = end < 0 ? n : end;
    r++;
  }
  const [open, high, low, close, volume] = cols.map((c) => (r === rows ? c : c.slice(0, r))) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  return { time: r === rows ? time : time.slice(0, r), open, high, low, close, volume };
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * A plain decimal (`-12.3400`) from `pos`: its value in `out.value`, the position after it, or -1 when the
 * field is not a plain decimal. Exact: digits up to 2^53 divided by a power of ten up to 10^22 are both
 * exact doubles, and one division rounds correctly (the fast path of Clinger's algorithm); longer fields
 * are read by Number(), which is exact too.
 */
function decimal(b: Uint8Array, pos: number, out: { value: number }): number {
  const start = pos;
  const negative = b[pos] === 0x2d;
  if (negative) pos++;
  let mantissa = 0;
  let digits = 0;
  let scale = -1;
  for (; pos < b.length; pos++) {
    const c = b[pos]!;
    if (c >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      digits++;
      if (scale >= 0) scale++;
    } else if (c === 0x2e && scale < 0) scale = 0;
    else break;
  }
  if (digits === 0) return -1;
  const k = Math.max(0, scale);
  if (mantissa <= Number.MAX_SAFE_INTEGER && k <= 22) {
    const v = k === 0 ? mantissa : mantissa / POW10[k]!;
    out.value = negative ? -v : v;
  } else {
    let s = '';
    for (let i = start; i < pos; i++) s += String.fromCharCode(b[i]!);
    out.value = Number(s);
  }
  return pos;
}
