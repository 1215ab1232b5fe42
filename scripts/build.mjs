// `npm run build` and `prepare`: compile src to a clean dist (no file of a removed module lingers).
// Without TypeScript (an install with --omit=dev) a dist that is already there is used as it is.
import { existsSync, renameSync, rmSync } from 'node:fs';
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
// compiled into a folder of its own, then swapped in by two renames: a qml-data process started meanwhile (a
// test, or `npx qml-data`, whose first run in a clone runs this script through `prepare`) finds the old dist
// or the new one, never a half-written or missing one
const fresh = `dist.build-${process.pid}`;
const old = `dist.old-${process.pid}`;
rmSync(fresh, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', fresh], { stdio: 'inherit' });
if (r.status !== 0) {
  rmSync(fresh, { recursive: true, force: true });
  process.exit(r.status ?? 1);
}
if (existsSync('dist')) renameSync('dist', old);
renameSync(fresh, 'dist');
rmSync(old, { recursive: true, force: true });
