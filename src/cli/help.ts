import type { Command } from 'commander';

/** Two to four real examples per command, shown at the end of its --help. */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  build: [
    'qml-data build --symbol ETH/USDT --timeframes 1h 4h',
    'qml-data build --symbol BTC/USDT:USDT --timeframes 5m --days 90 --archives auto',
    'qml-data build --datasets funding,open-interest --symbol BTC/USDT:USDT --timeframes 1h',
    'qml-data build --symbol SOL/USDT --timeframes 1d --since 2021-01-01 --dry-run --json',
  ],
  update: ['qml-data update', 'qml-data update --symbol ETH/USDT --timeframes 1h', 'qml-data update --datasets all --sink postgres'],
  validate: ['qml-data validate', 'qml-data validate --datasets all --strict', 'qml-data validate --symbol BTC/USDT --json'],
  list: ['qml-data list', 'qml-data list --market perp --timeframes 5m', 'qml-data list --datasets all --json'],
  universe: ['qml-data universe refresh', 'qml-data universe show --json', 'qml-data universe diff'],
  collect: ['qml-data collect', 'qml-data collect --datasets ohlcv,funding,open-interest --days 90', 'qml-data collect --loop --at 00:15 --liquidations --sink postgres'],
  status: ['qml-data status', 'qml-data status --json'],
  report: ['qml-data report', 'qml-data report --days 30 --datasets ohlcv,open-interest --open', 'qml-data report --symbol ETH/USDT:USDT --out /srv/www/market.html'],
  liquidations: ['qml-data liquidations record', 'qml-data liquidations record --symbol BTC/USDT:USDT', 'qml-data liquidations list'],
  db: ['qml-data db init --db-url postgres://qml@localhost/market', 'qml-data db sync', 'qml-data db status'],
  export: ['qml-data export --out exports/', 'qml-data export --format freqtrade --out user_data/data', 'qml-data export --symbol ETH/USDT --out - --time-format ms'],
  import: ['qml-data import exports/', 'qml-data import BTCUSDT-1m-2024-01.zip', 'qml-data import mine.csv --symbol ETH/USDT --timeframe 1h'],
  'clean-up': ['qml-data clean-up', 'qml-data clean-up --apply'],
  'migrate-layout': ['qml-data migrate-layout', 'qml-data migrate-layout --apply', 'qml-data migrate-layout --data-dir /srv/market --json'],
  venues: ['qml-data venues', 'qml-data venues --json', 'qml-data venues --markdown'],
  config: ['qml-data config show', 'qml-data config show --json'],
  completion: ['qml-data completion bash >> ~/.bashrc', 'qml-data completion zsh > "${fpath[1]}/_qml-data"'],
  sim: ['qml-data sim', 'qml-data sim --port 8787 --now 2024-06-01 --faults 500@klines#3', 'qml-data sim --universe'],
  demo: ['qml-data demo'],
};

/** `qml-data --help` in groups, the way the commands are used. */
export const GROUPS: readonly [string, readonly string[]][] = [
  ['Data', ['build', 'update', 'validate', 'list', 'clean-up', 'migrate-layout']],
  ['Universe and collection', ['universe', 'collect', 'status', 'report', 'liquidations']],
  ['Database', ['db']],
  ['Files', ['export', 'import']],
  ['Simulator', ['sim', 'demo']],
  ['Setup', ['venues', 'config', 'completion']],
];

/** Examples after every command's help; the commands grouped in the main help. */
export function teach(program: Command): void {
  for (const c of program.commands) {
    const examples = EXAMPLES[c.name()];
    if (examples) c.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  }
  program.configureHelp({
    formatHelp: (cmd, helper) => {
      if (cmd !== program) return defaultHelp(cmd, helper);
      const width = Math.max(...program.commands.map((c) => c.name().length)) + 2;
      const byName = new Map(program.commands.map((c) => [c.name(), c]));
      const lines = [`Usage: ${helper.commandUsage(cmd)}`, '', cmd.description(), '', 'Options:',
        ...helper.visibleOptions(cmd).map((o) => `  ${helper.optionTerm(o).padEnd(24)} ${helper.optionDescription(o)}`)];
      for (const [title, names] of GROUPS) {
        lines.push('', `${title}:`);
        for (const n of names) {
          const c = byName.get(n);
          if (c) lines.push(`  ${n.padEnd(width)} ${c.description()}`);
        }
      }
      lines.push('', 'Run `qml-data <command> --help` for its flags and examples.', '');
      return lines.join('\n');
    },
  });
}

function defaultHelp(cmd: Command, helper: ReturnType<Command['createHelp']>): string {
  const Help = Object.getPrototypeOf(helper).constructor as new () => ReturnType<Command['createHelp']>;
  return new Help().formatHelp(cmd, helper);
}

/** A completion script: commands, then each command's flags. */
export function completionScript(program: Command, shell: 'bash' | 'zsh'): string {
  const commands = program.commands.map((c) => c.name());
  const flags = Object.fromEntries(program.commands.map((c) => [c.name(), [...c.options.map((o) => o.long ?? ''), ...c.commands.map((s) => s.name())].filter(Boolean).join(' ')]));
  const cases = Object.entries(flags).map(([n, f]) => `    ${n}) opts="${f} --help" ;;`).join('\n');
  const bash = `# qml-data completion (bash): source it, or add \`source <(qml-data completion bash)\` to ~/.bashrc
_qml_data() {
  local cur cmd opts
  cur="\${COMP_WORDS[COMP_CWORD]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "\$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${commands.join(' ')} --help --version --log-level" -- "\$cur") )
    return
  fi
  case "\$cmd" in
${cases}
    *) opts="--help" ;;
  esac
  COMPREPLY=( $(compgen -W "\$opts" -- "\$cur") )
}
complete -o default -F _qml_data qml-data
`;
  if (shell === 'bash') return bash;
  return `#compdef qml-data
# qml-data completion (zsh): put it in a folder of $fpath as _qml-data, or \`source <(qml-data completion zsh)\`
autoload -U +X bashcompinit && bashcompinit
${bash}`;
}
