import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/fixtures.js';

/**
 * The README's offline commands, run as written: every shell block marked `<!-- readme:offline -->`, in the
 * clone's folder, by bash. The quick start's `npm install && npm test` is this suite itself (CI runs it on a
 * fresh clone), and its `npm install && npm run demo` runs here as `npm run demo` (the install is the one
 * this suite runs after; reinstalling here would rebuild dist/ under the other tests).
 */
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BLOCKS = [...README.matchAll(/<!-- readme:offline -->\n```sh\n([\s\S]*?)\n```/g)].map((m) => m[1]!);

function bash(script: string, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  // a simulator the block starts is stopped however the block ends (npx runs it under a shell: kill %1 would not reach it)
  const port = /qml-data sim --port (\d+)/.exec(script)?.[1];
  const stop = port ? `trap "pkill -f 'qml-data sim --port ${port}' || true" EXIT\n` : '';
  return new Promise((resolve) => {
    // the block as written, from a file (as a pasted block: no command line of this shell holds its text); a failing line fails it
    const file = join(mkdtempSync(join(tmpdir(), 'qml-readme-')), 'block.sh');
    writeFileSync(file, `set -e\n${stop}${script}\n`);
    const child = spawn('bash', [file], { cwd: ROOT, env: { ...process.env, QML_LOG_LEVEL: 'warn' } });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out }); });
  });
}

/** A block's lines without the trailing comments: what a user pastes. */
function commands(block: string): string[] {
  return block.split('\n').map((l) => l.replace(/\s+# .*$/, '').trim()).filter((l) => l.length > 0);
}

describe('the README\'s offline commands', () => {
  it('are marked: the quick start, a first run and the daily job', () => {
    expect(BLOCKS.length).toBe(3);
    expect(commands(BLOCKS[0]!)).toEqual(['npm install && npm run demo', 'npm install && npm test']);
  });

  it('quick start: the demo runs offline and validates its stores', async () => {
    const r = await bash('npm run demo', 170_000);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/2 store\(s\): \d+ ok, \d+ warn, 0 fail/);
  }, 180_000);

  for (const [i, name, dir] of [[1, 'a first run', '/tmp/qml-first'], [2, 'the daily job', '/tmp/qml-daily']] as const) {
    it(`${name}: every line runs as written and exits 0`, async () => {
      rmSync(dir, { recursive: true, force: true });
      try {
        const block = commands(BLOCKS[i]!).join('\n');
        const r = await bash(block.replace(/^(npx qml-data sim .*&)$/m, '$1\nsleep 2'), 170_000);
        expect(r.code, r.out).toBe(0);
        expect(r.out.split('\n').filter((l) => /Error|qml-data: /.test(l))).toEqual([]);
        if (i === 2) expect(r.out).toMatch(/report: \/tmp\/qml-daily\/report\.html/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 180_000);
  }
});
