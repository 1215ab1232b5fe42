import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

/**
 * Every numeric flag of every command, given what a user mistypes: letters, a negative, zero where it
 * means nothing, a fraction where a count is asked, scientific notation. Each is a usage error (exit 2)
 * naming the flag and the value, before anything is fetched or written.
 */
type Kind = 'positive' | 'count' | 'whole' | 'port' | 'duration' | 'quiet';

const BAD: Record<Kind, string[]> = {
  positive: ['abc', '-1', '0', '1e3', ' '],
  count: ['abc', '-1', '0', '1.5', '1e3', '0x10'],
  whole: ['abc', '-1', '1.5', '1e3'],
  port: ['abc', '-1', '1.5', '70000'],
  duration: ['abc', '-1h', '0s', '10', '1.5x'],
  quiet: ['abc', '-1m', '10', '0s'],
};

/** Command line before the flag; DIR is a fresh data folder. */
const FLAGS: { args: string[]; flag: string; kind: Kind }[] = [
  { args: ['build', '--symbol', 'BTC/USDT'], flag: '--days', kind: 'positive' },
  { args: ['build', '--symbol', 'BTC/USDT'], flag: '--years', kind: 'positive' },
  { args: ['collect'], flag: '--days', kind: 'positive' },
  { args: ['collect'], flag: '--years', kind: 'positive' },
  { args: ['collect'], flag: '--market-days', kind: 'count' },
  { args: ['collect'], flag: '--size', kind: 'count' },
  { args: ['collect'], flag: '--min-size', kind: 'count' },
  { args: ['collect'], flag: '--max-age', kind: 'positive' },
  { args: ['collect', '--loop'], flag: '--every', kind: 'duration' },
  { args: ['universe', 'refresh'], flag: '--size', kind: 'count' },
  { args: ['universe', 'refresh'], flag: '--min-size', kind: 'count' },
  { args: ['universe', 'refresh'], flag: '--max-age', kind: 'positive' },
  { args: ['validate'], flag: '--stale-after', kind: 'whole' },
  { args: ['export'], flag: '--days', kind: 'positive' },
  { args: ['export'], flag: '--years', kind: 'positive' },
  { args: ['liquidations', 'record'], flag: '--merge-every', kind: 'positive' },
  { args: ['liquidations', 'record'], flag: '--max-quiet', kind: 'quiet' },
  { args: ['sim'], flag: '--port', kind: 'port' },
  { args: ['sim'], flag: '--seed', kind: 'whole' },
  { args: ['sim'], flag: '--spot-weight-limit', kind: 'count' },
  { args: ['sim'], flag: '--futures-weight-limit', kind: 'count' },
  { args: ['sim'], flag: '--rate-window-ms', kind: 'count' },
  { args: ['sim'], flag: '--ban-ms', kind: 'count' },
  { args: ['demo'], flag: '--days', kind: 'positive' },
];

describe.concurrent('a table over every numeric flag of every command: a bad value is exit 2, naming the flag and the value', () => {
  for (const f of FLAGS) {
    for (const value of BAD[f.kind]) {
      it(`${f.args.join(' ')} ${f.flag} "${value}"`, async () => {
        const dir = await tempDir();
        // an unreachable exchange: a flag that slipped through would show as exit 3, not 2
        const local = ['sim', 'demo', 'validate', 'export'].includes(f.args[0]!);
        const r = await runCli([...f.args, f.flag, value, ...(f.args[0] === 'sim' ? [] : ['--data-dir', dir]), ...(local ? [] : ['--api-url', 'http://127.0.0.1:9'])]);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`^qml-data: ${f.flag} "${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" `, 'm'));
        expect(r.stderr).not.toMatch(/\n\s+at /);
      });
    }
  }
});
