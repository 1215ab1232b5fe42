/**
 * Large buffers handed back and reused within the process: a store's columns and its encoded file are
 * tens of MB each, and memory the process touches for the first time costs a page fault per 4 KiB (on a
 * VM about as much as parsing the rows that fill it). A run that writes stores one after another reuses
 * the same memory instead of asking the system for fresh pages every time.
 *
 * Ownership is explicit: `take` lends a buffer, `give` returns it once nothing will read or write it
 * again (the owner's scope has ended: the store is written). A given buffer is filled with 0xFF bytes
 * (NaN as doubles) when it comes back, so a view wrongly kept past its owner's scope reads NaN (until the
 * buffer is lent again) instead of another store's numbers. Buffers the pool did not lend are
 * ignored by `give`.
 */
export class BufferPool {
  private readonly free: ArrayBuffer[] = [];
  private freeBytes = 0;
  private readonly lent = new WeakSet<ArrayBuffer>();

  /**
   * `minBytes`: smaller requests are plain allocations (cheap, and the allocator reuses them itself);
   * `keepBytes`: at most this much is kept for reuse, the rest is left to the garbage collector.
   */
  constructor(private readonly minBytes = 1 << 20, private readonly keepBytes = 512 << 20) {}

  /** Bytes kept for reuse now. */
  get kept(): number {
    return this.freeBytes;
  }

  /**
   * A buffer of at least `bytes`, its contents undefined: a returned one when one fits (the smallest of
   * those at most twice the size asked: a small request never pins a large buffer), else a new one.
   */
  take(bytes: number): ArrayBuffer {
    let best = -1;
    if (bytes >= this.minBytes) {
      for (let i = 0; i < this.free.length; i++) {
        const size = this.free[i]!.byteLength;
        if (size >= bytes && size <= 2 * bytes && (best < 0 || size < this.free[best]!.byteLength)) best = i;
      }
    }
    let buf: ArrayBuffer;
    if (best >= 0) {
      buf = this.free[best]!;
      this.free.splice(best, 1);
      this.freeBytes -= buf.byteLength;
    } else {
      buf = new ArrayBuffer(bytes);
    }
    if (bytes >= this.minBytes) this.lent.add(buf);
    return buf;
  }

  /** A Float64Array of `length` values on a lent buffer (values undefined until written). */
  doubles(length: number): Float64Array {
    return new Float64Array(this.take(length * 8), 0, length);
  }

  /**
   * Return a lent buffer (or a view of one). `used`: how many bytes from its start were written (only
   * those are overwritten with 0xFF; the rest were never touched). Nothing may read or write it after.
   */
  give(view: ArrayBuffer | ArrayBufferView | undefined, used?: number): void {
    if (!view) return;
    const buf = view instanceof ArrayBuffer ? view : view.buffer;
    if (!(buf instanceof ArrayBuffer) || !this.lent.has(buf)) return;
    this.lent.delete(buf);
    new Uint8Array(buf, 0, Math.min(buf.byteLength, used ?? buf.byteLength)).fill(0xff);
    if (this.freeBytes + buf.byteLength > this.keepBytes) return;
    this.free.push(buf);
    this.freeBytes += buf.byteLength;
  }

  /** Let go of every kept buffer (a long-lived process between runs). */
  clear(): void {
    this.free.length = 0;
    this.freeBytes = 0;
  }
}

/** The process's pool for store columns and encoded files. */
export const bigBuffers = new BufferPool();
