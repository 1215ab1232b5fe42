import { nextOpen, type Timeframe } from '../../core/timeframe.js';
import type { BaseBars } from '../base-bars.js';

const SCALE = Array.from({ length: 9 }, (_, d) => 10 ** d);
const QUOTE = 0x22;
const COMMA = 0x2c;

/**
 * Binance's kline page as JSON bytes: `[[openTime,"open","high","low","close","volume",closeTime,
 * "quoteVolume",trades,"takerBase","takerQuote","0"],...]`. Digits are written by hand because
 * number-to-string conversion would otherwise be most of the simulator's time.
 */
export function klinePageBytes(b: BaseBars, tf: Timeframe, priceDecimals: number, priceOnly = false): Buffer {
  // a price-only series (mark, index, premium) prints "0" where a traded kline has its volumes
  const qty = (w: ByteSink, v: number) => (priceOnly ? w.ascii('"0"') : w.fixed(v, 8));
  const w = new ByteSink(b.time.length * 200 + 2);
  w.byte(0x5b);
  for (let i = 0; i < b.time.length; i++) {
    // the widest row is under 400 bytes: room is made once a row, not once a byte
    w.reserve(400);
    if (i > 0) w.byte(COMMA);
    const t = b.time[i]!;
    w.byte(0x5b);
    w.int(t);
    w.byte(COMMA); w.fixed(b.open[i]!, priceDecimals);
    w.byte(COMMA); w.fixed(b.high[i]!, priceDecimals);
    w.byte(COMMA); w.fixed(b.low[i]!, priceDecimals);
    w.byte(COMMA); w.fixed(b.close[i]!, priceDecimals);
    w.byte(COMMA); qty(w, b.volume[i]!);
    w.byte(COMMA); w.int((tf.calendarMonth ? nextOpen(tf, t) : t + tf.ms) - 1);
    w.byte(COMMA); qty(w, b.quoteVolume[i]!);
    w.byte(COMMA); w.int(b.trades[i]!);
    w.byte(COMMA); qty(w, b.takerBase[i]!);
    w.byte(COMMA); qty(w, b.takerQuote[i]!);
    w.ascii(',"0"]');
  }
  w.reserve(1);
  w.byte(0x5d);
  return w.done();
}

function digitCount(k: number): number {
  let n = 1;
  while (n < 16 && k >= SCALE16[n]!) n++;
  return n;
}

const SCALE16 = Array.from({ length: 17 }, (_, d) => 10 ** d);

/** Bytes written straight into one buffer; callers reserve room for a row before writing it. */
class ByteSink {
  private buf: Buffer;
  private pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reserve(n: number): void {
    if (this.pos + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
  }

  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  ascii(s: string): void {
    this.reserve(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
  }

  /** A non-negative safe integer, as digits. */
  int(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) return this.ascii(String(v));
    this.digits(v, 0);
  }

  /**
   * `"v"` with exactly `d` decimals when that text parses back to v (k / 10^d is the double nearest
   * k·10^-d), else the shortest exact text: recorded values are never altered.
   */
  fixed(v: number, d: number): void {
    const scale = SCALE[d]!;
    const k = Math.round(Math.abs(v) * scale);
    this.byte(QUOTE);
    if (k / scale !== Math.abs(v) || !Number.isSafeInteger(k)) this.ascii(String(v));
    else {
      if (v < 0) this.byte(0x2d);
      this.digits(k, d);
    }
    this.byte(QUOTE);
  }

  /**
   * k / 10^d in decimal: at least one digit before the point and exactly d after it. Written from the
   * right in int32 arithmetic, eight digits at a time: `%` on a double is a slow library call.
   */
  private digits(k: number, d: number): void {
    const count = Math.max(digitCount(k), d + 1);
    const buf = this.buf;
    const end = this.pos + count + (d > 0 ? 1 : 0);
    let p = end;
    const low = k < 1e8 ? k : k % 1e8;
    let part = low | 0;
    const upper = ((k - low) / 1e8) | 0;
    for (let written = 0; written < count; written++) {
      if (written === 8) part = upper;
      if (written === d && d > 0) buf[--p] = 0x2e;
      const q = (part / 10) | 0;
      buf[--p] = 0x30 + part - q * 10;
      part = q;
    }
    this.pos = end;
  }

  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
