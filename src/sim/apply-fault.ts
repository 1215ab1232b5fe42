import type { ServerResponse } from 'node:http';
import { parseTimeframe, TIMEFRAME_NAMES } from '../core/timeframe.js';
import type { FaultRule } from './faults.js';
import type { MarketCatalog } from './market-catalog.js';
import { hash32, makeRng } from './rng.js';
import type { ApiFamily, SimResponse } from './router.js';

/** Candles an "overlap" page reaches back into the previous page. */
const OVERLAP = 5;

/** Faults that replace the answer before the route runs; returns true when the response is taken care of. */
export function answerWithFault(f: FaultRule, res: ServerResponse, headers: Record<string, string>): boolean {
  switch (f.kind) {
    case '429':
    case '418':
      res.writeHead(Number(f.kind), { ...headers, 'Retry-After': String(f.retryAfter ?? 1) })
        .end(JSON.stringify({ code: -1003, msg: f.kind === '429' ? 'Too many requests; current limit is exceeded.' : 'Way too many requests; IP banned.' }));
      return true;
    case '500':
    case '503':
      res.writeHead(Number(f.kind), headers).end(JSON.stringify({ code: -1001, msg: 'Internal error; unable to process your request. Please try again.' }));
      return true;
    case '502':
      res.writeHead(502, { 'Content-Type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      return true;
    case 'hang':
      return true; // never answer; the client's timeout must save it
    case 'reset-before':
      res.socket?.destroy();
      return true;
    case 'reset-headers':
      res.writeHead(200, { ...headers, 'Content-Length': '4096' });
      res.flushHeaders();
      setTimeout(() => res.socket?.destroy(), 5);
      return true;
    case 'bad-json':
      res.writeHead(200, headers).end('[[1502942400000,"4261.48","4313.62",');
      return true;
    case 'html':
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!DOCTYPE html><html><body>System maintenance. Please try again later.</body></html>');
      return true;
    default:
      return false;
  }
}

/** Faults that change the request before the route runs. */
export function rewriteRequest(f: FaultRule, query: URLSearchParams, catalog: MarketCatalog, family: ApiFamily): void {
  if (f.kind === 'delist') {
    const id = query.get('symbol');
    if (id) catalog.delist(family === 'spot' ? 'spot' : 'perp', id.toUpperCase());
  }
  if (f.kind === 'overlap') {
    const start = Number(query.get('startTime'));
    const interval = query.get('interval') ?? '';
    if (Number.isFinite(start) && TIMEFRAME_NAMES.includes(interval)) {
      query.set('startTime', String(Math.max(0, start - OVERLAP * parseTimeframe(interval).ms)));
    }
  }
}

/** Faults that mangle a successful answer: rows dropped, shuffled, or given impossible values. */
export function mangleReply(f: FaultRule, reply: SimResponse, seed: number, n: number): SimResponse {
  if (reply.status !== 200 || !['empty', 'shuffle', 'bad-values'].includes(f.kind)) return reply;
  if (f.kind === 'empty') return { status: 200, body: '[]' };
  const rows = JSON.parse(Buffer.from(reply.body).toString('utf8')) as unknown[][];
  const rng = makeRng(hash32(`fault|${seed}|${f.kind}|${n}`));
  if (f.kind === 'shuffle') {
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
  } else {
    spoilRows(rows, rng);
  }
  return { status: 200, body: JSON.stringify(rows) };
}

/** One row each with null, NaN, empty string, zero and negative prices, and one with High < Low. */
function spoilRows(rows: unknown[][], rng: () => number): void {
  const spoilers: ((r: unknown[]) => void)[] = [
    (r) => { r[1] = null; },
    (r) => { r[4] = 'NaN'; },
    (r) => { r[2] = ''; },
    (r) => { r[3] = '0'; },
    (r) => { r[4] = '-1.5'; },
    (r) => { [r[2], r[3]] = [r[3], r[2]]; },
  ];
  spoilers.forEach((spoil) => {
    const r = rows[Math.floor(rng() * rows.length)];
    if (r) spoil(r);
  });
}
