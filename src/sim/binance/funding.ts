import { hash32, makeRng } from '../rng.js';
import { fundingRateAt, fundingSchedule } from '../funding-model.js';
import type { MarketCatalog, SimMarket } from '../market-catalog.js';
import { json, type Router, type SimResponse } from '../router.js';
import { binanceError } from './errors.js';

const HOUR = 3_600_000;
/**
 * Binance's funding history carries `"markPrice": ""` on older settlements: empty on 2023-03-06
 * (JKorf/Binance.Net#1342) and 2023-01-01, filled on 2024-01-01 (recorded answers in test/fixtures/recorded).
 */
const MARK_PRICE_SINCE = Date.parse('2023-11-01T00:00:00Z');

export interface FundingContext {
  readonly catalog: MarketCatalog;
  readonly now: () => number;
  readonly seed: number;
}

/** Settlement times in [from, to), each with its rate and mark price. */
function settlements(m: SimMarket, seed: number, from: number, to: number, limit: number, newestFirst: boolean): { t: number; rate: number; mark: number | undefined }[] {
  const schedule = fundingSchedule(m, seed);
  const times: number[] = [];
  for (const [i, step] of schedule.entries()) {
    const end = Math.min(to, schedule[i + 1]?.from ?? Infinity);
    const ms = step.hours * HOUR;
    // a settlement is served a few ms after its slot: a slot belongs to the span when its served time can
    for (let t = Math.max(step.from, Math.ceil((from - 9) / ms) * ms); t < end; t += ms) times.push(t);
  }
  const served = times.filter((slot) => { const t = servedAt(m, seed, slot); return t >= from && t < to; });
  const picked = newestFirst ? served.slice(-limit) : served.slice(0, limit);
  return picked.map((slot) => ({ t: servedAt(m, seed, slot), rate: fundingRateAt(m, seed, slot), mark: slot >= MARK_PRICE_SINCE ? m.source.priceNear?.(slot) ?? 0 : undefined }));
}

/** When the settlement of `slot` is served: a few ms after the scheduled hour, as Binance does (…00:00:00.001, …08:00:00.007). */
function servedAt(m: SimMarket, seed: number, slot: number): number {
  return slot + (hash32(`funding-jitter|${seed}|${m.id}|${slot}`) % 10);
}

/**
 * `/fapi/v1/fundingRate` (history, ascending) and `/fapi/v1/fundingInfo`: every perpetual's interval (8 h
 * ones too) with its caps and `updateTime`; a `?symbol=` is ignored, as Binance does.
 */
export function addFundingRoutes(router: Router, ctx: FundingContext): void {
  router.add('GET', '/fapi/v1/fundingRate', { family: 'funding', weight: () => 1, handle: (req) => fundingRate(ctx, req.query) });
  router.add('GET', '/fapi/v1/fundingInfo', {
    family: 'funding', weight: () => 1,
    handle: () => json([...ctx.catalog.perp.values()].flatMap((m) => {
      const last = fundingSchedule(m, ctx.seed).filter((s) => s.from <= ctx.now()).pop();
      if (!last) return [];
      const rng = makeRng(hash32(`funding-info|${ctx.seed}|${m.id}`));
      const cap = rng() < 0.1 ? '0.03000000' : '0.02000000';
      // Binance's list ends with legacy rows: no update time, a disclaimer
      const legacy = rng() < 0.05;
      return [{ symbol: m.id, adjustedFundingRateCap: cap, adjustedFundingRateFloor: `-${cap}`, fundingIntervalHours: last.hours,
        disclaimer: legacy, updateTime: legacy ? null : Math.max(last.from, m.source.listedAt) + Math.floor(rng() * 3_600_000) }];
    })),
  });
}

function fundingRate(ctx: FundingContext, q: URLSearchParams): SimResponse {
  const id = q.get('symbol')?.toUpperCase();
  const m = id ? ctx.catalog.perp.get(id) : undefined;
  if (!m) return binanceError(400, -1121, 'Invalid symbol.');
  const limit = Number(q.get('limit') ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return binanceError(400, -1130, "Data sent for parameter 'limit' is not valid.");
  const start = q.get('startTime') === null ? undefined : Number(q.get('startTime'));
  const end = Math.min(q.get('endTime') === null ? Infinity : Number(q.get('endTime')) + 1, ctx.now() + 1);
  const rows = settlements(m, ctx.seed, start ?? 0, end, limit, start === undefined);
  return json(rows.map((r) => ({ symbol: m.id, fundingTime: r.t, fundingRate: r.rate.toFixed(8), markPrice: r.mark === undefined ? '' : r.mark.toFixed(8), rateType: 'Regular' })));
}

/**
 * A month of a perpetual's settlements as Binance's `fundingRate` archive holds them
 * (futures/um/monthly/fundingRate): a header, then `calc_time` (the scheduled settlement time, ms: the REST
 * answer's `fundingTime` is the moment it was served, a few ms later), `funding_interval_hours` and
 * `last_funding_rate` (the rate the REST answer gives, as it prints it).
 */
export function fundingArchiveCsv(m: SimMarket, seed: number, from: number, to: number): string {
  const lines = ['calc_time,funding_interval_hours,last_funding_rate'];
  const schedule = fundingSchedule(m, seed);
  for (const [i, step] of schedule.entries()) {
    const end = Math.min(to, schedule[i + 1]?.from ?? Infinity);
    const ms = step.hours * HOUR;
    for (let t = Math.max(step.from, Math.ceil(from / ms) * ms); t < end; t += ms) lines.push(`${t},${step.hours},${fundingRateAt(m, seed, t).toFixed(8)}`);
  }
  return `${lines.join('\n')}\n`;
}
