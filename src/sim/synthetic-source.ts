import { aggregateBars, type VolumeUnits } from './aggregate.js';
import { allocBaseBars, lowerBound, sliceBars, type BaseBars, type CandleSource } from './base-bars.js';
import { hasMaintenance, maintenanceWindows } from './maintenance.js';
import { hash32, mix32 } from './rng.js';
import { priceDecimalsFor, volumeDecimalsFor, type CoinProfile } from './symbol-profiles.js';
import { parseTimeframe, type Timeframe } from '../core/timeframe.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Pull of the daily random walk towards the anchor: keeps decade-long histories in a sensible range. */
const REVERSION = 0.01;
/** Quote value of an average trade (USDT): trades per bar follow the quote volume. */
const TRADE_SIZE = 400;

export interface SyntheticOptions {
  readonly seed: number;
  readonly profile: CoinProfile;
  readonly market: 'spot' | 'perp';
}

/** One level of the generation: bars of `ms`, each drawn inside a bar of its parent level. */
interface Level {
  readonly ms: number;
  readonly tf: Timeframe;
  readonly parent?: Level;
  /** Bars per parent bar. */
  readonly split: number;
}

function level(name: string, parent?: Level): Level {
  const tf = parseTimeframe(name);
  return { ms: tf.ms, tf, parent, split: parent ? parent.ms / tf.ms : 1 };
}

const D1 = level('1d');
const H12 = level('12h', D1);
const H4 = level('4h', H12);
const H2 = level('2h', H4);
const H1 = level('1h', H2);
const M30 = level('30m', H1);
const M15 = level('15m', M30);
const M5 = level('5m', M15);
const M1 = level('1m', M5);
/** Finest first: a timeframe that divides a day is served from the coarsest level that divides it. */
const LEVELS = [D1, H12, H4, H2, H1, M30, M15, M5, M1];
const EDITED_DAYS_CACHE = 64;
/** The levels from a day down to its hours, and room for one day of each: a listing or maintenance day is drawn there. */
const ONE_DAY_CHAIN = [D1, H12, H4, H2, H1];
const ONE_DAY_SCRATCH = ONE_DAY_CHAIN.map((lv) => allocBaseBars(DAY / lv.ms));

/**
 * A deterministic market, generated coarse to fine so that any page costs about what it returns.
 *
 * The day opens follow a mean-reverting random walk. Each day's candle (open, high, low, close,
 * volumes) is drawn from the walk alone; its two 12-hour bars are drawn inside it, then 4h, 2h, 1h, 30m,
 * 15m, 5m and 1m bars, each level inside the one above. A split keeps the parent exact: the children's
 * first open and last close are the parent's, their highest high and lowest low are the parent's, and
 * their volumes, trades and taker volumes are whole units of the coin that sum to the parent's. So a 1d
 * candle equals the aggregate of its 1,440 minutes, as on an exchange, without a minute being made for a 1d
 * page, and a 12h page costs 1,000 bars, not 12,000 hours. Every bar is seeded by its level and open
 * time: any bar can be made alone, in any order, and is the same every run.
 *
 * Listing and maintenance act on whole hours: hours before listing and inside a maintenance gap do not
 * exist, and the halted hour before a gap is a flat zero-trade placeholder (and so is every bar inside
 * it). On such a day the bars above the hour are the aggregates of the hours that remain.
 */
export class SyntheticSource implements CandleSource {
  readonly baseMs = MINUTE;
  readonly listedAt: number;
  readonly priceDecimals: number;
  readonly units: VolumeUnits;
  private readonly scale: Scales;
  private readonly firstDay: number;
  private readonly dayLogOpens: number[] = [];
  private readonly editedDays = new Map<number, BaseBars>();
  private readonly walkKey: number;
  private readonly barKey: number;
  private readonly basis: number;
  private readonly perMinute: number;

  constructor(private readonly opts: SyntheticOptions) {
    const p = opts.profile;
    // venues list on the hour; the hour is the finest unit listing and maintenance act on here
    this.listedAt = Math.ceil((opts.market === 'spot' ? p.spotListedAt : p.perpListedAt) / HOUR) * HOUR;
    this.priceDecimals = priceDecimalsFor(p.anchor);
    this.scale = { price: 10 ** this.priceDecimals, volume: 10 ** volumeDecimalsFor(p.anchor), quote: 100 };
    this.units = { volume: this.scale.volume, quote: this.scale.quote };
    this.firstDay = Math.floor(p.spotListedAt / DAY);
    // Spot and perpetual share the daily walk (a perp tracks its index) but not the bars inside a day.
    this.walkKey = hash32(`walk|${opts.seed}|${p.base}`);
    this.barKey = hash32(`bar|${opts.seed}|${p.base}|${opts.market}`);
    this.basis = opts.market === 'perp' ? 1.0004 : 1;
    this.perMinute = 40_000 / p.anchor;
  }

  priceNear(t: number): number {
    return this.ticks(Math.exp(this.logOpen(Math.floor(t / DAY)))) / this.scale.price;
  }

  /** 1-minute bars opening in [from, to). */
  bars(from: number, to: number): BaseBars {
    return this.actual(M1, from, to);
  }

  dailyBars(from: number, to: number): BaseBars {
    return this.actual(D1, from, to);
  }

  intradayCandles(tf: Timeframe, from: number, to: number): BaseBars {
    const lv = LEVELS.find((l) => tf.ms % l.ms === 0)!;
    const bars = this.actual(lv, from, to);
    return tf.ms === lv.ms ? bars : aggregateBars(bars, tf, this.units);
  }

  // ---- bars as they exist: listing and maintenance applied ----

  /** Bars of a level opening in [from, to), as the exchange serves them. */
  private actual(lv: Level, from: number, to: number): BaseBars {
    from = Math.max(from, floorTo(this.listedAt, lv.ms));
    if (from >= to) return allocBaseBars(0);
    if (lv.ms < HOUR) return within(this.splitRows(this.actual(lv.parent!, floorTo(from, lv.parent!.ms), to), lv), from, to);
    // the hour and above: whole days drawn from the latent bars, except listing and maintenance days
    const first = Math.floor(from / DAY);
    const last = Math.ceil(to / DAY);
    const latent = this.latent(lv, first * DAY, last * DAY);
    const out = new BarsBuilder(latent.time.length);
    let copied = 0;
    for (let day = first; day < last; day++) {
      if (!this.irregular(day)) continue;
      const at = lowerBound(latent.time, day * DAY);
      out.append(latent, copied, at);
      const hours = this.editedHours(day);
      out.append(lv === H1 ? hours : aggregateBars(hours, lv.tf, this.units), 0, Infinity);
      copied = lowerBound(latent.time, (day + 1) * DAY);
    }
    out.append(latent, copied, latent.time.length);
    return within(out.done(), from, to);
  }

  private irregular(day: number): boolean {
    const start = day * DAY;
    return (this.listedAt > start && this.listedAt < start + DAY) || hasMaintenance(this.opts.seed, start, start + DAY);
  }

  /** A listing or maintenance day's hours: none before listing or inside a gap, the halted hour flat. */
  private editedHours(day: number): BaseBars {
    const hit = lruGet(this.editedDays, day);
    if (hit) return hit;
    const start = day * DAY;
    const hours = this.latentHoursOf(day);
    const windows = maintenanceWindows(this.opts.seed, start, start + DAY);
    const out = new BarsBuilder(hours.time.length);
    for (let i = 0; i < hours.time.length; i++) {
      const t = hours.time[i]!;
      if (t < this.listedAt) continue;
      const w = windows.find((x) => t >= x.flatStart && t < x.gapEnd);
      if (w && t >= w.gapStart) continue;
      out.append(hours, i, i + 1);
      // flat at the last traded price: the hour's own open is the close of the minute before it
      if (w) writePlaceholder(out.bars, out.length - 1, hours.open[i]!);
    }
    const edited = out.done();
    lruSet(this.editedDays, day, edited, EDITED_DAYS_CACHE);
    return edited;
  }

  // ---- latent bars: drawn top-down, before listing and maintenance ----

  /** Latent bars of a level opening in [from, to); `from` and `to` on day boundaries or the level's. */
  private latent(lv: Level, from: number, to: number): BaseBars {
    if (lv === D1) {
      const first = Math.ceil(from / DAY);
      const out = allocBaseBars(Math.max(0, Math.ceil(to / DAY) - first));
      for (let i = 0; i < out.time.length; i++) this.latentDay(first + i, out, i);
      return out;
    }
    return within(this.splitRows(this.latent(lv.parent!, floorTo(from, lv.parent!.ms), to), lv), from, to);
  }

  /** One day's latent hours, drawn through the levels above them into scratch (valid until the next call). */
  private latentHoursOf(day: number): BaseBars {
    let bars = ONE_DAY_SCRATCH[0]!;
    this.latentDay(day, bars, 0);
    for (let i = 1; i < ONE_DAY_CHAIN.length; i++) bars = this.splitRows(bars, ONE_DAY_CHAIN[i]!, ONE_DAY_SCRATCH[i]!);
    return bars;
  }

  private latentDay(day: number, out: BaseBars, i: number): void {
    const s = this.scale;
    const draw = new Draws(mix32(this.barKey, day));
    const sigma = this.opts.profile.dailyVol;
    const open = this.ticks(Math.exp(this.logOpen(day)));
    const close = this.ticks(Math.exp(this.logOpen(day + 1)));
    const high = Math.max(open, close, this.ticks((Math.max(open, close) / s.price) * Math.exp(draw.wick() * sigma * 1.6)));
    const low = Math.min(open, close, this.ticks((Math.min(open, close) / s.price) / Math.exp(draw.wick() * sigma * 1.6)));
    const volume = Math.max(1440, Math.round(this.perMinute * 1440 * Math.exp(0.3 * draw.normal()) * s.volume));
    const quote = Math.round((volume / s.volume) * ((open + close) / 2 / s.price) * s.quote);
    const trades = Math.max(1440, Math.round((quote / s.quote / TRADE_SIZE) * (0.5 + draw.uniform())));
    const takerBase = Math.round(volume * (0.3 + 0.4 * draw.uniform()));
    writeBar(out, i, day * DAY, s, open, high, low, close, volume, quote, trades, takerBase, Math.round((quote * takerBase) / volume));
  }

  /** Every parent bar split into the level's bars, drawn inside it. */
  private splitRows(parents: BaseBars, lv: Level, out = allocBaseBars(parents.time.length * lv.split)): BaseBars {
    const key = mix32(this.barKey, lv.ms);
    const sigma = this.opts.profile.dailyVol * Math.sqrt(lv.ms / DAY);
    for (let p = 0; p < parents.time.length; p++) {
      splitBar(parents, p, lv.split, lv.ms, sigma, this.scale, new Draws(mix32(key, parents.time[p]!)), out, p * lv.split);
    }
    return out;
  }

  // ---- the walk and the units ----

  private logOpen(day: number): number {
    const p = this.opts.profile;
    const target = Math.log(p.anchor);
    if (this.dayLogOpens.length === 0) this.dayLogOpens.push(target);
    while (this.dayLogOpens.length <= day - this.firstDay) {
      const d = this.firstDay + this.dayLogOpens.length;
      const prev = this.dayLogOpens[this.dayLogOpens.length - 1]!;
      const shock = new Draws(mix32(this.walkKey, d)).normal() * p.dailyVol;
      this.dayLogOpens.push(prev + shock - REVERSION * (prev - target));
    }
    return this.dayLogOpens[Math.max(0, day - this.firstDay)]! + Math.log(this.basis);
  }

  /** Round to the tick. k / 10^d is the double nearest the decimal, as parsing an exchange's text gives. */
  private ticks(price: number): number {
    return Math.max(Math.round(price * this.scale.price), 1);
  }
}

/** Integers behind the doubles: prices in ticks, base volumes in the coin's units, quote volumes in cents. */
interface Scales {
  readonly price: number;
  readonly volume: number;
  readonly quote: number;
}

const BAR_KEYS = ['time', 'open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'trades', 'takerBase', 'takerQuote'] as const;

/** Intraday activity by minute of the day: busiest in the US afternoon, quietest in the Asian night. */
const SEASONAL = Float64Array.from({ length: 1440 }, (_, m) => 1 + 0.5 * Math.sin((2 * Math.PI * (m - 780)) / 1440));

function seasonal(t: number): number {
  return SEASONAL[Math.floor((t % DAY) / MINUTE)]!;
}

/** Scratch columns of one split (at most 5 children), reused: a page draws thousands of splits. */
const dev = new Float64Array(6), path = new Float64Array(6), high = new Float64Array(5), low = new Float64Array(5);
const weight = new Float64Array(5), volume = new Float64Array(5), trades = new Float64Array(5), value = new Float64Array(5);
const quote = new Float64Array(5), takerBase = new Float64Array(5), takerQuote = new Float64Array(5);

/**
 * Bar `p` of `src` split into `n` children of `childMs`, drawn inside it, written at `out[at…]`: the price
 * path is a Brownian bridge from the parent's open to its close, squeezed into its range; one child
 * reaches its high and one its low; volumes are shared out in whole units, at least one unit and one
 * trade a minute, so that the children aggregate exactly to the parent.
 */
function splitBar(src: BaseBars, p: number, n: number, childMs: number, sigma: number, s: Scales, draw: Draws, out: BaseBars, at: number): void {
  const t0 = src.time[p]!;
  const O = Math.round(src.open[p]! * s.price), H = Math.round(src.high[p]! * s.price);
  const L = Math.round(src.low[p]! * s.price), C = Math.round(src.close[p]! * s.price);
  const V = Math.round(src.volume[p]! * s.volume), T = src.trades[p]!;
  if (V === 0 && T === 0 && O === H && O === L && O === C) {
    for (let k = 0; k < n; k++) writePlaceholder(out, at + k, src.open[p]!, t0 + k * childMs);
    return;
  }
  // the path: a bridge from O to C (in ticks; a bar's moves are small enough for prices, not logs),
  // its deviations scaled down until it fits in [L, H]
  dev[0] = 0;
  const step = sigma * O;
  for (let k = 1; k <= n; k++) dev[k] = dev[k - 1]! + draw.normal() * step;
  const end = dev[n]!;
  let squeeze = 1;
  for (let k = 1; k < n; k++) {
    const d = dev[k]! - (end * k) / n;
    dev[k] = d;
    const line = O + ((C - O) * k) / n;
    if (d > 0) squeeze = Math.min(squeeze, (H - line) / d);
    else if (d < 0) squeeze = Math.min(squeeze, (L - line) / d);
  }
  path[0] = O;
  path[n] = C;
  for (let k = 1; k < n; k++) path[k] = clamp(Math.round(O + ((C - O) * k) / n + squeeze * dev[k]!), L, H);

  let hiAt = 0, loAt = 0;
  for (let k = 0; k < n; k++) {
    const up = Math.max(path[k]!, path[k + 1]!), down = Math.min(path[k]!, path[k + 1]!);
    // wicks past the body of about half a standard deviation, and trading that varies ±60 % around the time of day's norm
    high[k] = clamp(Math.round(up * (1 + draw.wick() * sigma)), up, H);
    low[k] = clamp(Math.round(down / (1 + draw.wick() * sigma)), L, down);
    if (high[k]! > high[hiAt]!) hiAt = k;
    if (low[k]! < low[loAt]!) loAt = k;
    weight[k] = seasonal(t0 + k * childMs) * (0.4 + 1.2 * draw.uniform());
  }
  high[hiAt] = H;
  low[loAt] = L;

  const minutes = childMs / MINUTE;
  share(V - n * minutes, weight, n, minutes, volume);
  share(T - n * minutes, weight, n, minutes, trades);
  for (let k = 0; k < n; k++) value[k] = volume[k]! * (path[k]! + path[k + 1]!);
  share(Math.round(src.quoteVolume[p]! * s.quote), value, n, 0, quote);
  share(Math.round(src.takerBase[p]! * s.volume), volume, n, 0, takerBase);
  share(Math.round(src.takerQuote[p]! * s.quote), quote, n, 0, takerQuote);
  for (let k = 0; k < n; k++) {
    writeBar(out, at + k, t0 + k * childMs, s, path[k]!, high[k]!, low[k]!, path[k + 1]!, volume[k]!, quote[k]!, trades[k]!, takerBase[k]!, takerQuote[k]!);
  }
}

/**
 * `total` whole units shared in proportion to the first `n` weights (cumulative rounding, so the parts
 * sum to it exactly and none exceeds its weight's share by a unit), each part raised by `floor`.
 */
function share(total: number, weights: Float64Array, n: number, floor: number, out: Float64Array): void {
  let sum = 0;
  for (let k = 0; k < n; k++) sum += weights[k]!;
  let cum = 0, given = 0;
  for (let k = 0; k < n; k++) {
    cum += weights[k]!;
    const upTo = k === n - 1 ? total : sum > 0 ? Math.round((total * cum) / sum) : 0;
    out[k] = floor + upTo - given;
    given = upTo;
  }
}

/** Four uniforms sum to variance 1/3. */
const SQRT3 = Math.sqrt(3);

/** Seeded draws: mulberry32 uniforms, near-normals, wick lengths. */
class Draws {
  private a: number;

  constructor(seed: number) {
    this.a = seed >>> 0;
  }

  uniform(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A standard normal, closely enough for prices: the Irwin–Hall sum of four uniforms, rescaled. */
  normal(): number {
    return (this.uniform() + this.uniform() + this.uniform() + this.uniform() - 2) * SQRT3;
  }

  /** How far past the open/close a bar's extreme reaches, in standard deviations: u², mean 1/2, cheap. */
  wick(): number {
    const u = this.uniform();
    return 1.5 * u * u;
  }
}

/** Rows appended from other bars, into one allocation. */
class BarsBuilder {
  bars: BaseBars;
  length = 0;

  constructor(capacity: number) {
    this.bars = allocBaseBars(capacity);
  }

  append(src: BaseBars, from: number, to: number): void {
    to = Math.min(to, src.time.length);
    if (to <= from) return;
    if (this.length + to - from > this.bars.time.length) this.bars = grow(this.bars, this.length, this.length + to - from);
    // a few rows (a listing or maintenance day) by hand: a view per column costs more than the copy
    if (to - from < 64) for (const k of BAR_KEYS) for (let i = from, at = this.length; i < to; i++, at++) this.bars[k][at] = src[k][i]!;
    else for (const k of BAR_KEYS) this.bars[k].set(src[k].subarray(from, to), this.length);
    this.length += to - from;
  }

  done(): BaseBars {
    return this.length === this.bars.time.length ? this.bars : sliceBars(this.bars, 0, this.length);
  }
}

function grow(bars: BaseBars, used: number, need: number): BaseBars {
  const out = allocBaseBars(Math.max(need, bars.time.length * 2));
  for (const k of BAR_KEYS) out[k].set(bars[k].subarray(0, used));
  return out;
}

function floorTo(t: number, ms: number): number {
  return Math.floor(t / ms) * ms;
}

function writeBar(out: BaseBars, i: number, time: number, s: Scales, o: number, h: number, l: number, c: number,
  volume: number, quote: number, trades: number, takerBase: number, takerQuote: number): void {
  out.time[i] = time;
  out.open[i] = o / s.price;
  out.high[i] = h / s.price;
  out.low[i] = l / s.price;
  out.close[i] = c / s.price;
  out.volume[i] = volume / s.volume;
  out.quoteVolume[i] = quote / s.quote;
  out.trades[i] = trades;
  out.takerBase[i] = takerBase / s.volume;
  out.takerQuote[i] = takerQuote / s.quote;
}

/** A halted market: the exchange still prints the candle, flat at the last price, with no trades. */
function writePlaceholder(out: BaseBars, i: number, price: number, time = out.time[i]!): void {
  out.time[i] = time;
  out.open[i] = out.high[i] = out.low[i] = out.close[i] = price;
  out.volume[i] = out.quoteVolume[i] = out.trades[i] = out.takerBase[i] = out.takerQuote[i] = 0;
}

function within(bars: BaseBars, from: number, to: number): BaseBars {
  const a = lowerBound(bars.time, from);
  const b = lowerBound(bars.time, to);
  return a === 0 && b === bars.time.length ? bars : sliceBars(bars, a, b);
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function lruGet<K, V>(cache: Map<K, V>, key: K): V | undefined {
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
  }
  return hit;
}

function lruSet<K, V>(cache: Map<K, V>, key: K, value: V, max: number): void {
  cache.set(key, value);
  if (cache.size > max) cache.delete(cache.keys().next().value!);
}
