// `npm run build` and `prepare`: compile src to dist from a clean dist (no file of a removed module lingers).
// Without TypeScript (an install with --omit=dev) a dist that is already there is used as it is.
import { existsSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  if (existsSync('dist/cli/main.js')) {
    console.error('qml-data: TypeScript is not installed (--omit=dev); using the compiled dist/ as it is');
    process.exit(0);
  }
  console.error('qml-data: dist/ is missing and TypeScript is not installed: run `npm install` with dev dependencies once, or install the published package');
  process.exit(1);
}
rmSync('dist', { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
