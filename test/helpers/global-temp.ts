import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Vitest global setup: one temp root per test run, removed afterwards (workers inherit the variable). */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'qml-tests-'));
  process.env['QML_TEST_TMP'] = root;
  return () => rmSync(root, { recursive: true, force: true });
}
