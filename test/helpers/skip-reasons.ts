import type { Reporter, TestModule } from 'vitest/node';
import { PYTHON } from './python.js';

/**
 * A last line after vitest's summary: why tests were skipped, when any were (Python readers that could not
 * be set up, a tmpfs that cannot be mounted, ../shared absent). Skipping is never silent.
 */
export default class SkipReasons implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let skipped = 0;
    for (const m of modules) for (const t of m.children.allTests()) if (t.result().state === 'skipped') skipped++;
    if (skipped === 0) return;
    const why = [
      ...(PYTHON ? [] : ['Python readers unavailable (scripts/setup-python.sh could not make .venv)']),
      'see each skipped test\'s name for what it needs',
    ];
    process.stdout.write(`\n${skipped} test(s) skipped: ${why.join('; ')}\n`);
  }
}
