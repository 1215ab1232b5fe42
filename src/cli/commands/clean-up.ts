import type { Command } from 'commander';
import { findLeftovers, removeLeftovers, type Leftover } from '../../store/leftovers.js';
import type { CommandContext } from '../command-context.js';
import { loadConfig } from '../config.js';
import { localDataDir, runSettings, storeOptions } from '../options.js';

interface CleanFlags { apply?: boolean; dataDir?: string; config?: string; json?: boolean }

export function registerCleanUp(program: Command, ctx: () => CommandContext): void {
  storeOptions(program.command('clean-up')
    .description('leftovers of interrupted runs: temp files, resume checkpoints, locks of dead processes, empty folders (lists them; --apply removes them)')
    .option('--apply', 'remove them (a store another run holds is skipped)'), { json: 'print as JSON' })
    .action(async (flags: CleanFlags) => {
      const c = ctx();
      const dataDir = localDataDir(runSettings(loadConfig(flags.config), flags, c.env).dataDir, 'clean-up');
      const found = await findLeftovers(dataDir);
      if (!flags.apply) {
        if (flags.json) return c.print(JSON.stringify({ leftovers: found, applied: false }, null, 2));
        return c.print([...found.map(line), `${found.length} leftover(s), ${kib(found)} in ${dataDir}${found.length ? '; run with --apply to remove them' : ''}`].join('\n'));
      }
      const { removed, busy } = await removeLeftovers(found);
      if (flags.json) return c.print(JSON.stringify({ removed, busy, applied: true }, null, 2));
      c.print([...removed.map((l) => `removed ${line(l)}`), ...busy.map((l) => `in use, kept ${line(l)}`), `${removed.length} removed (${kib(removed)}), ${busy.length} in use`].join('\n'));
    });
}

function line(l: Leftover): string {
  return `${l.kind.padEnd(16)} ${l.path}`;
}

function kib(items: readonly Leftover[]): string {
  return `${(items.reduce((n, l) => n + l.bytes, 0) / 1024).toFixed(1)} KiB`;
}
