import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTimeframe } from '../../src/core/timeframe.js';
import { createCcxtClient } from '../../src/exchange/ccxt-client.js';
import type { ExchangeClient } from '../../src/exchange/exchange-client.js';
import { EventColumns } from '../../src/liquidations/events.js';
import { BINANCE_LIQUIDATIONS } from '../../src/exchange/binance/liquidation-feed.js';
import { PauseGate } from '../../src/core/retry.js';
import { silentLog } from '../../src/core/log.js';
import { jobOf } from '../../src/pipeline/dataset-job.js';
import { recordOf } from '../../src/datasets/registry.js';
import { createCoinGeckoClient } from '../../src/sources/coingecko-client.js';
import { WeightScheduler } from '../../src/exchange/weight-scheduler.js';
import { readRecordings, type Recording } from '../helpers/recordings.js';

/**
 * The project's own parsing of real answers: each recording is served as it was recorded (a replay server)
 * and read through the code that reads the exchange (ccxt and our mapping), and every value it stores is
 * checked against the recorded text, independently: decimal text is its number, and an empty string, a
 * null or a missing field is missing (NaN), never 0. Recordings in QML_RECORDINGS folders are checked too.
 */

const recordings = await readRecordings();
/** What the replay server answers, by path: the recording under test, and the markets ccxt must load first. */
const answers = new Map<string, unknown>();
let server: Server;
let base: string;
let client: ExchangeClient;

/** Recorded text → the number a store must hold: decimal text is its number, anything else missing. */
function expected(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v.trim())) return Number(v);
  return NaN;
}

const sameNumbers = (got: ArrayLike<number>, want: number[]) => expect(Array.from(got).map((x) => (Number.isNaN(x) ? 'missing' : x)))
  .toEqual(want.map((x) => (Number.isNaN(x) ? 'missing' : x)));

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const body = answers.get(path);
    if (body === undefined) return res.writeHead(404).end('{"code":-1000,"msg":"not recorded"}');
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const r of recordings.filter((x) => x.venue === 'binance' && x.route.endsWith('/exchangeInfo'))) answers.set(r.route, r.body);
  client = createCcxtClient({ exchange: 'binance', apiUrl: base, timeoutMs: 5_000 });
});

afterAll(async () => {
  await client?.close();
  await new Promise((resolve) => server.close(resolve));
});

const deps = () => ({ clientFor: () => client, log: silentLog });
const retry = () => ({ policy: { attempts: 1, baseMs: 0, maxMs: 0, totalMs: 1_000 }, gate: new PauseGate(), log: silentLog });
const FAR = Date.parse('2100-01-01T00:00:00Z');
const STATISTIC_OF: Record<string, string> = {
  openInterestHist: 'open-interest', globalLongShortAccountRatio: 'long-short-global', topLongShortAccountRatio: 'long-short-top-accounts',
  topLongShortPositionRatio: 'long-short-top-positions', takerlongshortRatio: 'taker-volume',
};
const FIELDS: Record<string, Record<string, string>> = {
  'open-interest': { contracts: 'sumOpenInterest', value: 'sumOpenInterestValue' },
  'taker-volume': { buySellRatio: 'buySellRatio', buyVolume: 'buyVol', sellVolume: 'sellVol' },
};
const LONG_SHORT = { long: 'longAccount', short: 'shortAccount', ratio: 'longShortRatio' };

/** How each recorded route is read by the project, and what it must yield. */
async function check(r: Recording): Promise<boolean> {
  const path = r.route.split('?')[0]!;
  const rows = r.body as Record<string, unknown>[];
  const symbolOf = (id: string) => `${id.replace(/USDT$/, '')}/USDT:USDT`;
  if (path === '/fapi/v1/fundingRate') {
    answers.set(path, r.body);
    const source = await jobOf(recordOf('funding')!).open({ symbol: symbolOf(String(rows[0]!['symbol'])), exchange: 'binance' }, deps(), retry());
    const got = await source.pager(parseTimeframe('1h'), FAR).fetch(0);
    sameNumbers(got.time, rows.map((x) => expected(x['fundingTime'])));
    sameNumbers(got['rate']!, rows.map((x) => expected(x['fundingRate'])));
    sameNumbers(got['markPrice']!, rows.map((x) => expected(x['markPrice'])));
    return true;
  }
  const statistic = /^\/futures\/data\/(\w+)$/.exec(path)?.[1];
  if (statistic && STATISTIC_OF[statistic]) {
    answers.set(path, r.body);
    const dataset = STATISTIC_OF[statistic]!;
    const tf = parseTimeframe(r.query?.['period'] ?? '5m');
    const times = rows.map((x) => Number(x['timestamp']));
    const source = await jobOf(recordOf(dataset)!).open({ symbol: symbolOf(r.query?.['symbol'] ?? 'BTCUSDT'), exchange: 'binance' }, deps(), retry());
    const page = await source.pager(tf, Math.max(...times) + tf.ms).fetch(Math.min(...times));
    sameNumbers(page.time, times);
    for (const [key, field] of Object.entries(FIELDS[dataset] ?? LONG_SHORT)) sameNumbers(page[key]!, rows.map((x) => expected(x[field])));
    return true;
  }
  if (path === '/fapi/v1/klines' || path === '/api/v3/klines') {
    answers.set(path, r.body);
    const k = r.body as unknown[][];
    const got = await client.fetchCandles({ symbol: path.startsWith('/fapi') ? 'BTC/USDT:USDT' : 'BTC/USDT', timeframe: r.query?.['interval'] ?? '1m',
      since: Number(k[0]![0]), until: FAR, limit: k.length });
    ['time', 'open', 'high', 'low', 'close', 'volume'].forEach((c, i) => sameNumbers((got as unknown as Record<string, Float64Array>)[c]!, k.map((x) => expected(x[i]))));
    return true;
  }
  if (path === '/fapi/v1/markPriceKlines' || path === '/fapi/v1/premiumIndexKlines') {
    answers.set(path, r.body);
    const k = r.body as unknown[][];
    const dataset = path.includes('mark') ? 'mark-price' : 'premium-index';
    const tf = parseTimeframe(r.query?.['interval'] ?? '1m');
    const source = await jobOf(recordOf(dataset)!).open({ symbol: 'BTC/USDT:USDT', exchange: 'binance' }, deps(), retry());
    const page = await source.pager(tf, Number(k[k.length - 1]![0]) + tf.ms).fetch(Number(k[0]![0]));
    ['time', 'open', 'high', 'low', 'close'].forEach((c, i) => sameNumbers(page[c]!, k.map((x) => expected(x[i]))));
    return true;
  }
  if (path === '/fapi/v1/time' || path === '/api/v3/time') {
    // the spot client asks its own family's clock: the same answer
    answers.set('/api/v3/time', r.body);
    answers.set('/fapi/v1/time', r.body);
    expect(await client.serverTime()).toBe((r.body as { serverTime: number }).serverTime);
    return true;
  }
  if (path === '/api/v3/ticker/24hr' || path === '/fapi/v1/ticker/24hr') {
    const list = Array.isArray(r.body) ? r.body as Record<string, unknown>[] : [r.body as Record<string, unknown>];
    answers.set(path, list);
    const got = await client.quoteVolumes(path.startsWith('/fapi') ? 'perp' : 'spot');
    const btc = got.find((t) => t.symbol.startsWith('BTC/USDT'));
    expect(btc?.quoteVolume).toBe(expected(list.find((x) => x['symbol'] === 'BTCUSDT')!['quoteVolume']));
    return true;
  }
  if (r.kind === 'websocket') {
    const frames = (r.frames ?? []).map((f) => JSON.stringify(f));
    const cols = new EventColumns();
    const kinds = frames.map((text) => BINANCE_LIQUIDATIONS.parse(text, { contractSize: () => 1 }, (e) => cols.add(e)));
    expect(kinds.every((k) => k === 'events'), 'every recorded frame is read as an event').toBe(true);
    const f = cols.frame();
    const raw = (r.frames ?? []).map((x) => ((x as { data?: unknown }).data ?? x) as { o: Record<string, unknown> }).map((x) => x.o);
    for (const [col, field] of [['quantity', 'q'], ['price', 'p'], ['averagePrice', 'ap'], ['lastFilled', 'l'], ['filledAccumulated', 'z']] as const) {
      sameNumbers(f[col]!, raw.map((o) => expected(o[field])));
    }
    return true;
  }
  if (path === '/coingecko/api/v3/coins/markets') {
    answers.set('/coins/markets', r.body);
    const cg = createCoinGeckoClient({ baseUrl: base, plan: 'demo', timeoutMs: 5_000 }, new WeightScheduler({}));
    const got = await cg.marketsPage(1);
    expect(got.map((c) => [c.id, c.symbol, c.marketCap, c.volume24h])).toEqual(rows.map((x) => [x['id'], x['symbol'], x['market_cap'] ?? null, x['total_volume'] ?? null]));
    return true;
  }
  const chart = /^\/coingecko\/api\/v3(\/coins\/[^/]+\/market_chart\/range)$/.exec(path);
  if (chart) {
    answers.set(chart[1]!, r.body);
    const cg = createCoinGeckoClient({ baseUrl: base, plan: 'demo', timeoutMs: 5_000 }, new WeightScheduler({}));
    const got = await cg.marketChart(path.split('/')[5]!, 0, FAR);
    expect(got.prices).toEqual((r.body as { prices: unknown }).prices);
    return true;
  }
  return false;
}

describe('real recorded answers, read by the project\'s own parsing: every value as recorded, a missing one missing (never 0)', () => {
  for (const r of recordings.filter((x) => !x.route.endsWith('/exchangeInfo') && !x.route.endsWith('/fundingInfo'))) {
    it(`${r.venue} ${r.route} (${basename(r.file)})`, async () => {
      expect(await check(r), `no check reads ${r.route}: add one`).toBe(true);
    });
  }
});
