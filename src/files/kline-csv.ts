import type { BufferPool } from '../core/buffer-pool.js';
import type { CandleFrame } from '../core/frame.js';

const NL = 0x0a;
const NO_BYTES = new Uint8Array(0);

/**
 * A kline archive CSV (the 12-column layout of exchange archives: open time, open, high, low, close, volume, …; a header row or
 * none; times in ms, or µs in spot files from 2025), parsed from its bytes into columns at the speed of
 * the machine. Only the strict shape is taken: rows in ascending time, no duplicate, every field a plain
 * decimal. Anything else returns undefined, and the caller reads the file with the general parser
 * (parse-candles.ts), which sorts, dedupes and reports.
 *
 * The bytes come piece by piece, as an inflating zip hands them out (a whole file is one piece): no
 * buffer the size of the file is ever made. `push` a piece (false: the file is not the strict shape, stop);
 * `finish` once all are in. A line cut between two pieces is joined in a small buffer of its own.
 */
export class KlineCsvReader {
  private time = new Float64Array(0);
  private cols: Float64Array[] = [];
  private rows = 0;
  private seen = 0;
  private header: 'unknown' | 'skipping' | 'done' = 'unknown';
  private carry: Uint8Array = NO_BYTES;
  private failed = false;
  private readonly field = { value: 0 };

  /**
   * `totalBytes`: the file's size when known (a zip's directory gives it), to size the columns once.
   * `pool`: the six columns lie in one buffer lent by it (the candles' owner gives it back, core/buffer-pool.ts).
   */
  constructor(private readonly totalBytes = 0, private readonly pool?: BufferPool) {}

  push(piece: Uint8Array): boolean {
    if (this.failed) return false;
    this.seen += piece.length;
    let at = 0;
    if (this.header === 'unknown' && piece.length > 0) this.header = piece[0]! < 0x30 || piece[0]! > 0x39 ? 'skipping' : 'done';
    if (this.header === 'skipping') {
      const end = piece.indexOf(NL);
      if (end < 0) return true;
      this.header = 'done';
      at = end + 1;
    }
    const last = piece.lastIndexOf(NL);
    if (last < at) {
      this.carry = joined(this.carry, piece.subarray(at));
      return true;
    }
    this.reserve(piece, at, last);
    if (this.carry.length > 0) {
      // the line the last piece cut: its start, kept, and its end, here
      const end = piece.indexOf(NL, at);
      if (!this.lines(joined(this.carry, piece.subarray(at, end + 1)))) return this.fail();
      this.carry = NO_BYTES;
      at = end + 1;
    }
    if (!this.lines(piece.subarray(at, last + 1))) return this.fail();
    this.carry = last + 1 < piece.length ? piece.slice(last + 1) : NO_BYTES;
    return true;
  }

  /** The candles; undefined when the file was not the strict shape. */
  finish(): CandleFrame | undefined {
    if (this.failed) return undefined;
    if (this.carry.length > 0) {
      // a last line without its line end
      const line = joined(this.carry, Uint8Array.of(NL));
      this.reserveRows(this.rows + 1);
      if (!this.lines(line)) return undefined;
      this.carry = NO_BYTES;
    }
    const r = this.rows;
    // views: sized from an estimate, the columns may be a little longer than the rows (no copy is made)
    const cut = (c: Float64Array) => (c.length === r ? c : c.subarray(0, r));
    if (this.cols.length === 0) this.reserveRows(0);
    const [open, high, low, close, volume] = this.cols.map(cut) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    return { time: cut(this.time), open, high, low, close, volume };
  }

  private fail(): false {
    this.failed = true;
    // not the strict shape: the columns are never handed out
    this.pool?.give(this.time);
    this.time = new Float64Array(0);
    this.cols = [];
    return false;
  }

  /**
   * Room for every line of this piece (line ends counted by indexOf, which is memchr) and, when the whole
   * size is known, for the lines still to come at this piece's bytes per line.
   */
  private reserve(piece: Uint8Array, from: number, last: number): void {
    let lines = 0;
    for (let i = piece.indexOf(NL, from); i >= 0 && i <= last; i = piece.indexOf(NL, i + 1)) lines++;
    // the file's last piece: a last line without its line end is a row too
    if (this.totalBytes > 0 && this.seen >= this.totalBytes && last + 1 < piece.length) lines++;
    const need = this.rows + lines;
    if (need <= this.time.length) return;
    const rest = this.totalBytes - this.seen;
    const ahead = rest > 0 && lines > 0 ? Math.ceil(rest / (piece.length / lines) * 1.02) + 1 : 0;
    this.reserveRows(Math.max(need + ahead, Math.ceil(this.time.length * 1.5)));
  }

  private reserveRows(n: number): void {
    if (this.cols.length > 0 && n <= this.time.length) return;
    // the six columns side by side in one buffer
    const buf = this.pool ? this.pool.take(6 * 8 * n) : new ArrayBuffer(6 * 8 * n);
    const grow = (c: Float64Array | undefined, k: number) => {
      const next = new Float64Array(buf, k * 8 * n, n);
      if (c && this.rows > 0) next.set(c.subarray(0, this.rows));
      return next;
    };
    const old = this.time;
    this.time = grow(this.time, 0);
    this.cols = [0, 1, 2, 3, 4].map((i) => grow(this.cols[i], i + 1));
    // the old columns were this reader's alone (no view of them has left it)
    this.pool?.give(old);
  }

  /** Whole lines (the last ends with a line end) into the columns; false when one is not the strict shape. */
  private lines(b: Uint8Array): boolean {
    const n = b.length;
    const time = this.time;
    const cols = this.cols;
    const field = this.field;
    let r = this.rows;
    let pos = 0;
    while (pos < n) {
      if (b[pos] === NL || b[pos] === 0x0d) { pos++; continue; }
      // open time, then the five values
      pos = decimal(b, pos, field);
      if (pos < 0 || b[pos] !== 0x2c) return false;
      // milliseconds, or microseconds from 1e14 on (the general parser's rule); seconds or nanoseconds: not this shape
      if (field.value < 1e11 || field.value >= 1e17) return false;
      const t = field.value >= 1e14 ? field.value / 1000 : field.value;
      if (!Number.isInteger(t) || (r > 0 && t <= time[r - 1]!)) return false;
      time[r] = t;
      for (let c = 0; c < 5; c++) {
        pos = decimal(b, pos + 1, field);
        // open, high, low and close end at a comma; volume may end the line
        if (pos < 0 || (c < 4 && b[pos] !== 0x2c)) return false;
        cols[c]![r] = field.value;
      }
      // the rest of the line (close time, quote volume, trades, taker volumes, ignore)
      const end = b.indexOf(NL, pos);
      pos = end < 0 ? n : end + 1;
      r++;
    }
    this.rows = r;
    return true;
  }
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
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
