import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/fixtures.js';

/**
 * docs/ against the binary: every command and subcommand `qml-data --help` lists has its `--help` in the
 * docs, exactly as the binary prints it (rewritten by `node scripts/docs-help.mjs`), and every link between
 * the README and the docs names a file that exists.
 */
const DOCS = readdirSync(join(ROOT, 'docs')).filter((n) => n.endsWith('.md')).map((n) => join('docs', n));
const text = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** `qml-data <id> --help` as a user's shell prints it: piped (80 columns), none of qml-data's environment variables set. */
async function helpOf(id: string): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('QML_')));
  const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'qml-data.js'), ...(id === 'qml-data' ? [] : id.split(' ')), '--help'], { env });
  return stdout.trimEnd();
}

/** The `<!-- help:<id> -->` blocks of the docs: id → [file, the text inside the block's fence]. */
function helpBlocks(): Map<string, [string, string][]> {
  const out = new Map<string, [string, string][]>();
  for (const file of DOCS) {
    for (const m of text(file).matchAll(/<!-- help:([^>]+?) -->\n```text\n([\s\S]*?)\n```\n<!-- \/help -->/g)) {
      out.set(m[1]!, [...(out.get(m[1]!) ?? []), [file, m[2]!]]);
    }
  }
  return out;
}

/** Command names listed under a help text's headings (`Data:`, `Commands:`, …): `  name  description`. */
function listed(help: string, headings: RegExp): string[] {
  const names: string[] = [];
  let inList = false;
  for (const line of help.split('\n')) {
    if (headings.test(line)) { inList = true; continue; }
    if (line.trim() === '') { inList = false; continue; }
    const m = inList ? /^ {2}([a-z][a-z-]*)(?: \[|\s{2,}| <|$)/.exec(line) : null;
    if (m && m[1] !== 'help') names.push(m[1]!);
  }
  return names;
}

describe('docs/commands.md and docs/database.md', () => {
  it('hold every command\'s --help exactly as the binary prints it, once', async () => {
    const commands = listed(await helpOf('qml-data'), /^[A-Z][a-z ]+:$/).filter((n) => n !== 'Options');
    expect(commands).toContain('report');
    expect(commands.length).toBeGreaterThan(15);
    // the helps side by side (each is a process start)
    const helps = new Map(await Promise.all(commands.map(async (c) => [c, await helpOf(c)] as const)));
    const ids = ['qml-data'];
    for (const c of commands) {
      const subs = listed(helps.get(c)!, /^Commands:$/);
      ids.push(...(subs.length > 0 ? subs.map((s) => `${c} ${s}`) : [c]));
    }
    const wanted = new Map(await Promise.all(ids.map(async (id) => [id, helps.get(id) ?? await helpOf(id)] as const)));
    const blocks = helpBlocks();
    for (const id of ids) {
      const found = blocks.get(id) ?? [];
      expect(found.length, `docs have ${found.length} --help block(s) of "${id}" (want 1; run node scripts/docs-help.mjs after adding <!-- help:${id} --> <!-- /help -->)`).toBe(1);
      expect(found[0]![1], `${found[0]![0]}: the --help of "${id}" differs from the binary's (run node scripts/docs-help.mjs)`).toBe(wanted.get(id));
    }
    expect([...blocks.keys()].filter((k) => !ids.includes(k)), 'blocks of commands that do not exist').toEqual([]);
  }, 120_000);
});

describe('links between the README and docs/', () => {
  it('name files that exist', () => {
    const missing: string[] = [];
    for (const file of ['README.md', ...DOCS]) {
      for (const m of text(file).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target)) continue; // https: and the like
        if (!existsSync(join(ROOT, dirname(file), target))) missing.push(`${file} → ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('the README stays short: about 150 lines', () => {
    expect(text('README.md').split('\n').length).toBeLessThanOrEqual(170);
  });
});

describe('docs/datasets.md', () => {
  it('names every column of every dataset', async () => {
    const { STORED_DATASETS } = await import('../../src/datasets/registry.js');
    const doc = text('docs/datasets.md');
    const missing = STORED_DATASETS.flatMap((d) => [`\`${d.name}\``, ...d.columns.map((c) => `\`${c.name}\``)].filter((n) => !doc.includes(n)).map((n) => `${d.name}: ${n}`));
    expect(missing).toEqual([]);
  });
});
