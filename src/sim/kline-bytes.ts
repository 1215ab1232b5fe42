import { nextOpen, type Timeframe } from '../core/timeframe.js';
import type { BaseBars } from './base-bars.js';

const SCALE = Array.from({ length: 9 }, (_, d) => 10 ** d);
const QUOTE = 0x22;
const COMMA = 0x2c;

/**
 * Binance's kline page as JSON bytes: `[[openTime,"open","high","low","close","volume",closeTime,
 * "quoteVolume",trades,"takerBase","takerQuote","0"],...]`. Digits are written by hand because
 * number-to-string conversion would otherwise be most of the simulator's time.
 */
export function klinePageBytes(b: BaseBars, tf: Timeframe, priceDecimals: number): Buffer {
  const w = new ByteSink(b.time.length * 190 + 2);
  w.byte(0x5b);
  for (let i = 0; i < b.time.length; i++) {
    if (i > 0) w.byte(COMMA);
    const t = b.time[i]!;
    w.byte(0x5b);
    w.int(t);
    w.byte(COMMA); w.fixed(b.open[i]!, priceDecimals);
    w.byte(COMMA); w.fixed(b.high[i]!, priceDecimals);
    w.byte(COMMA); w.fixed(b.low[i]!, priceDecimals);
    w.byte(COMMA); w.fixed(b.close[i]!, priceDecimals);
    w.byte(COMMA); w.fixed(b.volume[i]!, 8);
    w.byte(COMMA); w.int((tf.calendarMonth ? nextOpen(tf, t) : t + tf.ms) - 1);
    w.byte(COMMA); w.fixed(b.quoteVolume[i]!, 8);
    w.byte(COMMA); w.int(b.trades[i]!);
    w.byte(COMMA); w.fixed(b.takerBase[i]!, 8);
    w.byte(COMMA); w.fixed(b.takerQuote[i]!, 8);
    w.ascii(',"0"]');
  }
  w.byte(0x5d);
  return w.done();
}

class ByteSink {
  private buf: Buffer;
  private pos = 0;
  private readonly digits = new Uint8Array(24);

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  byte(c: number): void {
    if (this.pos >= this.buf.length) this.grow();
    this.buf[this.pos++] = c;
  }

  ascii(s: string): void {
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
  }

  /** A non-negative safe integer, as digits. */
  int(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) return this.ascii(String(v));
    this.emit(this.reversedDigits(v, 1), 0);
  }

  /**
   * `"v"` with exactly `d` decimals when that text parses back to v (k / 10^d is the double nearest
   * k·10^-d), else the shortest exact text: recorded values are never altered.
   */
  fixed(v: number, d: number): void {
    const scale = SCALE[d]!;
    const k = Math.round(v * scale);
    this.byte(QUOTE);
    if (k / scale !== v || !Number.isSafeInteger(k) || k < 0) this.ascii(String(v));
    else this.emit(this.reversedDigits(k, d + 1), d);
    this.byte(QUOTE);
  }

  /** Digits of k, least significant first, at least `min` of them; 8 at a time in int32 arithmetic. */
  private reversedDigits(k: number, min: number): number {
    const out = this.digits;
    let n = 0;
    let x = k;
    while (x >= 1e8) {
      let lo = x % 1e8;
      x = (x - lo) / 1e8;
      for (let j = 0; j < 8; j++) {
        out[n++] = 0x30 + (lo % 10);
        lo = (lo / 10) | 0;
      }
    }
    let small = x | 0;
    while (small > 0 || n < min) {
      out[n++] = 0x30 + (small % 10);
      small = (small / 10) | 0;
    }
    return n;
  }

  /** Write reversed digits [0, n) most significant first, with a point before the last `decimals`. */
  private emit(n: number, decimals: number): void {
    if (this.pos + n + 1 > this.buf.length) this.grow();
    const buf = this.buf;
    let pos = this.pos;
    while (n > decimals) buf[pos++] = this.digits[--n]!;
    if (decimals > 0) buf[pos++] = 0x2e;
    while (n > 0) buf[pos++] = this.digits[--n]!;
    this.pos = pos;
  }

  private grow(): void {
    const next = Buffer.allocUnsafe(this.buf.length * 2);
    this.buf.copy(next);
    this.buf = next;
  }

  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
