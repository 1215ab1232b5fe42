import { hash32, makeRng } from './rng.js';

/**
 * Exchange-wide maintenance windows of the synthetic market, as exchanges have them: one flat
 * zero-volume hour while trading is halted, then a few hours with no candles at all. Derived from the
 * seed only, so every symbol shares them, and 1m…1d candles all show the same gap.
 */
export interface MaintenanceWindow {
  /** Start of the flat zero-volume hour. */
  readonly flatStart: number;
  /** Start of the period with no candles (= flatStart + 1 h). */
  readonly gapStart: number;
  /** First open time after the gap. */
  readonly gapEnd: number;
}

const HOUR = 3_600_000;
const BLOCK = 41 * 24 * HOUR;

/** Windows overlapping [from, to): at most one per 41-day block, in about half of the blocks. */
export function maintenanceWindows(seed: number, from: number, to: number): MaintenanceWindow[] {
  const out: MaintenanceWindow[] = [];
  for (let block = Math.floor(from / BLOCK) - 1; block * BLOCK < to; block++) {
    const w = windowOfBlock(seed, block);
    if (w && w.gapEnd > from && w.flatStart < to) out.push(w);
  }
  return out;
}

/** Whether any window overlaps [from, to), without building a list (asked once a day of every page). */
export function hasMaintenance(seed: number, from: number, to: number): boolean {
  for (let block = Math.floor(from / BLOCK) - 1; block * BLOCK < to; block++) {
    const w = windowOfBlock(seed, block);
    if (w && w.gapEnd > from && w.flatStart < to) return true;
  }
  return false;
}

/** Windows by seed and block: every symbol of a run asks for the same few. */
const known = new Map<number, Map<number, MaintenanceWindow | null>>();

function windowOfBlock(seed: number, block: number): MaintenanceWindow | undefined {
  let bySeed = known.get(seed);
  if (!bySeed) known.set(seed, (bySeed = new Map()));
  let w = bySeed.get(block);
  if (w === undefined) {
    w = drawWindow(seed, block) ?? null;
    bySeed.set(block, w);
  }
  return w ?? undefined;
}

function drawWindow(seed: number, block: number): MaintenanceWindow | undefined {
  const rng = makeRng(hash32(`maintenance|${seed}|${block}`));
  if (rng() < 0.5) return undefined;
  const day = Math.floor(rng() * 40);
  const hour = Math.floor(rng() * 6);
  const hours = 1 + Math.floor(rng() * 6);
  const flatStart = block * BLOCK + day * 24 * HOUR + hour * HOUR;
  return { flatStart, gapStart: flatStart + HOUR, gapEnd: flatStart + HOUR + hours * HOUR };
}
