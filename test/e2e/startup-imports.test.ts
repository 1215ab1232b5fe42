import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { ROOT } from '../helpers/fixtures.js';

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', join(ROOT, 'test', 'helpers', 'trace-ccxt-import.mjs'), join(ROOT, 'bin', 'qml-data.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('close', () => resolve(err));
  });
}

describe('commands that never reach an exchange start without ccxt', () => {
  it('validate and list do not import ccxt; build does (the tracer works)', async () => {
    const dir = await tempDir();
    expect(await run(['validate', '--data-dir', dir])).not.toContain('CCXT-IMPORTED');
    expect(await run(['list', '--data-dir', dir])).not.toContain('CCXT-IMPORTED');
    // an unknown exchange id fails right after the import: proves the tracer sees ccxt when it loads
    expect(await run(['build', '--dry-run', '--exchange', 'nosuchexchange', '--data-dir', dir])).toContain('CCXT-IMPORTED');
  });
});
