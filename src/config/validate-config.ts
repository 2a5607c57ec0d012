import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { loadDeclaredSchema, type DeclaredSchema } from '../declared/load-declared-schema.js';
import { DriftdError } from '../errors/driftd-error.js';
import { parseConfig, type Config, type ConfigProblem } from './parse-config.js';
import { readConfigBytes } from './read-config-file.js';
import { sharedDatabaseWarnings } from './shared-databases.js';
import { configWritePaths } from './write-paths.js';
import { readOnlyMount } from '../fs/read-only-mount.js';

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
  if (parsed.ok) problems.push(...readOnlyWritePaths(parsed.config));
  if (!parsed.ok || problems.length > 0) return { ok: false, problems, configHash };
  return { ok: true, validated: { config: parsed.config, configHash, declared, warnings: sharedDatabaseWarnings(parsed.config.targets) } };
}

/**
 * A directory the config makes driftd write into that is read-only *here* (CONFIG_PATH_READ_ONLY):
 * under systemd, `ExecStartPre=driftd validate` runs inside the unit's own mount namespace, so a
 * path its ProtectSystem=/ProtectHome=read-only leave read-only (and ReadWritePaths= does not
 * grant) is refused before the service starts, instead of every repair failing afterwards.
 * A shell outside the sandbox cannot see it: `driftd validate --unit FILE` reads the unit instead.
 */
function readOnlyWritePaths(config: Config): ConfigProblem[] {
  return configWritePaths(config).flatMap((write) => {
    const mount = readOnlyMount(write.dir);
    if (mount === null) return [];
    return [
      {
        path: write.configPath,
        code: 'CONFIG_PATH_READ_ONLY' as const,
        message: `"${write.dir}" (${write.what}) is on a read-only file system${mount.mountPoint ? ` (the mount at "${mount.mountPoint}")` : ''}: "${mount.probed}" cannot be written, so every repair would fail`,
        hint:
          write.configPath === 'audit.dir'
            ? 'set audit.dir to a writable directory (e.g. "$XDG_STATE_HOME/driftd/audit", or leave it unset under the system unit: $STATE_DIRECTORY/audit), or add it to the unit\'s ReadWritePaths='
            : 'add the directory to the unit\'s ReadWritePaths= (systemctl edit driftd), or point the config at a writable one',
      },
    ];
  });
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
  return problems.map(
    (problem) =>
      (problem.code && !problem.message.startsWith(`${problem.code}:`) ? `${problem.path}: ${problem.code}: ${problem.message}` : `${problem.path}: ${problem.message}`) +
      (problem.hint ? ` (hint: ${problem.hint})` : ''),
  );
}
