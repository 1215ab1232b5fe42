import { hash32, makeRng } from './rng.js';

/** How a synthetic coin behaves: when it listed, where its price lives, how much it trades. */
export interface CoinProfile {
  readonly base: string;
  readonly spotListedAt: number;
  readonly perpListedAt: number;
  /** Price level the random walk is pulled towards (USDT). */
  readonly anchor: number;
  /** Standard deviation of daily log returns. */
  readonly dailyVol: number;
}

const H = (iso: string) => Date.parse(iso);

/** Real listing hours (the default venue's) and plausible price levels for the default dozen. */
const KNOWN: Record<string, Omit<CoinProfile, 'base'>> = {
  BTC: { spotListedAt: H('2017-08-17T04:00Z'), perpListedAt: H('2019-09-08T17:00Z'), anchor: 30000, dailyVol: 0.035 },
  ETH: { spotListedAt: H('2017-08-17T04:00Z'), perpListedAt: H('2019-11-27T07:00Z'), anchor: 2000, dailyVol: 0.045 },
  BNB: { spotListedAt: H('2017-11-06T03:00Z'), perpListedAt: H('2020-02-10T07:00Z'), anchor: 300, dailyVol: 0.045 },
  LTC: { spotListedAt: H('2017-12-13T03:00Z'), perpListedAt: H('2020-01-09T07:00Z'), anchor: 80, dailyVol: 0.05 },
  ADA: { spotListedAt: H('2018-04-17T04:00Z'), perpListedAt: H('2020-01-31T07:00Z'), anchor: 0.4, dailyVol: 0.055 },
  XRP: { spotListedAt: H('2018-05-04T08:00Z'), perpListedAt: H('2020-01-06T07:00Z'), anchor: 0.5, dailyVol: 0.05 },
  TRX: { spotListedAt: H('2018-06-11T11:00Z'), perpListedAt: H('2020-01-16T07:00Z'), anchor: 0.08, dailyVol: 0.045 },
  LINK: { spotListedAt: H('2019-01-16T04:00Z'), perpListedAt: H('2020-01-17T07:00Z'), anchor: 12, dailyVol: 0.055 },
  DOGE: { spotListedAt: H('2019-07-05T12:00Z'), perpListedAt: H('2020-07-10T07:00Z'), anchor: 0.08, dailyVol: 0.06 },
  SOL: { spotListedAt: H('2020-08-11T06:00Z'), perpListedAt: H('2020-09-14T07:00Z'), anchor: 100, dailyVol: 0.06 },
  DOT: { spotListedAt: H('2020-08-18T23:00Z'), perpListedAt: H('2020-08-21T07:00Z'), anchor: 6, dailyVol: 0.055 },
  AVAX: { spotListedAt: H('2020-09-22T06:00Z'), perpListedAt: H('2020-09-23T07:00Z'), anchor: 25, dailyVol: 0.06 },
};

export const DEFAULT_COINS: readonly string[] = Object.keys(KNOWN);

const EARLIEST = H('2018-01-01T00:00Z');
const DAY = 86_400_000;

/** The profile of a coin: the table for well-known ones, a seeded invention for any other. */
export function coinProfile(base: string): CoinProfile {
  const known = KNOWN[base];
  if (known) return { base, ...known };
  const rng = makeRng(hash32(`profile|${base}`));
  const spotListedAt = EARLIEST + Math.floor(rng() * 5 * 365) * DAY + Math.floor(rng() * 24) * 3_600_000;
  return {
    base,
    spotListedAt,
    perpListedAt: spotListedAt + (30 + Math.floor(rng() * 300)) * DAY,
    anchor: Number((10 ** (rng() * 5 - 2)).toPrecision(3)),
    dailyVol: 0.04 + rng() * 0.04,
  };
}

/** Decimals an exchange would print for a coin at this price level (≥ 5 significant digits). */
export function priceDecimalsFor(anchor: number): number {
  return Math.max(2, Math.min(8, Math.ceil(4 - Math.log10(anchor))));
}

/** Decimals of traded quantity for a coin at this price level. */
export function volumeDecimalsFor(anchor: number): number {
  return Math.max(0, Math.min(8, Math.round(Math.log10(anchor)) + 1));
}
