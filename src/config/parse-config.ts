import { isAbsolute, resolve } from 'node:path';
import cron from 'node-cron';
import { DriftdError, type ErrorCode } from '../errors/driftd-error.js';
import { resolveRule, type ReconcileRule } from '../reconcile/rule/reconcile-rule-format.js';
import { validateReconcileRules } from '../reconcile/rule/validate-reconcile-rules.js';
import type { ColumnOrderPolicy } from '../diff/diff.js';
import type { Schema } from '../schema/schema-model.js';
import { DATABASE_DIR, isDatabaseDirPath } from '../fleet/bind-rules.js';
import { escapeGlob, parseFleetPattern } from '../fleet/fleet-pattern.js';
import { configFormat, type ParsedConfigFormat } from './config-format.js';
import { defaultAuditDir } from './default-audit-dir.js';
import { expandPath } from './expand-path.js';
import { closestName, jsonSyntaxMessage } from '../errors/json-syntax.js';
import { cronStepProblems } from './cron-steps.js';
import { knownKeys } from './known-keys.js';

export interface TargetConfig {
  readonly name: string;
  /** Absolute path of the one database; for a fleet target, its absolute glob pattern (shown in reports). */
  readonly database: string;
  /**
   * Set for a fleet target (`"databases": "<glob>"`): every regular file the pattern
   * matches gets this target's declaration, repair mode and reconcile rules.
   * Absent (or null) for a single-file target.
   */
  readonly fleet?: FleetSpec | null;
  /** Absolute path. */
  readonly schema: string;
  readonly repair: 'auto' | 'report';
  readonly ignoreTables: readonly string[];
  /** Whether a table's column order is compared (`column_order` drift); absent means "report". */
  readonly columnOrder?: ColumnOrderPolicy;
  readonly foreignKeysEnforced: boolean;
  /** Repair even under a migration tool (its history table in the database); false by default. */
  readonly repairUnderMigrationTool: boolean;
  /** Rules that recover rows from per-row directories; empty when none. */
  readonly reconcile: readonly ReconcileRule[];
  /** Open files with more than one hard link (refused with DB_HARD_LINKED otherwise); absent means false. */
  readonly allowHardLinks?: boolean;
}

/** Where a fleet target's files are looked for (docs/fleets.md). */
export interface FleetSpec {
  /** The absolute glob pattern. */
  readonly pattern: string;
  /** The pattern's part before its first wildcard segment: the walk never leaves it. */
  readonly root: string;
}

export interface Config {
  /** Absolute path of the file it came from (or the label given). */
  readonly source: string;
  readonly schedule: string;
  readonly busyTimeoutMs: number;
  readonly debounceMs: number;
  readonly watch: boolean;
  /** Most SQLite connections fleet targets hold open at once. */
  readonly poolSize: number;
  readonly http: { readonly host: string; readonly port: number; readonly token: string | null; readonly maxConnections: number; readonly keepAliveTimeoutMs: number };
  /** A full check (introspect and diff) at least this often per target, even when the fast path says nothing changed. */
  readonly fullCheck: { readonly everyCycles: number; readonly everySeconds: number };
  /** Exponential back-off between failed repairs of a target. */
  readonly repairBackoff: { readonly initialSeconds: number; readonly maxSeconds: number };
  readonly backup: { readonly enabled: boolean; readonly dir: string; readonly keep: number };
  /** The audit journal: absolute directory, rotation size and rotated files kept. */
  readonly audit: { readonly dir: string; readonly maxBytes: number; readonly keep: number };
  readonly targets: readonly TargetConfig[];
}

/** One problem, with its path in the config (`targets[0].schema`). */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
  /** Set for file-level problems (missing, unreadable, not JSON) and read-only write paths; otherwise CONFIG_INVALID. */
  readonly code?: ErrorCode;
  /** What the operator can do, when there is more to say than the message. */
  readonly hint?: string;
}

export type ConfigParseResult = { readonly ok: true; readonly config: Config } | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

export interface ParseConfigOptions {
  /** Directory relative paths resolve against: the config file's directory. */
  readonly baseDir: string;
  /** Where `{"fromEnv": …}` secrets are read. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Shown in messages. */
  readonly source: string;
  /**
   * Loads a target's declared schema (absolute path) so its `reconcile` rules
   * are checked against it; throws when the file cannot be loaded. Without it
   * the rules are checked for structure only. `loadConfig` passes one.
   */
  readonly declaredSchema?: (schemaPath: string) => Schema;
}

/** `Unrecognized key: "databse"` gains `(did you mean "database"?)` when a known key is close, as git suggests a command. */
function withSuggestion(issue: { readonly code: string; readonly message: string; readonly keys?: readonly string[] }): string {
  if (issue.code !== 'unrecognized_keys' || !issue.keys) return issue.message;
  const suggestions = issue.keys.flatMap((key) => {
    const near = closestName(key, knownKeys(configFormat));
    return near === null ? [] : [issue.keys!.length === 1 ? `did you mean "${near}"?` : `"${key}": did you mean "${near}"?`];
  });
  return suggestions.length === 0 ? issue.message : `${issue.message} (${suggestions.join('; ')})`;
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
    return { ok: false, problems: [{ path: '(file)', message: `not valid JSON at ${jsonSyntaxMessage(text, error)}`, code: 'CONFIG_JSON_SYNTAX' }] };
  }
  const parsed = configFormat.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: withSuggestion(issue) })) };
  }
  const problems: ConfigProblem[] = [];
  const expansionProblems: ConfigProblem[] = [];
  const data: ParsedConfigFormat = expandPaths(parsed.data, options.env, expansionProblems);
  problems.push(...expansionProblems);
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
  } else {
    for (const problem of cronStepProblems(data.schedule)) problems.push({ path: 'schedule', message: `"${data.schedule}": ${problem}` });
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
  // A path that could not be expanded is already a problem; resolving or loading it would only add noise.
  if (expansionProblems.length > 0) return { ok: false, problems };
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(options.baseDir, path));
  const fleets = data.targets.map((target, index) => {
    const where = `targets[${index}]`;
    if ((target.database === undefined) === (target.databases === undefined)) {
      problems.push({
        path: `${where}.database`,
        message: target.database === undefined ? 'name the database file ("database") or a glob of files ("databases")' : 'give either "database" or "databases", not both',
      });
      return null;
    }
    if (target.databases === undefined) return null;
    // Joined, not resolved: resolve() would fold a ".." away before the pattern can refuse it.
    const parsedPattern = parseFleetPattern(isAbsolute(target.databases) ? target.databases : `${escapeGlob(resolve(options.baseDir))}/${target.databases}`);
    if (!parsedPattern.ok) {
      problems.push({ path: `${where}.databases`, message: parsedPattern.message });
      return null;
    }
    return { pattern: parsedPattern.pattern.source, root: parsedPattern.pattern.root };
  });
  data.targets.forEach((target, index) => {
    target.reconcile.forEach((rule, ruleIndex) => {
      for (const key of ['root', 'relativeTo'] as const) {
        const value = rule[key];
        if (value === undefined || !value.includes(DATABASE_DIR)) continue;
        const path = `targets[${index}].reconcile[${ruleIndex}].${key}`;
        if (target.databases === undefined) problems.push({ path, message: `${DATABASE_DIR} is only for fleet targets ("databases"); write the directory itself` });
        else if (!isDatabaseDirPath(value)) problems.push({ path, message: `${DATABASE_DIR} must begin the path and be followed by "/" or nothing, e.g. "${DATABASE_DIR}/models"` });
      }
    });
  });
  // A fleet rule's `{databaseDir}` stays unresolved here; each file binds it to its own directory (bindRules).
  const atKeepingPlaceholder = (path: string): string => (isDatabaseDirPath(path) ? path : at(path));
  const rulesOf = data.targets.map((target) => target.reconcile.map((rule) => resolveRule(rule, atKeepingPlaceholder, resolve(options.baseDir))));
  if (options.declaredSchema) {
    data.targets.forEach((target, index) => {
      const rules = rulesOf[index]!;
      if (rules.length === 0) return;
      let declared: Schema;
      try {
        declared = options.declaredSchema!(at(target.schema));
      } catch (error) {
        problems.push({ path: `targets[${index}].schema`, message: `cannot check the reconcile rules against "${at(target.schema)}": ${(error as Error).message}` });
        return;
      }
      problems.push(...validateReconcileRules(rules, declared, `targets[${index}].reconcile`, at(target.schema)));
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      source: options.source,
      schedule: data.schedule,
      busyTimeoutMs: data.busyTimeoutMs,
      debounceMs: data.debounceMs,
      watch: data.watch,
      poolSize: data.poolSize,
      http: { host: data.http.host, port: data.http.port, token, maxConnections: data.http.maxConnections, keepAliveTimeoutMs: data.http.keepAliveTimeoutMs },
      fullCheck: data.fullCheck,
      repairBackoff: data.repairBackoff,
      backup: { enabled: data.backup.enabled, dir: at(data.backup.dir), keep: data.backup.keep },
      audit: { dir: data.audit.dir === undefined ? defaultAuditDir(options.env, at('audit')) : at(data.audit.dir), maxBytes: data.audit.maxBytes, keep: data.audit.keep },
      targets: data.targets.map((target, index) => ({
        name: target.name,
        database: fleets[index]?.pattern ?? at(target.database!),
        fleet: fleets[index] ?? null,
        schema: at(target.schema),
        repair: target.repair,
        ignoreTables: target.ignoreTables,
        columnOrder: target.columnOrder,
        foreignKeysEnforced: target.foreignKeysEnforced,
        repairUnderMigrationTool: target.repairUnderMigrationTool,
        reconcile: rulesOf[index]!,
        allowHardLinks: target.allowHardLinks,
      })),
    },
  };
}

/**
 * Expands `~`, `$HOME`, `$XDG_DATA_HOME`… (see expand-path.ts) in every path the config names:
 * each target's `database` and `schema`, each reconcile rule's `root` and `relativeTo`,
 * `backup.dir` and `audit.dir`. A path that cannot be expanded becomes a problem at its config path.
 */
function expandPaths(data: ParsedConfigFormat, env: ParseConfigOptions['env'], problems: ConfigProblem[]): ParsedConfigFormat {
  const expand = (value: string, path: string, quote?: (value: string) => string): string => {
    const result = expandPath(value, env, quote ? { quote } : {});
    if (result.ok) return result.path;
    problems.push({ path, message: result.message });
    return value;
  };
  return {
    ...data,
    backup: { ...data.backup, dir: expand(data.backup.dir, 'backup.dir') },
    audit: { ...data.audit, ...(data.audit.dir === undefined ? {} : { dir: expand(data.audit.dir, 'audit.dir') }) },
    targets: data.targets.map((target, index) => ({
      ...target,
      ...(target.database === undefined ? {} : { database: expand(target.database, `targets[${index}].database`) }),
      ...(target.databases === undefined ? {} : { databases: expand(target.databases, `targets[${index}].databases`, escapeGlob) }),
      schema: expand(target.schema, `targets[${index}].schema`),
      reconcile: target.reconcile.map((rule, r) => ({
        ...rule,
        root: expand(rule.root, `targets[${index}].reconcile[${r}].root`),
        ...(rule.relativeTo === undefined ? {} : { relativeTo: expand(rule.relativeTo, `targets[${index}].reconcile[${r}].relativeTo`) }),
      })),
    })),
  };
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
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? '(root)' : out;
}
