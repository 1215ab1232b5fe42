import { TemporaryExchangeError, UsageError } from '../../src/core/errors.js';
import { sliceFrame, type CandleFrame } from '../../src/core/frame.js';
import type { CandleRequest, ExchangeClient, ExchangeMarket, MarketInfo } from '../../src/exchange/exchange-client.js';

/** What the fake does to one request: answer, or fail in a chosen way. */
export type FakeReply = 'ok' | 'temporary' | 'empty' | 'bug';

/**
 * An in-memory exchange for in-process pipeline tests: real candles per symbol, pages of `limit`, and
 * a script of replies per request, so paging, retries and outcomes are tested in milliseconds.
 */
export class FakeExchange implements ExchangeClient {
  readonly id = 'binance';
  readonly requests: CandleRequest[] = [];
  probes = 0;

  constructor(
    private readonly series: Record<string, CandleFrame>,
    private readonly now: number,
    /** The reply to the n-th candle request (1-based); unlisted requests are answered. */
    private readonly script: (n: number, req: CandleRequest) => FakeReply = () => 'ok',
    private readonly limit = 1000,
  ) {}

  async market(symbol: string): Promise<MarketInfo> {
    if (!this.series[symbol]) throw new UsageError(`symbol "${symbol}" is not listed on binance`);
    return { symbol, id: symbol.replace('/', ''), type: 'spot', contractSize: 1, candlesPerPage: this.limit };
  }

  async markets(): Promise<ExchangeMarket[]> {
    return Object.keys(this.series).map((symbol) => ({ symbol, id: symbol.replace('/', ''), contractSize: 1, base: symbol.split('/')[0]!, quote: 'USDT', type: 'spot', linear: true, active: true }));
  }

  async request(): Promise<unknown> {
    return [];
  }

  async quoteVolumes(): Promise<{ symbol: string; quoteVolume: number }[]> {
    return Object.keys(this.series).map((symbol) => ({ symbol, quoteVolume: 1 }));
  }

  async serverTime(): Promise<number> {
    return this.now;
  }

  async fetchCandles(req: CandleRequest): Promise<CandleFrame> {
    this.requests.push(req);
    const reply = this.script(this.requests.length, req);
    if (reply === 'temporary') throw new TemporaryExchangeError('503 Service Unavailable');
    if (reply === 'bug') throw new TypeError("Cannot read properties of undefined (reading 'length')");
    const f = this.series[req.symbol]!;
    let a = 0;
    while (a < f.time.length && f.time[a]! < req.since) a++;
    let b = a;
    while (b < f.time.length && b - a < Math.min(req.limit, this.limit) && f.time[b]! < this.now) b++;
    return reply === 'empty' ? sliceFrame(f, a, a) : sliceFrame(f, a, b);
  }

  async lastCandleOpen(symbol: string, _timeframe: string, before: number): Promise<number | undefined> {
    this.probes++;
    const t = this.series[symbol]!.time;
    let last: number | undefined;
    for (let i = 0; i < t.length && t[i]! < before; i++) last = t[i];
    return last;
  }

  async close(): Promise<void> {}
}
