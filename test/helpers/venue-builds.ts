import { expect } from 'vitest';
import { runBinary, simArgs } from './cli.js';

export interface VenueBuildPlan {
  readonly venue: string;
  /** A perpetual and a spot pair: candles of both, every other dataset of the perpetual. */
  readonly perp: string;
  readonly spot: string;
  readonly timeframes: readonly string[];
  readonly datasets: readonly string[];
  readonly since: string;
}

/** A venue's arguments for the binary against a simulator, into a data folder. */
export const venueArgs = (venue: string, url: string, dir: string) => ['--exchange', venue, ...simArgs(url, dir)];

/**
 * The builds of a venue's acceptance test, through the binary: candles of the perpetual and the spot pair at
 * every timeframe, then every other dataset the venue serves at 5m and 1h; each must exit 0.
 */
export async function buildVenue(p: VenueBuildPlan, url: string, dir: string): Promise<void> {
  for (const symbol of [p.perp, p.spot]) {
    const r = await runBinary(['build', '--symbol', symbol, '--timeframes', ...p.timeframes, '--since', p.since, ...venueArgs(p.venue, url, dir)]);
    expect(r.code, r.stderr).toBe(0);
  }
  const r = await runBinary(['build', '--symbol', p.perp, '--datasets', p.datasets.join(','), '--timeframes', '5m', '1h', '--since', p.since, ...venueArgs(p.venue, url, dir)]);
  expect(r.code, r.stderr).toBe(0);
}
