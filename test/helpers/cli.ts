import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { ROOT } from './fixtures.js';

export interface CliResult { code: number | null; stdout: string; stderr: string }

/**
 * Run the CLI in this process: the same `main` the binary runs, with its output captured, without
 * paying a process start and the ccxt import for every case. What only a process can show (signals,
 * kill -9, startup imports, the binary's own exit) is tested with `runBinary`.
 */
export async function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'qml-data', ...args], {
    stdout: { write: (s: string) => { stdout += s; } },
    stderr: { write: (s: string) => { stderr += s; } },
    env: { ...process.env, QML_LOG_LEVEL: 'warn', QML_ARCHIVES: 'off', ...env },
    signals: false,
  });
  return { code, stdout, stderr };
}

/**
 * Run the real `qml-data` binary. Asynchronous on purpose: the simulator usually runs in this same
 * process and must keep answering while the binary talks to it.
 */
export function runBinary(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'qml-data.js'), ...args], {
      env: { ...process.env, QML_LOG_LEVEL: 'warn', QML_ARCHIVES: 'off', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fresh folder under this test run's temp root (removed when the run ends). */
export function tempDir(prefix = 'qml-test-'): Promise<string> {
  return mkdtemp(join(process.env['QML_TEST_TMP'] ?? tmpdir(), prefix));
}

/** Arguments that point a command at the simulator with fast, test-friendly retry settings. */
export function simArgs(url: string, dataDir: string): string[] {
  return ['--api-url', url, '--data-dir', dataDir];
}
