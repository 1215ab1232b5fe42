import { describe, expect, it } from 'vitest';
import { binanceRequestCost, cheapestKlinePage, usdmKlineWeight, weightHeaderWindowMs, weightLimitOf } from '../../src/exchange/binance/weights.js';
import { WeightScheduler, type Clock } from '../../src/exchange/weight-scheduler.js';

/** A clock that only moves when someone sleeps: every decision is visible as a time. */
class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
  }
}

const MIN = 60_000;
const T0 = Date.parse('2026-12-01T12:00:00Z');

describe('the weight scheduler on a fake clock', () => {
  it('spends the window budget at once, less its margin, then waits for the window boundary', async () => {
    const clock = new FakeClock(T0 + 10_000);
    const s = new WeightScheduler({ usdm: { limit: 2400, windowMs: MIN } }, clock, { margin: 0.03, boundaryGuardMs: 50 });
    const cap = 2400 - 72;
    for (let i = 0; i < cap / 2; i++) s.settle(await s.acquire('usdm', 2));
    expect(clock.t).toBe(T0 + 10_000); // 1,164 requests without a single wait
    const next = await s.acquire('usdm', 2);
    expect(clock.sleeps).toEqual([50_000 + 50]); // to the next minute (+ the guard), not a fixed spacing
    expect(next.window).toBe(T0 + MIN);
    expect(s.usageOf()[0]).toMatchObject({ requests: cap / 2 + 1, weight: cap + 2, windowWaits: 1 });
  });

  it('counts weight in flight: never more than the budget is outstanding', async () => {
    const clock = new FakeClock(T0);
    const s = new WeightScheduler({ spot: { limit: 100, windowMs: MIN } }, clock, { margin: 0.03 });
    const held = [];
    for (let i = 0; i < 48; i++) held.push(await s.acquire('spot', 2)); // 96 of the 97 allowed, unanswered
    expect(clock.sleeps).toEqual([]);
    await s.acquire('spot', 2);
    expect(clock.sleeps).toHaveLength(1);
  });

  it('takes the server count as the truth: weight another process spent on this IP is respected', async () => {
    const clock = new FakeClock(T0 + 1_000);
    const s = new WeightScheduler({ usdm: { limit: 2400, windowMs: MIN } }, clock, { margin: 0.03, boundaryGuardMs: 0 });
    const t = await s.acquire('usdm', 2);
    s.settle(t, 2000); // another process had spent 1,998 in this window
    for (let i = 0; i < (2328 - 2000) / 2; i++) s.settle(await s.acquire('usdm', 2), 2000 + 2 * (i + 1));
    expect(clock.sleeps).toEqual([]);
    await s.acquire('usdm', 2);
    expect(clock.sleeps).toEqual([59_000]);
  });

  it('ignores a count that belongs to a window already past', async () => {
    const clock = new FakeClock(T0 + 59_990);
    const s = new WeightScheduler({ usdm: { limit: 2400, windowMs: MIN } }, clock, { boundaryGuardMs: 0 });
    const late = await s.acquire('usdm', 2);
    clock.t = T0 + MIN + 5; // the answer arrives after the boundary, carrying the old window's count
    await s.acquire('usdm', 2);
    s.settle(late, 2390);
    await s.acquire('usdm', 2);
    expect(clock.sleeps).toEqual([]);
  });

  it('after a 429 sends nothing to that family until its Retry-After has passed (else the window end)', async () => {
    const clock = new FakeClock(T0 + 30_000);
    const s = new WeightScheduler({ spot: { limit: 6000, windowMs: MIN }, usdm: { limit: 2400, windowMs: MIN } }, clock, { boundaryGuardMs: 0 });
    s.settle(await s.acquire('spot', 2), 100);
    s.refused('spot', 7_000);
    await s.acquire('usdm', 2); // another family's budget is its own
    expect(clock.sleeps).toEqual([]);
    await s.acquire('spot', 2);
    expect(clock.sleeps).toEqual([7_000]);
    s.refused('spot');
    await s.acquire('spot', 2);
    expect(clock.sleeps).toEqual([7_000, 23_000]);
  });

  it('learns a limit and window the exchange publishes; families without a budget pass through', async () => {
    const clock = new FakeClock(T0);
    const s = new WeightScheduler({ usdm: { limit: 2400, windowMs: MIN } }, clock, { margin: 0, boundaryGuardMs: 0 });
    s.learnLimit('usdm', { limit: 10, windowMs: 10_000 });
    for (let i = 0; i < 5; i++) await s.acquire('usdm', 2);
    await s.acquire('usdm', 2);
    expect(clock.sleeps).toEqual([10_000]);
    await s.acquire('other', 50);
    expect(clock.sleeps).toHaveLength(1);
  });
});

describe("Binance's weight table", () => {
  it('weighs USDT-M klines by limit and spot klines flat, and picks the cheapest page per candle', () => {
    expect([99, 100, 499, 500, 1000, 1001, 1500].map(usdmKlineWeight)).toEqual([1, 2, 2, 5, 5, 10, 10]);
    expect(binanceRequestCost('http://127.0.0.1:8787/fapi/v1/klines?symbol=BTCUSDT&interval=5m&limit=499')).toEqual({ family: 'usdm', weight: 2 });
    expect(binanceRequestCost('https://fapi.binance.com/fapi/v1/klines?symbol=BTCUSDT&interval=5m')).toEqual({ family: 'usdm', weight: 5 });
    expect(binanceRequestCost('https://api.binance.com/api/v3/klines?symbol=BTCUSDT&interval=5m&limit=1000')).toEqual({ family: 'spot', weight: 2 });
    expect(binanceRequestCost('https://api.binance.com/api/v3/exchangeInfo')).toEqual({ family: 'spot', weight: 20 });
    expect(binanceRequestCost('https://fapi.binance.com/futures/data/openInterestHist?symbol=BTCUSDT&period=5m')).toEqual({ family: 'futures-data', weight: 1 });
    expect(binanceRequestCost('https://example.com/other')).toBeUndefined();
    expect(cheapestKlinePage('swap')).toBe(499);
    expect(cheapestKlinePage('spot')).toBe(1000);
  });

  it('reads the window from the weight header name and the limit from exchangeInfo', () => {
    expect(weightHeaderWindowMs('x-mbx-used-weight-1m')).toBe(60_000);
    expect(weightHeaderWindowMs('X-MBX-USED-WEIGHT-10S')).toBe(10_000);
    expect(weightHeaderWindowMs('x-mbx-order-count-10s')).toBeUndefined();
    expect(weightLimitOf([{ rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 }])).toEqual({ limit: 2400, windowMs: 60_000 });
    expect(weightLimitOf([{ rateLimitType: 'REQUEST_WEIGHT', interval: 'SECOND', intervalNum: 10, limit: 300 }])).toEqual({ limit: 300, windowMs: 10_000 });
    expect(weightLimitOf(undefined)).toBeUndefined();
  });
});

describe('how many requests the scheduler wants in flight', () => {
  it('more while the run spends slower than the rest of the window allows, at most double; the same while the budget holds it back', async () => {
    const clock = new FakeClock(T0 + 1_000);
    const s = new WeightScheduler({ usdm: { limit: 2400, windowMs: MIN } }, clock, { margin: 0.03 });
    expect(s.wantedInFlight(4)).toBe(4); // nothing measured yet
    // 4 in flight, one weight-2 page every 100 ms: 0.02 weight/ms, where 2,328 weight over the 59 s left is 0.039/ms
    for (let i = 0; i < 20; i++) {
      s.settle(await s.acquire('usdm', 2));
      clock.t += 100;
    }
    expect(s.wantedInFlight(4)).toBe(8);
    // 10x slower than needed: still at most double
    const slowClock = new FakeClock(T0 + 1_000);
    const slow = new WeightScheduler({ usdm: { limit: 24_000, windowMs: MIN } }, slowClock, { margin: 0.03 });
    for (let i = 0; i < 20; i++) {
      slow.settle(await slow.acquire('usdm', 2));
      slowClock.t += 100;
    }
    expect(slow.wantedInFlight(3)).toBe(6);
    // the budget is spent: requests wait for the next window, and more in flight would only wait too
    for (let i = 0; i < 1200; i++) s.settle(await s.acquire('usdm', 2));
    expect(clock.sleeps.length).toBeGreaterThan(0);
    clock.t += 1_000;
    for (let i = 0; i < 10; i++) {
      s.settle(await s.acquire('usdm', 2));
      clock.t += 100;
    }
    expect(s.wantedInFlight(4)).toBe(4);
  });

  it('the same when the run already spends at the rate that uses the window', async () => {
    const clock = new FakeClock(T0 + 30_000);
    const s = new WeightScheduler({ spot: { limit: 6000, windowMs: MIN } }, clock, { margin: 0.03 });
    // 2 weight per 10 ms = 0.2/ms, more than the 5,820 / 30 s = 0.194/ms that spends the window by its end
    for (let i = 0; i < 100; i++) {
      s.settle(await s.acquire('spot', 2));
      clock.t += 10;
    }
    expect(s.wantedInFlight(6)).toBe(6);
  });
});

describe('a rolling window (no headers: every request counts from its send until a window after its answer)', () => {
  it('sends the budget less its margin, then waits until the oldest answer leaves the window', async () => {
    const clock = new FakeClock(T0);
    const s = new WeightScheduler({ ip: { limit: 600, windowMs: 5_000, rolling: true } }, clock, { margin: 0.03 });
    for (let i = 0; i < 582; i++) {
      const t = await s.acquire('ip', 1);
      clock.t += 2; // answered 2 ms later
      s.settle(t);
    }
    expect(clock.sleeps).toEqual([]);
    const started = clock.t;
    await s.acquire('ip', 1);
    // the first answer came at T0 + 2: it counts until T0 + 5,002 (+1 ms)
    expect(clock.t).toBe(T0 + 2 + 5_000 + 1);
    expect(clock.t - started).toBeGreaterThan(3_800);
  });

  it('an unanswered request keeps counting: never more than the budget outstanding', async () => {
    // a clock that lets other work run at each sleep, so a waiting acquire can be watched
    class YieldingClock extends FakeClock {
      override async sleep(ms: number): Promise<void> {
        await super.sleep(ms);
        await new Promise((r) => setImmediate(r));
      }
    }
    const clock = new YieldingClock(T0);
    const s = new WeightScheduler({ ip: { limit: 11, windowMs: 1_000, rolling: true } }, clock, { margin: 0 }); // 10 after the least margin of 1
    const held = [];
    for (let i = 0; i < 10; i++) held.push(await s.acquire('ip', 1));
    let sent = false;
    const next = s.acquire('ip', 1).then(() => { sent = true; });
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(sent).toBe(false); // ten requests outstanding, none answered: the eleventh waits however long
    const answeredAt = clock.t;
    s.settle(held[0]!);
    await next;
    expect(clock.t).toBeGreaterThanOrEqual(answeredAt + 1_000); // counted until a window after its answer
  });

  it('a refusal without a Retry-After pauses the budget for its window; budgets made per instrument are their own', async () => {
    const clock = new FakeClock(T0);
    const s = new WeightScheduler({}, clock, { limitOf: (f) => (f.startsWith('funding:') ? { limit: 11, windowMs: 2_000, rolling: true } : undefined) });
    for (let i = 0; i < 10; i++) s.settle(await s.acquire('funding:BTC-USDT-SWAP', 1));
    for (let i = 0; i < 10; i++) s.settle(await s.acquire('funding:ETH-USDT-SWAP', 1));
    expect(clock.sleeps).toEqual([]); // two instruments, two budgets
    s.refused('funding:BTC-USDT-SWAP');
    await s.acquire('funding:BTC-USDT-SWAP', 1);
    expect(clock.t).toBeGreaterThanOrEqual(T0 + 2_000);
    expect(s.usageOf().map((u) => u.family).sort()).toEqual(['funding:BTC-USDT-SWAP', 'funding:ETH-USDT-SWAP']);
  });
});
