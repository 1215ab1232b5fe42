import { open } from 'node:fs/promises';
import type { BufferPool } from '../core/buffer-pool.js';

/**
 * A whole file read into a buffer lent by `pool` (the caller gives it back once done with the bytes):
 * reading many files of a few MB one after another then reuses the same memory.
 */
export async function readFileInto(path: string, pool: BufferPool): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const bytes = new Uint8Array(pool.take(size), 0, size);
    for (let at = 0; at < size;) {
      const { bytesRead } = await fh.read(bytes, at, size - at, at);
      if (bytesRead === 0) throw new Error(`${path} ended after ${at} of its ${size} bytes`);
      at += bytesRead;
    }
    return bytes;
  } finally {
    await fh.close();
  }
}
