import { describe, expect, it } from 'vitest';
import { shardOf } from '../../src/pipeline/collect.js';

/** `collect --shard K/N`: which collector takes a venue's member. */
describe('shardOf', () => {
  const markets = Array.from({ length: 200 }, (_, i) => `Q${String(i).padStart(3, '0')}/USDT:USDT`);

  it('gives every member exactly one shard in 1..N, the same whatever the order members come in', () => {
    for (const n of [1, 2, 3, 7]) {
      const forward = markets.map((m) => shardOf('binance', m, n));
      const backward = [...markets].reverse().map((m) => shardOf('binance', m, n)).reverse();
      expect(backward).toEqual(forward);
      expect(forward.every((k) => Number.isInteger(k) && k >= 1 && k <= n)).toBe(true);
    }
  });

  it('splits a universe roughly evenly, every shard getting some (200 markets, 2 and 3 shards)', () => {
    for (const n of [2, 3]) {
      const counts = new Array<number>(n).fill(0);
      for (const m of markets) counts[shardOf('binance', m, n) - 1]!++;
      for (const c of counts) expect(Math.abs(c - 200 / n), `${counts.join(', ')}`).toBeLessThan(200 / n * 0.25);
    }
  });

  it('splits by venue and market: one market may go to different shards on different venues', () => {
    const differ = markets.filter((m) => shardOf('binance', m, 2) !== shardOf('okx', m, 2)).length;
    expect(differ).toBeGreaterThan(50);
    expect(differ).toBeLessThan(150);
  });
});
