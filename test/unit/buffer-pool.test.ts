import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../src/core/buffer-pool.js';
import { SeriesBuilder } from '../../src/core/dataset.js';
import { sliceFrame, type CandleFrame } from '../../src/core/frame.js';
import { storesForCpu } from '../../src/pipeline/cpu-room.js';
import { fixture, readFreqtrade } from '../helpers/fixtures.js';
import { expectSameColumns } from '../helpers/same-columns.js';

const MB = 1 << 20;

describe('BufferPool: large buffers lent, given back, lent again', () => {
  it('lends a given-back buffer again (the smallest that fits, at most twice the size asked), never a foreign or small one', () => {
    const pool = new BufferPool(MB, 64 * MB);
    const a = pool.take(4 * MB);
    const b = pool.take(2 * MB);
    expect(a).not.toBe(b);
    pool.give(a);
    pool.give(new Uint8Array(b, 0, 10));
    expect(pool.kept).toBe(6 * MB);
    // the smallest that fits
    expect(pool.take(2 * MB)).toBe(b);
    // 4 MB for 1.5 MB: more than twice what is asked, so a new one
    const c = pool.take(1.5 * MB);
    expect(c).not.toBe(a);
    expect(pool.take(3 * MB)).toBe(a);
    expect(pool.kept).toBe(0);
    // a buffer the pool did not lend, and one under the pool's size, are not taken in
    pool.give(new ArrayBuffer(8 * MB));
    const small = pool.take(1000);
    pool.give(small);
    expect(pool.kept).toBe(0);
    // a buffer given back twice is kept once
    pool.give(c);
    pool.give(c);
    expect(pool.kept).toBe(c.byteLength);
  });

  it('fills what was written with NaN when it comes back, so a view kept too long reads no numbers; keeps at most its cap', () => {
    const pool = new BufferPool(MB, 3 * MB);
    const col = pool.doubles(MB / 8);
    col.fill(42.5);
    const kept = col.subarray(10, 20);
    pool.give(col, 20 * 8);
    expect(Array.from(kept).every(Number.isNaN)).toBe(true);
    expect(col[100]).toBe(42.5); // past what the owner said it wrote: untouched
    pool.give(pool.take(2 * MB));
    pool.give(pool.take(2 * MB)); // over the cap: left to the collector
    expect(pool.kept).toBe(3 * MB);
  });
});

describe('SeriesBuilder on a pool', () => {
  const candles = readFreqtrade(fixture('btcusdt-1h-2017.djienne.freqtrade.json'));

  it('builds the same rows in lent columns, gives them back on release, and refuses to be used after it', () => {
    const pool = new BufferPool(1024, 64 * MB);
    const rows = candles.time.length;
    const b = new SeriesBuilder<CandleFrame>(rows, pool);
    for (let at = 0; at < rows; at += 1000) b.push(sliceFrame(candles, at, Math.min(rows, at + 1000)));
    expectSameColumns(b.frame()!, candles, 'on lent columns');
    const time = b.frame()!.time;
    b.release();
    expect(pool.kept).toBe(6 * rows * 8);
    expect(Number.isNaN(time[0]!)).toBe(true);
    expect(() => b.frame()).toThrow(/released/);
    expect(() => b.push(candles)).toThrow(/released/);
    // the next builder gets the same memory, and its own rows in it
    const next = new SeriesBuilder<CandleFrame>(rows, pool);
    next.push(sliceFrame(candles, 0, 500));
    expect(pool.kept).toBe(0);
    expectSameColumns(next.frame()!, sliceFrame(candles, 0, 500), 'reused columns');
  });
});

describe('stores in flight by CPU', () => {
  it('doubles while the process mostly waits, adds one while it has some room, holds when the JavaScript thread or the cores are saturated', () => {
    expect(storesForCpu(2, { mainThread: 0.2, cores: 0.3 })).toBe(4);
    expect(storesForCpu(1, { mainThread: 0, cores: 0 })).toBe(2);
    expect(storesForCpu(2, { mainThread: 0.6, cores: 0.3 })).toBe(3);
    expect(storesForCpu(2, { mainThread: 0.3, cores: 0.7 })).toBe(3);
    expect(storesForCpu(2, { mainThread: 0.95, cores: 0.5 })).toBe(2);
    expect(storesForCpu(2, { mainThread: 0.5, cores: 0.9 })).toBe(2);
  });
});
