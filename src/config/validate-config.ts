import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { loadDeclaredSchema, type DeclaredSchema } from '../declared/load-declared-schema.js';
import { DriftdError } from '../errors/driftd-error.js';
import { parseConfig, type Config, type ConfigProblem } from './parse-config.js';
import { readConfigBytes } from './read-config-file.js';
import { sharedDatabaseWarnings } from './shared-databases.js';

/** A config together with every target's loaded declaration: what the daemon runs on. */
export interface ValidatedConfig {
  readonly config: Config;
  /** sha256 of the config file's bytes. */
  readonly configHash: string;
  /** By target name. */
  readonly declared: ReadonlyMap<string, DeclaredSchema>;
  /** Not problems, but worth the operator's eye: two targets on one database file. */
  readonly warnings: readonly string[];
}

export type ValidateConfigResult =
  | { readonly ok: true; readonly validated: ValidatedConfig }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[]; readonly configHash: string | null };

/**
 * Reads a config file, parses it and loads every target's schema file, and
 * returns every problem with its path (`targets[1].schema: SCHEMA_SQL_ERROR …`).
 * Touches no database: this is `driftd validate` and the daemon's reload check.
 * The file is read once, so a reload never mixes two versions of it.
 */
export function validateConfigFile(path: string, env: Readonly<Record<string, string | undefined>>): ValidateConfigResult {
  const absolute = resolve(path);
  const read = readConfigBytes(absolute);
  if (!read.ok) return { ok: false, problems: [read.problem], configHash: null };
  const bytes = read.bytes;
  const configHash = createHash('sha256').update(bytes).digest('hex');
  // Each schema file is loaded once: for checking the reconcile rules against it and for running on it.
  const loaded = new Map<string, DeclaredSchema>();
  const load = (schemaPath: string): DeclaredSchema => {
    let schema = loaded.get(schemaPath);
    if (!schema) {
      schema = loadDeclaredSchema(schemaPath);
      loaded.set(schemaPath, schema);
    }
    return schema;
  };
  const baseDir = dirname(absolute);
  const parsed = parseConfig(bytes.toString('utf8'), { baseDir, env, source: absolute, declaredSchema: (schemaPath) => load(schemaPath).schema });
  // Every schema file that can be located is loaded even when the config has other problems,
  // so one run lists them all (a bad schedule does not hide a missing schema file).
  const problems: ConfigProblem[] = parsed.ok ? [] : [...parsed.problems];
  const declared = new Map<string, DeclaredSchema>();
  for (const { index, name, schema } of locateSchemas(parsed.ok ? parsed.config.targets : rawTargets(bytes), baseDir)) {
    const path = `targets[${index}].schema`;
    try {
      const schemaFile = load(schema);
      if (name !== null) declared.set(name, schemaFile);
    } catch (error) {
      if (!(error instanceof DriftdError)) throw error;
      // parseConfig already reported this file when it checked the target's reconcile rules against it.
      if (problems.some((problem) => problem.path === path)) continue;
      problems.push({ path, message: error.toLine(), code: error.code });
    }
  }
  if (!parsed.ok || problems.length > 0) return { ok: false, problems, configHash };
  return { ok: true, validated: { config: parsed.config, configHash, declared, warnings: sharedDatabaseWarnings(parsed.config.targets) } };
}

/** The `targets` array of config bytes that did not parse as a whole; empty when even that cannot be read. */
function rawTargets(bytes: Buffer): readonly unknown[] {
  try {
    const raw: unknown = JSON.parse(bytes.toString('utf8'));
    const targets = raw !== null && typeof raw === 'object' ? (raw as { targets?: unknown }).targets : undefined;
    return Array.isArray(targets) ? targets : [];
  } catch {
    return [];
  }
}

/** Each target whose `schema` is a string, with its absolute path (relative paths resolve against the config's directory). */
function locateSchemas(targets: readonly unknown[], baseDir: string): Array<{ index: number; name: string | null; schema: string }> {
  const located: Array<{ index: number; name: string | null; schema: string }> = [];
  targets.forEach((target, index) => {
    if (target === null || typeof target !== 'object') return;
    const { name, schema } = target as { name?: unknown; schema?: unknown };
    if (typeof schema !== 'string' || schema === '') return;
    located.push({ index, name: typeof name === 'string' ? name : null, schema: resolve(baseDir, schema) });
  });
  return located;
}

/** One line per problem, for stderr and logs; file-level problems carry their catalogue code. */
export function formatProblems(problems: readonly ConfigProblem[]): string[] {
  return problems.map((problem) =>
    problem.code && !problem.message.startsWith(`${problem.code}:`) ? `${problem.path}: ${problem.code}: ${problem.message}` : `${problem.path}: ${problem.message}`,
  );
}
