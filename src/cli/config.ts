import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';

const RetrySchema = z.object({
  attempts: z.number().int().min(1).max(100),
  base_ms: z.number().int().min(0),
  max_ms: z.number().int().min(0),
  total_ms: z.number().int().min(0),
}).strict();

const ConfigSchema = z.object({
  exchange: z.string().min(1),
  symbols: z.array(z.string().min(1)).min(1),
  timeframes: z.array(z.string().min(1)).min(1),
  years: z.number().positive(),
  atr_period: z.number().int().min(1).max(1000),
  data_dir: z.string().min(1),
  api_url: z.string().min(1).nullable(),
  rate_limit_ms: z.number().int().min(0).nullable(),
  timeout_ms: z.number().int().positive(),
  concurrency: z.number().int().min(1).max(64),
  lock_wait_ms: z.number().int().min(0),
  checkpoint_ms: z.number().int().min(0),
  retry: RetrySchema,
  universe: z.object({
    size: z.number().int().min(1).max(1000),
    categories: z.array(z.string().min(1)),
    always_include: z.array(z.string().min(1)),
    ticker_owners: z.record(z.string(), z.string()),
    market: z.enum(['perp', 'spot']),
    quote: z.string().min(1),
    max_age_hours: z.number().positive(),
    min_size: z.number().int().min(1).nullable(),
    aliases: z.record(z.string(), z.string().min(1)),
    exclude_categories: z.array(z.string().min(1)).nullable(),
    stablecoins: z.array(z.string().min(1)),
    exclude_non_standard: z.boolean(),
  }).strict(),
  coingecko_url: z.string().min(1).nullable(),
  coingecko_calls_per_min: z.number().int().min(1),
  sink: z.enum(['none', 'postgres']),
  archives: z.enum(['auto', 'off', 'only']),
  archive_downloads: z.number().int().min(1).max(64),
  db_url: z.string().min(1).nullable(),
  db_compress_after: z.string().regex(/^\d+\s*(minutes?|hours?|days?|weeks?|months?|years?)$/, 'an interval such as "30 days"'),
}).strict();

export type Config = z.infer<typeof ConfigSchema>;

const DEFAULT_FILE = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));

/**
 * Where the user's configuration is: `--config FILE`, else `./qml-data.yaml`, else
 * `$XDG_CONFIG_HOME/qml-data/config.yaml` (`~/.config/qml-data/config.yaml`); none means the defaults.
 */
export function configFile(flag?: string): string | undefined {
  if (flag) return flag;
  const candidates = [join(process.cwd(), 'qml-data.yaml'), join(process.env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'), 'qml-data', 'config.yaml')];
  return candidates.find((f) => existsSync(f));
}

/** The built-in defaults, overridden key by key by the user's file (see configFile). */
export function loadConfig(flag?: string): Config {
  return loadConfigWithSources(flag).config;
}

/** The effective configuration, and for each key where its value came from (`default` or the file). */
export function loadConfigWithSources(flag?: string): { config: Config; sources: Record<string, string>; file?: string } {
  const userFile = configFile(flag);
  const defaults = readYaml(DEFAULT_FILE);
  const user = userFile ? readYaml(userFile) : {};
  const merged = {
    ...defaults, ...user,
    retry: { ...(defaults.retry as object), ...(user.retry as object | undefined) },
    universe: { ...(defaults.universe as object), ...(user.universe as object | undefined) },
  };
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const where = userFile ?? DEFAULT_FILE;
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${issueText(i)}`);
    throw new ConfigError(`invalid config ${where}: ${issues.join('; ')}`);
  }
  const sources: Record<string, string> = {};
  for (const key of Object.keys(parsed.data)) {
    const given = user[key];
    if (given !== null && typeof given === 'object' && !Array.isArray(given)) {
      for (const sub of Object.keys(parsed.data[key as keyof Config] as object)) sources[`${key}.${sub}`] = sub in (given as object) ? userFile! : 'default';
    } else {
      sources[key] = key in user ? userFile! : 'default';
    }
  }
  return { config: parsed.data, sources, file: userFile };
}

function issueText(i: z.core.$ZodIssue): string {
  if (i.code === 'unrecognized_keys') return `unknown key(s) ${i.keys.join(', ')}`;
  return i.message;
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`config ${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config ${file} must be a mapping of keys to values`);
  return doc as Record<string, unknown>;
}
