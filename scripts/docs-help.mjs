// `node scripts/docs-help.mjs`: rewrite every `<!-- help:<command> -->` block in docs/*.md with what
// `qml-data <command> --help` prints (the compiled binary, output piped: 80 columns, no QML_* variables). The test
// test/e2e/docs-commands.test.ts fails while a block differs from the binary or a command has none.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// as a user's shell prints it: none of qml-data's environment variables set
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('QML_')));
const help = (id) => execFileSync(process.execPath, [join(root, 'bin/qml-data.js'), ...(id === 'qml-data' ? [] : id.split(' ')), '--help'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd();
for (const name of readdirSync(join(root, 'docs')).filter((n) => n.endsWith('.md'))) {
  const path = join(root, 'docs', name);
  const text = readFileSync(path, 'utf8');
  const next = text.replace(/<!-- help:([^>]+?) -->\n[\s\S]*?<!-- \/help -->/g, (_, id) => `<!-- help:${id} -->\n\`\`\`text\n${help(id)}\n\`\`\`\n<!-- /help -->`);
  if (next !== text) {
    writeFileSync(path, next);
    console.log(`updated ${name}`);
  }
}
