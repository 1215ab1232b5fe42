import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './fixtures.js';

/** The project's Python with pandas, pyarrow and polars (made by scripts/setup-python.sh), or undefined. */
export const PYTHON: string | undefined = (() => {
  const p = join(ROOT, '.venv', 'bin', 'python');
  return existsSync(p) ? p : undefined;
})();

const run = promisify(execFile);

/** Run a Python script of test/helpers with arguments; resolves to its stdout. */
export async function python(script: string, args: readonly string[]): Promise<string> {
  if (!PYTHON) throw new Error('no .venv: run scripts/setup-python.sh');
  const { stdout } = await run(PYTHON, [join(ROOT, 'test', 'helpers', script), ...args], { maxBuffer: 64 << 20 });
  return stdout;
}
