import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMaster } from '../../src/store/store-read.js';
import { binanceAt } from '../helpers/ccxt-binance.js';
import { runBinary, tempDir } from '../helpers/cli.js';
import { fixture, ROOT } from '../helpers/fixtures.js';

describe('qml-data sim (the binary)', () => {
  it('prints "listening on" first, serves a replay through ccxt, and stops cleanly on SIGTERM', async () => {
    const file = fixture('btcusdt-1h-2017.djienne.freqtrade.json');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'qml-data.js'), 'sim', '--port', '0', '--now', '2017-11-25T10:30:00Z', '--replay', `BTC/USDT=${file}`, '--log-level', 'silent'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const first = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
    const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first);
    expect(m, first).not.toBeNull();
    const ex = binanceAt(m![1]!);
    const rows = (await ex.fetchOHLCV('BTC/USDT', '1h', 0, 3)) as number[][];
    expect(rows[0]).toEqual([1502942400000, 4261.48, 4313.62, 4261.32, 4308.83, 47.181009]);
    expect(await ex.fetchTime()).toBe(Date.parse('2017-11-25T10:30:00Z'));
    child.kill('SIGTERM');
    const [code] = await once(child, 'close');
    expect(code).toBe(0);
  });
});

describe('qml-data demo (the quick start)', () => {
  it('builds, updates and validates ETH/USDT 1h and 4h offline', async () => {
    const dir = await tempDir();
    const r = await runBinary(['demo', '--data-dir', dir, '--days', '30']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('$ qml-data build --symbol ETH/USDT --timeframes 1h 4h --days 30');
    expect(r.stdout).toMatch(/\$ qml-data update\nwritten\s+ETH\/USDT 1h/);
    expect(r.stdout).toMatch(/2 store\(s\): \d ok, \d warn, 0 fail/);
    const h1 = await loadMaster({ symbol: 'ETH/USDT', timeframe: '1h', dataDir: dir });
    expect(h1.time.length).toBeGreaterThan(30 * 24 + 40); // 30 days built, then two more days appended
  });
});
