import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/cli/logger.js';
import { StatusLine } from '../../src/cli/status-line.js';
import { startSim } from '../../src/sim/server.js';
import { masterPath } from '../../src/store/store-path.js';
import { runBinary, tempDir } from '../helpers/cli.js';
import { ROOT } from '../helpers/fixtures.js';

const KEY = 'k3y-DO-NOT-LEAK-1234567890';
const SECRET = 's3cret-DO-NOT-LEAK-0987654321';

describe('API keys', () => {
  it('public-data commands send no key and never log or store one, even when keys are in the environment', async () => {
    const sim = await startSim({ port: 0, now: Date.parse('2024-03-10T12:34:00Z'), symbols: ['ETH/USDT'] });
    const dir = await tempDir();
    const env = { QML_LOG_LEVEL: 'debug', BINANCE_API_KEY: KEY, BINANCE_SECRET: SECRET, QML_API_KEY: KEY, QML_API_SECRET: SECRET, API_KEY: KEY };
    const r = await runBinary(['build', '--symbol', 'ETH/USDT', '--timeframes', '1h', '--days', '3', '--api-url', sim.url, '--data-dir', dir], env);
    const u = await runBinary(['update', '--api-url', sim.url, '--data-dir', dir], env);
    const headers = [...sim.headerNames];
    await sim.close();
    expect([r.code, u.code]).toEqual([0, 0]);
    expect(headers).not.toContain('x-mbx-apikey');
    expect(headers.filter((h) => /key|secret|signature|auth/i.test(h))).toEqual([]);
    for (const text of [r.stdout, r.stderr, u.stdout, u.stderr]) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(SECRET);
    }
    const bytes = await readFile(masterPath(dir, 'binance', 'ETH/USDT', '1h'));
    expect(bytes.includes(KEY)).toBe(false);
    expect(bytes.includes(SECRET)).toBe(false);
  });

  it('the logger redacts key-like fields wherever they appear', () => {
    const script = `import('${join(ROOT, 'dist', 'cli', 'logger.js')}').then(({ createLogger }) => {
      const log = createLogger('info');
      log.info({ apiKey: '${KEY}', nested: { secret: '${SECRET}' }, headers: { authorization: 'Bearer ${KEY}' } }, 'config');
    })`;
    const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    const line = JSON.parse(out.stderr.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ apiKey: '[redacted]', nested: { secret: '[redacted]' }, headers: { authorization: '[redacted]' }, msg: 'config' });
    expect(out.stderr).not.toContain(KEY);
    // on a terminal the same fields are redacted in the pretty lines written above the status line
    const shown: string[] = [];
    createLogger('info', new StatusLine({ write: (s: string) => shown.push(s) }))
      .warn({ apiKey: KEY, nested: { password: SECRET }, headers: { authorization: `Bearer ${KEY}` } }, 'config');
    expect(shown.join('')).toContain('[redacted]');
    expect(shown.join('')).not.toContain(KEY);
    expect(shown.join('')).not.toContain(SECRET);
  });
});
