import { aggregateBars } from './aggregate.js';
import { allocBaseBars, concatBars, lowerBound, pickBars, sliceBars, type BaseBars, type CandleSource } from './base-bars.js';
import { maintenanceWindows } from './maintenance.js';
import { hash32, makeRng, normal } from './rng.js';
import { priceDecimalsFor, volumeDecimalsFor, type CoinProfile } from './symbol-profiles.js';
import { parseTimeframe, type Timeframe } from '../core/timeframe.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const PER_DAY = 1440;
/** Pull of the daily random walk towards the anchor: keeps decade-long histories in a sensible range. */
const REVERSION = 0.01;
const DAY_CACHE = 512;
/** Aggregated days kept per source (a day of 1h candles is 24 rows). */
const INTRADAY_CACHE = 20_000;

export interface SyntheticOptions {
  readonly seed: number;
  readonly profile: CoinProfile;
  readonly market: 'spot' | 'perp';
}

/**
 * A deterministic 1-minute market: the day opens follow a mean-reverting random walk, each day is a
 * Brownian bridge between two day opens, so any day can be generated alone, in any order, and is the
 * same every run. Candles before listing or inside maintenance windows do not exist.
 */
export class SyntheticSource implements CandleSource {
  readonly baseMs = MINUTE;
  readonly listedAt: number;
  readonly priceDecimals: number;
  private readonly volumeDecimals: number;
  private readonly firstDay: number;
  private readonly dayLogOpens: number[] = [];
  private readonly dayCache = new Map<number, BaseBars>();
  private readonly dailyCache = new Map<number, BaseBars>();
  private readonly intradayCache = new Map<string, BaseBars>();
  private readonly key: string;
  private readonly basis: number;

  constructor(private readonly opts: SyntheticOptions) {
    const p = opts.profile;
    this.listedAt = opts.market === 'spot' ? p.spotListedAt : p.perpListedAt;
    this.priceDecimals = priceDecimalsFor(p.anchor);
    this.volumeDecimals = volumeDecimalsFor(p.anchor);
    this.firstDay = Math.floor(p.spotListedAt / DAY);
    // Spot and perpetual share the daily walk (a perp tracks its index) but not the intraday noise.
    this.key = `${opts.seed}|${p.base}`;
    this.basis = opts.market === 'perp' ? 1.0004 : 1;
  }

  priceNear(t: number): number {
    return this.price(Math.exp(this.logOpen(Math.floor(t / DAY))));
  }

  bars(from: number, to: number): BaseBars {
    const days: BaseBars[] = [];
    const start = Math.max(from, this.listedAt);
    for (let day = Math.floor(start / DAY); day * DAY < to; day++) {
      const bars = this.dayBars(day);
      const a = lowerBound(bars.time, start);
      const b = lowerBound(bars.time, to);
      if (b > a) days.push(sliceBars(bars, a, b));
    }
    return concatBars(days);
  }

  dailyBars(from: number, to: number): BaseBars {
    const days: BaseBars[] = [];
    const start = Math.max(from, Math.floor(this.listedAt / DAY) * DAY);
    for (let day = Math.ceil(start / DAY); day * DAY < to; day++) {
      let summary = this.dailyCache.get(day);
      if (!summary) {
        summary = aggregateBars(this.dayBars(day), parseTimeframe('1d'));
        this.dailyCache.set(day, summary);
      }
      days.push(summary);
    }
    return concatBars(days);
  }

  intradayCandles(tf: Timeframe, from: number, to: number): BaseBars {
    const parts: BaseBars[] = [];
    for (let day = Math.floor(Math.max(from, this.listedAt) / DAY); day * DAY < to; day++) {
      const key = `${tf.name}|${day}`;
      let candles = this.intradayCache.get(key);
      if (!candles) {
        candles = aggregateBars(this.dayBars(day), tf);
        this.intradayCache.set(key, candles);
        if (this.intradayCache.size > INTRADAY_CACHE) this.intradayCache.delete(this.intradayCache.keys().next().value!);
      }
      const a = lowerBound(candles.time, from);
      const b = lowerBound(candles.time, to);
      if (b > a) parts.push(sliceBars(candles, a, b));
    }
    return concatBars(parts);
  }

  private dayBars(day: number): BaseBars {
    const hit = this.dayCache.get(day);
    if (hit) {
      this.dayCache.delete(day);
      this.dayCache.set(day, hit);
      return hit;
    }
    const bars = this.applyListingAndMaintenance(this.generateDay(day), day);
    this.dayCache.set(day, bars);
    if (this.dayCache.size > DAY_CACHE) this.dayCache.delete(this.dayCache.keys().next().value!);
    return bars;
  }

  private logOpen(day: number): number {
    const p = this.opts.profile;
    const target = Math.log(p.anchor);
    if (this.dayLogOpens.length === 0) this.dayLogOpens.push(target);
    while (this.dayLogOpens.length <= day - this.firstDay) {
      const d = this.firstDay + this.dayLogOpens.length;
      const prev = this.dayLogOpens[this.dayLogOpens.length - 1]!;
      const shock = normal(makeRng(hash32(`walk|${this.key}|${d}`))) * p.dailyVol;
      this.dayLogOpens.push(prev + shock - REVERSION * (prev - target));
    }
    return this.dayLogOpens[Math.max(0, day - this.firstDay)]! + Math.log(this.basis);
  }

  private generateDay(day: number): BaseBars {
    const rng = makeRng(hash32(`day|${this.key}|${this.opts.market}|${day}`));
    const x0 = this.logOpen(day);
    const x1 = this.logOpen(day + 1);
    const path = brownianBridge(rng, x0, x1, this.opts.profile.dailyVol / Math.sqrt(PER_DAY));
    return this.barsFromPath(rng, day * DAY, path);
  }

  private barsFromPath(rng: () => number, dayStart: number, path: Float64Array): BaseBars {
    const out = allocBaseBars(PER_DAY);
    const sigma = this.opts.profile.dailyVol / Math.sqrt(PER_DAY);
    const perMinute = 40_000 / this.opts.profile.anchor;
    for (let i = 0; i < PER_DAY; i++) {
      const o = this.price(Math.exp(path[i]!));
      const c = this.price(Math.exp(path[i + 1]!));
      const seasonal = 1 + 0.5 * Math.sin((2 * Math.PI * (i - 780)) / PER_DAY);
      const v = this.volume(perMinute * seasonal * Math.exp(0.6 * normal(rng)));
      out.time[i] = dayStart + i * MINUTE;
      out.open[i] = o;
      out.close[i] = c;
      out.high[i] = this.price(Math.max(o, c) * Math.exp(Math.abs(normal(rng)) * sigma * 0.6));
      out.low[i] = Math.min(o, c, this.price(Math.min(o, c) / Math.exp(Math.abs(normal(rng)) * sigma * 0.6)));
      out.volume[i] = v;
      setExtras(out, i, v, (o + c) / 2, rng());
    }
    return out;
  }

  /** Round to the tick. k / 10^d is the double nearest the decimal, as parsing Binance's text gives. */
  private price(v: number): number {
    const scale = 10 ** this.priceDecimals;
    return Math.max(Math.round(v * scale), 1) / scale;
  }

  private volume(v: number): number {
    const scale = 10 ** this.volumeDecimals;
    return Math.round(v * scale) / scale;
  }

  /** Drop bars before listing and inside gaps; flatten the halted hour before each gap. */
  private applyListingAndMaintenance(bars: BaseBars, day: number): BaseBars {
    const windows = maintenanceWindows(this.opts.seed, day * DAY, (day + 1) * DAY);
    const keep: number[] = [];
    for (let i = 0; i < bars.time.length; i++) {
      const t = bars.time[i]!;
      if (t < this.listedAt) continue;
      const w = windows.find((x) => t >= x.flatStart && t < x.gapEnd);
      if (w && t >= w.gapStart) continue;
      if (w) flatten(bars, i);
      keep.push(i);
    }
    return pickBars(bars, keep);
  }
}

function brownianBridge(rng: () => number, x0: number, x1: number, sigma: number): Float64Array {
  const path = new Float64Array(PER_DAY + 1);
  for (let i = 1; i <= PER_DAY; i++) path[i] = path[i - 1]! + normal(rng) * sigma;
  const drift = path[PER_DAY]! - (x1 - x0);
  for (let i = 0; i <= PER_DAY; i++) path[i] = x0 + path[i]! - (drift * i) / PER_DAY;
  return path;
}

function setExtras(out: BaseBars, i: number, v: number, mid: number, u: number): void {
  out.quoteVolume[i] = fast8(v * mid);
  out.trades[i] = v > 0 ? Math.max(1, Math.round(v * 50 * (0.5 + u))) : 0;
  out.takerBase[i] = fast8(v * (0.3 + 0.4 * u));
  out.takerQuote[i] = fast8(out.takerBase[i]! * mid);
}

/** 8-decimal rounding without string formatting, for generated (not recorded) values. */
function fast8(v: number): number {
  return Math.round(v * 1e8) / 1e8;
}

/** A halted market: Binance still prints the candle, flat at the last price, with no trades. */
function flatten(bars: BaseBars, i: number): void {
  const last = i > 0 ? bars.close[i - 1]! : bars.open[i]!;
  bars.open[i] = bars.high[i] = bars.low[i] = bars.close[i] = last;
  bars.volume[i] = bars.quoteVolume[i] = bars.trades[i] = bars.takerBase[i] = bars.takerQuote[i] = 0;
}

