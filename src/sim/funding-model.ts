import type { SimMarket } from './market-catalog.js';
import { hash32, makeRng, normal } from './rng.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The funding of the market model: when each perpetual settles, and at which rate. Every dialect serves it. */

/**
 * When a perpetual's funding interval changed: 8 h from listing; some markets move to 4 h on a day, a
 * few later to 1 h (as venues do for volatile contracts). Deterministic per market.
 */
export function fundingSchedule(m: SimMarket, seed: number): { from: number; hours: number }[] {
  const rng = makeRng(hash32(`funding-schedule|${seed}|${m.id}`));
  const listed = Math.ceil(m.source.listedAt / (8 * HOUR)) * 8 * HOUR;
  const out = [{ from: listed, hours: 8 }];
  if (rng() < 0.5) {
    const four = Math.ceil((listed + (100 + rng() * 600) * DAY) / DAY) * DAY;
    out.push({ from: four, hours: 4 });
    if (rng() < 0.3) out.push({ from: four + Math.ceil((30 + rng() * 200)) * DAY, hours: 1 });
  }
  return out;
}

/** The rate settled at a scheduled slot (a fraction per interval). */
export function fundingRateAt(m: SimMarket, seed: number, slot: number): number {
  const rng = makeRng(hash32(`funding|${seed}|${m.id}|${slot}`));
  return Math.round((0.0001 + normal(rng) * 0.00015) * 1e8) / 1e8;
}

/** The scheduled settlement slots in [from, to), ascending. */
export function fundingSlots(m: SimMarket, seed: number, from: number, to: number): number[] {
  const schedule = fundingSchedule(m, seed);
  const out: number[] = [];
  for (const [i, step] of schedule.entries()) {
    const end = Math.min(to, schedule[i + 1]?.from ?? Infinity);
    const ms = step.hours * HOUR;
    for (let t = Math.max(step.from, Math.ceil(from / ms) * ms); t < end; t += ms) out.push(t);
  }
  return out;
}
