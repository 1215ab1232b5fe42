/**
 * Serialized kline pages that can never change: full pages (as many rows as asked) whose candles have
 * all closed. Anything else depends on the clock and is rebuilt every time. Bounded by bytes, LRU.
 */
export class PageCache {
  private readonly pages = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(private readonly maxBytes = 64 * 2 ** 20) {}

  get(key: string): Uint8Array | undefined {
    const hit = this.pages.get(key);
    if (hit) {
      this.pages.delete(key);
      this.pages.set(key, hit);
    }
    return hit;
  }

  set(key: string, page: Uint8Array): void {
    if (page.byteLength > this.maxBytes / 8) return;
    this.pages.set(key, page);
    this.bytes += page.byteLength;
    for (const [k, v] of this.pages) {
      if (this.bytes <= this.maxBytes) break;
      this.pages.delete(k);
      this.bytes -= v.byteLength;
    }
  }
}
