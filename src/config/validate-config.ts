import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadDeclaredSchema, type DeclaredSchema } from '../declared/load-declared-schema.js';
import { DriftdError } from '../errors/driftd-error.js';
import { parseConfig, type Config, type ConfigProblem } from './parse-config.js';

/** A config together with every target's loaded declaration: what the daemon runs on. */
export interface ValidatedConfig {
  readonly config: Config;
  /** sha256 of the config file's bytes. */
  readonly configHash: string;
  /** By target name. */
  readonly declared: ReadonlyMap<string, DeclaredSchema>;
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
  let bytes: Buffer;
  try {
    bytes = readFileSync(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem: ConfigProblem =
      code === 'ENOENT'
        ? { path: '(file)', message: `config file "${absolute}" does not exist`, code: 'CONFIG_NOT_FOUND' }
        : { path: '(file)', message: `cannot read "${absolute}": ${(error as Error).message}`, code: 'CONFIG_UNREADABLE' };
    return { ok: false, problems: [problem], configHash: null };
  }
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
  const parsed = parseConfig(bytes.toString('utf8'), { baseDir: dirname(absolute), env, source: absolute, declaredSchema: (schemaPath) => load(schemaPath).schema });
  if (!parsed.ok) return { ok: false, problems: parsed.problems, configHash };
  const problems: ConfigProblem[] = [];
  const declared = new Map<string, DeclaredSchema>();
  parsed.config.targets.forEach((target, index) => {
    try {
      declared.set(target.name, load(target.schema));
    } catch (error) {
      if (!(error instanceof DriftdError)) throw error;
      problems.push({ path: `targets[${index}].schema`, message: error.toLine(), code: error.code });
    }
  });
  if (problems.length > 0) return { ok: false, problems, configHash };
  return { ok: true, validated: { config: parsed.config, configHash, declared } };
}

/** One line per problem, for stderr and logs; file-level problems carry their catalogue code. */
export function formatProblems(problems: readonly ConfigProblem[]): string[] {
  return problems.map((problem) =>
    problem.code && !problem.message.startsWith(`${problem.code}:`) ? `${problem.path}: ${problem.code}: ${problem.message}` : `${problem.path}: ${problem.message}`,
  );
}
