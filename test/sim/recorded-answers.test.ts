import { basename } from 'node:path';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { startSim } from '../../src/sim/server.js';
import { readRecordings, shapeDifferences, type Recording } from '../helpers/recordings.js';

const DAY = 86_400_000;
const recordings = await readRecordings();

/** The latest time a recording speaks of (its query's and its rows'): the simulator's clock is set a day after it. */
function latestTime(r: Recording): number {
  const times: number[] = [];
  for (const v of Object.values(r.query ?? {})) if (/^\d{13}$/.test(v)) times.push(Number(v));
  const visit = (x: unknown, depth: number): void => {
    if (depth > 3 || x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      if (typeof x[0] === 'number' && x[0] > 1e12) times.push(x[0]);
      x.forEach((y) => visit(y, depth + 1));
      return;
    }
    for (const [k, v] of Object.entries(x)) {
      if (typeof v === 'number' && v > 1e12 && /time|Time|^T$|^E$|timestamp/.test(k)) times.push(v);
      else visit(v, depth + 1);
    }
  };
  visit(r.body ?? r.frames, 0);
  return times.length > 0 ? Math.max(...times) : Date.parse('2026-01-01T00:00:00Z');
}

/** The coin a recording asks about (`BTCUSDT` → BTC), so the simulator lists it. */
function coinOf(r: Recording): string | undefined {
  const id = r.query?.['symbol'] ?? r.query?.['pair'];
  return id?.replace(/USDT$/, '');
}

/** Ask the simulator what the recording asked the exchange, at the recording's time. */
async function ask(r: Recording): Promise<unknown> {
  const coin = coinOf(r);
  const ws = r.kind === 'websocket';
  const sim = await startSim({
    port: 0, now: latestTime(r) + DAY, seed: 7, universe: r.route.startsWith('/coingecko'),
    ...(coin ? { symbols: [`${coin}/USDT`] } : {}), ...(ws ? { speed: 600, liquidationRate: 50 } : {}),
  });
  try {
    if (!ws) {
      const q = new URLSearchParams(r.query ?? {});
      const res = await fetch(`${sim.url}${r.route}${q.size > 0 ? `?${q}` : ''}`);
      expect(res.status, `${r.route}: ${await res.clone().text()}`).toBe(200);
      return await res.json();
    }
    return await new Promise((resolve, reject) => {
      const socket = new WebSocket(`${sim.url.replace('http', 'ws')}${r.route}`);
      const timer = setTimeout(() => reject(new Error(`no frame from ${r.route} within 5 s`)), 5_000);
      socket.on('message', (data) => { clearTimeout(timer); socket.terminate(); resolve(JSON.parse(data.toString())); });
      socket.on('error', (e) => { clearTimeout(timer); reject(e); });
    });
  } finally {
    await sim.close();
  }
}

// Each recording is asked of the simulator the way it was asked of the exchange; the answers must have the
// same shape: field names, string or number, empty or not, the order of rows and fields, framing, and
// (where a recording asks) decimal places and values. So the simulator cannot drift from the exchange again.
describe.concurrent('the simulator answers as the recorded exchange did', () => {
  it('has recordings to compare with', () => {
    expect(recordings.length).toBeGreaterThanOrEqual(20);
  });
  for (const r of recordings) {
    it(`${r.venue} ${r.route} (${basename(r.file)}, recorded ${r.recorded})`, async () => {
      const served = await ask(r);
      if (r.frames) {
        const tries = r.frames.map((f) => shapeDifferences(f, served, r));
        expect(tries.find((d) => d.length === 0) ?? tries[0], JSON.stringify(served).slice(0, 300)).toEqual([]);
      } else {
        expect(shapeDifferences(r.body, served, r), JSON.stringify(served).slice(0, 300)).toEqual([]);
      }
    });
  }
});

describe('the liquidation stream is served where Binance serves it now', () => {
  it('under /market/ only: the retired legacy roots are refused with 404', async () => {
    const sim = await startSim({ port: 0, now: Date.parse('2026-11-20T10:00:00Z'), seed: 7 });
    try {
      const ws = sim.url.replace('http', 'ws');
      const status = (path: string) => new Promise<number>((resolve) => {
        const socket = new WebSocket(`${ws}${path}`);
        socket.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); socket.terminate(); });
        socket.on('open', () => { resolve(101); socket.terminate(); });
        socket.on('error', () => undefined);
      });
      expect(await status('/ws/!forceOrder@arr')).toBe(404);
      expect(await status('/stream?streams=btcusdt@forceOrder')).toBe(404);
      expect(await status('/market/ws/!forceOrder@arr')).toBe(101);
      expect(await status('/market/stream?streams=btcusdt@forceOrder')).toBe(101);
    } finally {
      await sim.close();
    }
  });
});
