import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type RunningSim } from '../../src/sim/server.js';
import { masterPath } from '../../src/store/store-path.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { ROOT } from '../helpers/fixtures.js';

const NOW = Date.parse('2025-03-10T12:34:00Z');
let sim: RunningSim;
let data: string;
beforeAll(async () => {
  sim = await startSim({ port: 0, now: NOW, seed: 3, symbols: ['ETH/USDT', 'BTC/USDT'] });
  data = await tempDir();
  for (const args of [['--symbol', 'ETH/USDT', '--timeframes', '12h', '1h', '4h'], ['--symbol', 'BTC/USDT:USDT', '--timeframes', '1h']]) {
    const r = await runCli(['build', ...args, '--days', '5', '--api-url', sim.url, '--data-dir', data]);
    expect(r.code, r.stderr).toBe(0);
  }
});
afterAll(async () => { await sim.close(); });

const COMMANDS = ['build', 'update', 'validate', 'list', 'universe', 'collect', 'status', 'liquidations', 'db', 'export', 'import', 'clean-up', 'config', 'completion', 'sim', 'demo'];

describe('the command surface', () => {
  it('every command: an unknown flag is a usage error (exit 2), and its --help ends with examples', async () => {
    for (const name of COMMANDS) {
      const bad = await runCli([name, '--no-such-flag']);
      expect(bad.code, name).toBe(2);
      expect(bad.stderr, name).toMatch(/unknown option '--no-such-flag'|too many arguments|unknown command/);
      const help = await runCli([name, '--help']);
      expect(help.code, name).toBe(0);
      expect(help.stdout, name).toMatch(/Examples:\n(  \$ qml-data .+\n){1,4}\s*$/);
    }
  });

  it('qml-data --help groups the commands by what they are for', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    const groups = ['Data:', 'Universe and collection:', 'Database:', 'Files:', 'Simulator:', 'Setup:'];
    const at = groups.map((g) => r.stdout.indexOf(`\n${g}\n`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    for (const name of COMMANDS) expect(r.stdout).toMatch(new RegExp(`\\n  ${name} +\\S`));
  });

  it('list: filters by symbol, timeframe and market, sorts timeframes by duration, exits 2 on a missing folder', async () => {
    const all = JSON.parse((await runCli(['list', '--json', '--data-dir', data])).stdout).stores as { symbol: string; timeframe: string }[];
    expect(all.map((s) => `${s.symbol} ${s.timeframe}`)).toEqual(['BTC/USDT:USDT 1h', 'ETH/USDT 1h', 'ETH/USDT 4h', 'ETH/USDT 12h']);
    const perp = JSON.parse((await runCli(['list', '--market', 'perp', '--json', '--data-dir', data])).stdout).stores as { symbol: string }[];
    expect(perp.map((s) => s.symbol)).toEqual(['BTC/USDT:USDT']);
    const some = JSON.parse((await runCli(['list', '--symbol', 'ETH/USDT', '--timeframes', '4h', '12h', '--json', '--data-dir', data])).stdout).stores as { timeframe: string }[];
    expect(some.map((s) => s.timeframe)).toEqual(['4h', '12h']);
    const missing = await runCli(['list', '--data-dir', join(data, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--data-dir .*nope is not a folder/);
    expect((await runCli(['list', '--market', 'futures', '--data-dir', data])).code).toBe(2);
  });

  it('a --data-dir with .. is the user\'s own path and works', async () => {
    const base = await tempDir();
    await mkdir(join(base, 'work'));
    const r = await runCli(['build', '--symbol', 'ETH/USDT', '--timeframes', '1d', '--days', '5', '--api-url', sim.url, '--data-dir', join(base, 'work', '..', 'data')]);
    expect(r.code, r.stderr).toBe(0);
    expect((await stat(masterPath(join(base, 'data'), 'binance', 'ETH/USDT', '1d'))).size).toBeGreaterThan(0);
  });

  it('clean-up lists what interrupted runs left (a dry run by default) and removes it with --apply, never a live run\'s files', async () => {
    const dir = await tempDir();
    const r = await runCli(['build', '--symbol', 'ETH/USDT', '--timeframes', '1h', '--days', '3', '--api-url', sim.url, '--data-dir', dir]);
    expect(r.code).toBe(0);
    const store = masterPath(dir, 'binance', 'ETH/USDT', '1h');
    const folder = join(store, '..');
    // what a writer killed -9 leaves: its temp file, the resume checkpoint, its lock (its pid is gone)
    await writeFile(`${store}.999999.ab12cd.tmp`, 'half a file');
    await writeFile(store.replace(/\.parquet$/, '.partial.parquet'), 'checkpoint');
    await writeFile(`${store}.lock`, JSON.stringify({ pid: 999_999, host: (await import('node:os')).hostname(), startedAt: new Date().toISOString() }));
    await mkdir(join(dir, 'binance', 'SOL_USDT'), { recursive: true });
    // a store a live run holds (this process): its files are not leftovers
    const busy = masterPath(dir, 'binance', 'BTC/USDT', '1h');
    await mkdir(join(busy, '..'), { recursive: true });
    await writeFile(`${busy}.lock`, JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), startedAt: new Date().toISOString() }));
    await writeFile(`${busy}.${process.pid}.ffff.tmp`, 'being written');

    const dry = JSON.parse((await runCli(['clean-up', '--json', '--data-dir', dir])).stdout) as { leftovers: { kind: string; path: string }[] };
    expect(dry.leftovers.map((l) => l.kind).sort()).toEqual(['checkpoint', 'empty-folder', 'stale-lock', 'temp-file']);
    expect((await readdir(folder)).length).toBe(4); // nothing removed by a dry run
    expect((await runCli(['list', '--data-dir', dir])).stdout).toContain('4 leftover(s) of interrupted runs');

    const applied = await runCli(['clean-up', '--apply', '--data-dir', dir]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(await readdir(folder)).toEqual(['1h_master.parquet']);
    expect(await stat(join(dir, 'binance', 'SOL_USDT')).then(() => 'kept', () => 'removed')).toBe('removed');
    expect((await readdir(join(busy, '..'))).sort()).toEqual([`1h_master.parquet.${process.pid}.ffff.tmp`, '1h_master.parquet.lock']);
    // and the store works as before
    expect((await runCli(['update', '--data-dir', dir, '--api-url', sim.url, '--symbol', 'ETH/USDT'])).code).toBe(0);
  });

  it('config show: every value and where it came from, the password masked; completion scripts for bash and zsh', async () => {
    const dir = await tempDir();
    const file = join(dir, 'cfg.yaml');
    await writeFile(file, 'concurrency: 12\ndb_url: postgres://qml:hunter2@db.local:5432/market\nuniverse:\n  size: 50\n');
    const r = await runCli(['config', 'show', '--config', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`concurrency +12 +# ${file.replace(/[/.]/g, '\\$&')}`));
    expect(r.stdout).toMatch(/universe\.size +50 +#/);
    expect(r.stdout).toMatch(/^exchange +"binance"$/m);
    expect(r.stdout).toContain('postgres://qml:***@db.local:5432/market');
    expect(r.stdout).not.toContain('hunter2');
    const bash = await runCli(['completion', 'bash']);
    expect(bash.stdout).toContain('complete -o default -F _qml_data qml-data');
    expect(bash.stdout).toMatch(/build\) opts=".*--symbol.*--timeframes/);
    expect((await runCli(['completion', 'zsh'])).stdout).toMatch(/^#compdef qml-data/);
    expect((await runCli(['completion', 'fish'])).code).toBe(2);
  });

  it('--quiet leaves only errors on stderr', async () => {
    const dir = await tempDir();
    const loud = await runCli(['build', '--symbol', 'ETH/USDT', '--timeframes', '1d', '--days', '3', '--api-url', sim.url, '--data-dir', dir], { QML_LOG_LEVEL: 'info' });
    expect(loud.stderr).not.toBe('');
    const quiet = await runCli(['--quiet', 'build', '--symbol', 'ETH/USDT', '--timeframes', '1d', '--days', '4', '--api-url', sim.url, '--data-dir', dir], { QML_LOG_LEVEL: 'info' });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toContain('1 store(s), 0 failed');
  });

  it('every command that reads the configuration: a config file that is not there is exit 2, named, one line', async () => {
    const missing = join(await tempDir(), 'nope.yaml');
    const table: string[][] = [
      ['build', '--symbol', 'ETH/USDT'], ['update'], ['validate'], ['list'], ['universe', 'show'], ['collect'], ['status'],
      ['liquidations', 'list'], ['db', 'status'], ['export'], ['import', 'x.csv'], ['clean-up'], ['config', 'show'],
    ];
    for (const args of table) {
      const r = await runCli([...args, '--config', missing, ...(args[0] === 'config' ? [] : ['--data-dir', data])]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim(), args.join(' ')).toBe(`qml-data: cannot read config ${missing}: ENOENT`);
    }
  });

  it('clean-up after a build killed -9: the checkpoint and the dead run\'s lock are found, removed with --apply, and the next build completes', async () => {
    const dir = await tempDir();
    const cfg = join(dir, 'checkpoint-often.yaml');
    await writeFile(cfg, 'checkpoint_ms: 0\n');
    let seen = 0;
    let child: ChildProcess | undefined;
    const s = await startSim({ port: 0, now: NOW, seed: 3, symbols: ['ETH/USDT'], onRequest: (path) => {
      if (path === '/api/v3/klines' && ++seen === 12) child?.kill('SIGKILL');
    } });
    try {
      child = spawn(process.execPath, [join(ROOT, 'bin', 'qml-data.js'), 'build', '--symbol', 'ETH/USDT', '--timeframes', '1m', '--days', '30', '--config', cfg, '--api-url', s.url, '--data-dir', dir],
        { stdio: 'ignore', env: { ...process.env, QML_ARCHIVES: 'off' } });
      const [, signal] = await once(child, 'close') as [number | null, string | null];
      expect(signal).toBe('SIGKILL');
      const dry = JSON.parse((await runCli(['clean-up', '--json', '--data-dir', dir])).stdout) as { leftovers: { kind: string }[] };
      expect(dry.leftovers.map((l) => l.kind).sort()).toEqual(['checkpoint', 'stale-lock']);
      expect((await runCli(['clean-up', '--apply', '--data-dir', dir])).code).toBe(0);
      const after = JSON.parse((await runCli(['clean-up', '--json', '--data-dir', dir])).stdout).leftovers;
      expect(after, JSON.stringify(after)).toEqual([]);
      const again = await runCli(['build', '--symbol', 'ETH/USDT', '--timeframes', '1m', '--days', '30', '--api-url', s.url, '--data-dir', dir]);
      expect(again.code, again.stderr).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('the range flags mean the same everywhere: one of --years/--days/--since, with --until; export and collect take them too', async () => {
    for (const cmd of [['build', '--symbol', 'ETH/USDT'], ['collect'], ['export']]) {
      const both = await runCli([...cmd, '--days', '5', '--since', '2024-01-01', '--data-dir', data]);
      expect(both.code, cmd[0]).toBe(2);
      expect(both.stderr.trim(), cmd[0]).toBe('qml-data: give only one of --years, --days, --since');
      const order = await runCli([...cmd, '--since', '2024-02-01', '--until', '2024-01-01', '--data-dir', data]);
      expect(order.code, cmd[0]).toBe(2);
      expect(order.stderr, cmd[0]).toContain('is not before --until');
    }
    const day = await runCli(['export', '--symbol', 'ETH/USDT', '--timeframes', '1h', '--until', '2025-03-09', '--days', '1', '--out', '-', '--data-dir', data]);
    expect(day.code, day.stderr).toBe(0);
    const rows = day.stdout.trim().split('\n').slice(1);
    expect(rows).toHaveLength(24);
    expect(rows[0]).toMatch(/^binance,ETH\/USDT,1h,2025-03-08T00:00:00.000Z,/);
  });

  it('every command that fetches: an exchange that cannot be reached is exit 3, one line', async () => {
    const dir = await tempDir();
    const cfg = join(dir, 'fast.yaml');
    await writeFile(cfg, 'timeout_ms: 500\nretry:\n  attempts: 2\n  base_ms: 10\n  max_ms: 20\n  total_ms: 2000\n');
    expect((await runCli(['build', '--symbol', 'ETH/USDT', '--timeframes', '1h', '--days', '2', '--api-url', sim.url, '--data-dir', dir])).code).toBe(0);
    const down = 'http://127.0.0.1:1';
    for (const args of [['build', '--symbol', 'ETH/USDT', '--timeframes', '1h', '--days', '2'], ['update'], ['universe', 'refresh'], ['collect', '--size', '2']]) {
      const r = await runCli([...args, '--config', cfg, '--api-url', down, '--data-dir', dir]);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(3);
      expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('qml-data:')), args[0]).toHaveLength(1);
    }
  });
});
