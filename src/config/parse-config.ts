import { isAbsolute, resolve } from 'node:path';
import cron from 'node-cron';
import { DriftdError, type ErrorCode } from '../errors/driftd-error.js';
import { configFormat, type ParsedConfigFormat } from './config-format.js';

export interface TargetConfig {
  readonly name: string;
  /** Absolute path. */
  readonly database: string;
  /** Absolute path. */
  readonly schema: string;
  readonly repair: 'auto' | 'report';
  readonly ignoreTables: readonly string[];
  readonly foreignKeysEnforced: boolean;
}

export interface Config {
  /** Absolute path of the file it came from (or the label given). */
  readonly source: string;
  readonly schedule: string;
  readonly busyTimeoutMs: number;
  readonly debounceMs: number;
  readonly watch: boolean;
  readonly http: { readonly host: string; readonly port: number; readonly token: string | null };
  readonly backup: { readonly enabled: boolean; readonly dir: string; readonly keep: number };
  readonly targets: readonly TargetConfig[];
}

/** One problem, with its path in the config (`targets[0].schema`). */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
  /** Set for file-level problems (missing, unreadable, not JSON); otherwise CONFIG_INVALID. */
  readonly code?: ErrorCode;
}

export type ConfigParseResult = { readonly ok: true; readonly config: Config } | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

export interface ParseConfigOptions {
  /** Directory relative paths resolve against: the config file's directory. */
  readonly baseDir: string;
  /** Where `{"fromEnv": …}` secrets are read. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Shown in messages. */
  readonly source: string;
}

/**
 * Parses config text into a `Config`, returning every problem at once with its
 * path. Takes text, not a file, so it is tested without disk. Does not touch
 * any database or schema file.
 */
export function parseConfig(text: string, options: ParseConfigOptions): ConfigParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [{ path: '(file)', message: `not valid JSON: ${(error as Error).message}`, code: 'CONFIG_JSON_SYNTAX' }] };
  }
  const parsed = configFormat.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })) };
  }
  const problems: ConfigProblem[] = [];
  const data: ParsedConfigFormat = parsed.data;
  const seen = new Map<string, number>();
  data.targets.forEach((target, index) => {
    const first = seen.get(target.name);
    if (first !== undefined) problems.push({ path: `targets[${index}].name`, message: `duplicate target name "${target.name}" (also targets[${first}])` });
    else seen.set(target.name, index);
  });
  // node-cron checks each field's range; a bad schedule is a config problem, not a crash at start().
  const schedule = cron.validateDetailed(data.schedule);
  if (!schedule.valid) {
    problems.push({ path: 'schedule', message: `not a cron expression: ${schedule.errors.map((error) => error.message).join('; ') || data.schedule}` });
  }
  let token: string | null = null;
  const tokenSpec = data.http.token;
  if (typeof tokenSpec === 'string') token = tokenSpec;
  else if (tokenSpec) {
    const value = options.env[tokenSpec.fromEnv];
    if (value === undefined || value.length < 16) {
      problems.push({ path: 'http.token.fromEnv', message: `environment variable ${tokenSpec.fromEnv} is ${value === undefined ? 'not set' : 'shorter than 16 characters'}` });
    } else token = value;
  }
  if (problems.length > 0) return { ok: false, problems };
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(options.baseDir, path));
  return {
    ok: true,
    config: {
      source: options.source,
      schedule: data.schedule,
      busyTimeoutMs: data.busyTimeoutMs,
      debounceMs: data.debounceMs,
      watch: data.watch,
      http: { host: data.http.host, port: data.http.port, token },
      backup: { enabled: data.backup.enabled, dir: at(data.backup.dir), keep: data.backup.keep },
      targets: data.targets.map((target) => ({
        name: target.name,
        database: at(target.database),
        schema: at(target.schema),
        repair: target.repair,
        ignoreTables: target.ignoreTables,
        foreignKeysEnforced: target.foreignKeysEnforced,
      })),
    },
  };
}

/** The throwing form: one `CONFIG_INVALID` error listing every problem. */
export function parseConfigOrThrow(text: string, options: ParseConfigOptions): Config {
  const result = parseConfig(text, options);
  if (result.ok) return result.config;
  throw configProblemsError(options.source, result.problems);
}

export function configProblemsError(source: string, problems: readonly ConfigProblem[]): DriftdError {
  const fileLevel = problems.length === 1 ? problems[0]!.code : undefined;
  return new DriftdError(
    fileLevel ?? 'CONFIG_INVALID',
    `config "${source}" has ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    { where: { file: source }, hint: 'fix the listed fields; see config.example.json' },
  );
}

/** `['targets', 0, 'name']` → `targets[0].name` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? '(root)' : out;
}
