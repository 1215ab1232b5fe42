import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { redactUrl } from '../../db/db-url.js';
import type { CommandContext } from '../command-context.js';
import { loadConfigWithSources } from '../config.js';
import { completionScript } from '../help.js';

interface ConfigFlags { config?: string; json?: boolean }

export function registerSetup(program: Command, ctx: () => CommandContext): void {
  program.command('config').description('the configuration in force')
    .command('show').description('every key\'s value and where it came from (the defaults or your file); secrets masked')
    .option('--config <file>', 'config file (default: ./qml-data.yaml, then ~/.config/qml-data/config.yaml)')
    .option('--json', 'print as JSON')
    .action((flags: ConfigFlags) => {
      const c = ctx();
      const { config, sources, file } = loadConfigWithSources(flags.config);
      const shown = { ...config, db_url: config.db_url === null ? null : redactUrl(config.db_url) };
      if (flags.json) return c.print(JSON.stringify({ file: file ?? null, config: shown, sources }, null, 2));
      const flat: [string, unknown][] = Object.entries(shown).flatMap(([k, v]) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v).map(([s, x]) => [`${k}.${s}`, x] as [string, unknown]) : [[k, v] as [string, unknown]]));
      const width = Math.max(...flat.map(([k]) => k.length));
      c.print([`# ${file ? `your file ${file} over the defaults` : 'the defaults (no ./qml-data.yaml, no ~/.config/qml-data/config.yaml)'}`,
        ...flat.map(([k, v]) => `${k.padEnd(width)}  ${JSON.stringify(v)}${sources[k] && sources[k] !== 'default' ? `   # ${sources[k]}` : ''}`)].join('\n'));
    });
  program.command('completion').description('a shell completion script: bash or zsh')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh') throw new UsageError(`completion "${shell}": expected bash or zsh`);
      ctx().print(completionScript(program, shell));
    });
}
