// The bad-input corpus as data: each case builds its inputs in a fresh directory and says what
// driftd must answer. The runner (bad-input-corpus.test.ts) runs every case through the CLI, checks
// the exit code, the error code and message, and that no byte of any file changed; target-level
// cases also run together inside one daemon next to a good target (daemon-corpus.test.ts).
// To add a case: append an entry; nothing else changes.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

export const REPO = resolve(import.meta.dirname, '../..');
export const MODELFORGE_SQL = join(REPO, 'schemas/modelforge.sql');
export const MODELFORGE_JSON = join(REPO, 'schemas/modelforge.json');

export type Group = 'config' | 'schema' | 'database' | 'tree';

export interface Expectation {
  readonly exit: 0 | 1 | 2;
  /** Error code from the catalogue that the output must name (absent for non-error outcomes). */
  readonly code?: string;
  /** What the output (stderr for errors, stdout otherwise) must also say: the what and the where. */
  readonly message: RegExp;
}

export interface Built {
  /** driftd's arguments, after `node dist/cli/main.js`. */
  readonly args: readonly string[];
  /** For target-level cases: the target to add to the shared daemon (name is set by the runner). */
  readonly daemonTarget?: Record<string, unknown>;
  /** A database another process holds an EXCLUSIVE transaction on while driftd runs. */
  readonly lockPath?: string;
}

export interface CorpusCase {
  readonly id: string;
  readonly group: Group;
  readonly title: string;
  /** Run the CLI as nobody (uid/gid 65534): permission cases, since CI runs as root. */
  readonly asNobody?: boolean;
  build(dir: string): Built;
  readonly expect: Expectation;
  /** Target-level cases: what the daemon reports for this target in /status and /readyz. */
  readonly daemon?: { readonly code?: string; readonly skipped?: string };
}

// ------------------------------------------------------------------------------------ builders
const LEGACY_SQL = `CREATE TABLE fine_tuned_models (id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL,
  base_model TEXT NOT NULL, task TEXT NOT NULL, description TEXT, creation_date TEXT NOT NULL, model_path TEXT NOT NULL)`;

/** ModelForge before 0.2.1 with two rows (the seed's drift). */
export function legacyDb(path: string): string {
  const db = new Database(path);
  db.exec(LEGACY_SQL);
  db.exec("INSERT INTO fine_tuned_models (model_name, base_model, task, creation_date, model_path) VALUES ('a', 'gpt2', 'text-generation', '2024-01-01', '/m/a'), ('b', 'gpt2', 'summarization', '2024-01-02', '/m/b')");
  db.close();
  return path;
}

/** ModelForge 0.2.1, in sync, with one row. */
export function currentDb(path: string): string {
  const db = new Database(path);
  db.exec(LEGACY_SQL.replace('model_path TEXT NOT NULL)', 'model_path TEXT NOT NULL, is_custom_base_model BOOLEAN DEFAULT 0)'));
  db.exec("INSERT INTO fine_tuned_models (model_name, base_model, task, creation_date, model_path) VALUES ('a', 'gpt2', 'text-generation', '2024-01-01', '/m/a')");
  db.close();
  return path;
}

const write = (path: string, text: string | Buffer) => {
  writeFileSync(path, text);
  return path;
};
const json = (path: string, value: unknown) => write(path, JSON.stringify(value, null, 2));

/** A config with one target `app` on `db` (created legacy unless given) and the ModelForge schema. */
function configWith(dir: string, patch: (target: Record<string, unknown>, config: Record<string, unknown>) => void = () => {}, dbName = 'app.db'): string {
  const target: Record<string, unknown> = { name: 'app', database: dbName, schema: MODELFORGE_SQL, repair: 'auto' };
  const config: Record<string, unknown> = { http: { port: 0 }, targets: [target] };
  patch(target, config);
  return json(join(dir, 'driftd.json'), config);
}

const MAPPED_COLUMNS = {
  model_name: { from: 'directoryName' },
  base_model: { from: 'json', file: 'adapter_config.json', pointer: '/base_model_name_or_path' },
  task: { from: 'json', file: 'modelforge_config.json', pointer: '/pipeline_task', map: { 'question-answering': 'extractive-question-answering' } },
  description: { from: 'template', template: 'Fine-tuned {base_model} for {task}' },
  creation_date: { from: 'mtime', format: 'iso8601' },
};

/** A reconcile rule for ModelForge's models directory; `columns` patches the mapping. */
function modelforgeRule(columns: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return { table: 'fine_tuned_models', root: 'models', markers: ['adapter_config.json'], keyColumn: 'model_path', settleSeconds: 0, columns: { ...MAPPED_COLUMNS, ...columns }, ...extra };
}

/** A model directory as ModelForge writes it; `adapter` replaces adapter_config.json's content. */
function modelDir(root: string, name: string, adapter?: string): string {
  const path = join(root, name);
  mkdirSync(path, { recursive: true });
  write(join(path, 'adapter_config.json'), adapter ?? JSON.stringify({ base_model_name_or_path: 'EleutherAI/gpt-neo-1.3B', task_type: 'CAUSAL_LM' }));
  write(join(path, 'modelforge_config.json'), JSON.stringify({ model_class: 'AutoPeftModelForCausalLM', pipeline_task: 'text-generation' }));
  return path;
}

/** A reconcile setup: an in-sync database, a models root prepared by `fill`, and the config. */
function tree(dir: string, fill: (root: string) => void, dryRun = true): Built {
  currentDb(join(dir, 'app.db'));
  const root = join(dir, 'models');
  mkdirSync(root);
  fill(root);
  const config = configWith(dir, (target) => {
    target.reconcile = [modelforgeRule()];
  });
  const target = { database: join(dir, 'app.db'), schema: MODELFORGE_SQL, repair: 'auto', reconcile: [{ ...modelforgeRule(), root }] };
  // --strict: a reported skip exits 1 (plain `reconcile` exits 0 for skips a re-run cannot mend; docs/cli.md).
  return { args: ['reconcile', '--config', config, '--json', '--strict', ...(dryRun ? ['--dry-run'] : [])], daemonTarget: target };
}

/** A FIFO at `path` (opening it for reading would block without O_NONBLOCK). */
const fifo = (path: string) => {
  execFileSync('mkfifo', [path]);
  return path;
};
/** A Unix socket file at `path`, left behind by a process that bound it and exited. */
const socket = (path: string) => {
  execFileSync(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
  return path;
};
/** A character device node like /dev/zero (major 1, minor 5) at `path`: needs root, as CI runs. */
const zeroDevice = (path: string) => {
  execFileSync('mknod', [path, 'c', '1', '5']);
  return path;
};
/** A sparse file of `bytes` bytes: over a limit without using the disk. */
const sparse = (path: string, bytes: number) => {
  writeFileSync(path, '');
  truncateSync(path, bytes);
  return path;
};

const check = (db: string, schema = MODELFORGE_SQL) => ['check', '--db', db, '--schema', schema];
const repair = (db: string, schema = MODELFORGE_SQL) => ['repair', '--db', db, '--schema', schema];
const dbTarget = (database: string) => ({ database, schema: MODELFORGE_SQL, repair: 'auto' });

// ------------------------------------------------------------------------------------ the cases
export const CASES: readonly CorpusCase[] = [
  // ---------------------------------------------------------------- configs
  {
    id: 'config-missing-file',
    group: 'config',
    title: 'the config file does not exist',
    build: (dir) => ({ args: ['validate', '--config', join(dir, 'nope.json')] }),
    expect: { exit: 2, code: 'CONFIG_NOT_FOUND', message: /nope\.json" does not exist/ },
  },
  {
    id: 'config-invalid-json',
    group: 'config',
    title: 'the config is not JSON (trailing comma)',
    build: (dir) => ({ args: ['validate', '--config', write(join(dir, 'c.json'), '{"targets": [],}')] }),
    expect: { exit: 2, code: 'CONFIG_JSON_SYNTAX', message: /not valid JSON/ },
  },
  {
    id: 'config-empty-file',
    group: 'config',
    title: 'the config file is empty',
    build: (dir) => ({ args: ['check', '--config', write(join(dir, 'c.json'), '')] }),
    expect: { exit: 2, code: 'CONFIG_JSON_SYNTAX', message: /c\.json/ },
  },
  {
    id: 'config-is-directory',
    group: 'config',
    title: 'the config path is a directory',
    build: (dir) => {
      mkdirSync(join(dir, 'conf.d'));
      return { args: ['validate', '--config', join(dir, 'conf.d')] };
    },
    expect: { exit: 2, code: 'CONFIG_UNREADABLE', message: /conf\.d/ },
  },
  {
    id: 'config-top-level-array',
    group: 'config',
    title: 'the config is a JSON array',
    build: (dir) => ({ args: ['validate', '--config', json(join(dir, 'c.json'), [{ name: 'app' }])] }),
    expect: { exit: 2, message: /\(root\)|expected object/i },
  },
  {
    id: 'config-wrong-type',
    group: 'config',
    title: 'busyTimeoutMs is a string',
    build: (dir) => ({ args: ['validate', '--config', configWith(dir, (_t, c) => (c.busyTimeoutMs = '5000'))] }),
    expect: { exit: 2, message: /busyTimeoutMs: .*number/ },
  },
  {
    id: 'config-unknown-top-level-key',
    group: 'config',
    title: 'a misspelt top-level key',
    build: (dir) => ({ args: ['validate', '--config', configWith(dir, (_t, c) => (c.shedule = '* * * * * *'))] }),
    expect: { exit: 2, message: /shedule/ },
  },
  {
    id: 'config-unknown-target-key',
    group: 'config',
    title: 'a misspelt target key',
    build: (dir) => ({ args: ['validate', '--config', configWith(dir, (t) => (t.databse = 'x.db'))] }),
    expect: { exit: 2, message: /targets\[0\].*databse/ },
  },
  {
    id: 'config-no-targets',
    group: 'config',
    title: 'an empty target list',
    build: (dir) => ({ args: ['validate', '--config', json(join(dir, 'c.json'), { targets: [] })] }),
    expect: { exit: 2, message: /targets: .*at least one target/ },
  },
  {
    id: 'config-duplicate-target-names',
    group: 'config',
    title: 'two targets with the same name',
    build: (dir) => {
      legacyDb(join(dir, 'app.db'));
      return { args: ['validate', '--config', configWith(dir, (t, c) => ((c.targets as unknown[]).push({ ...t })))] };
    },
    expect: { exit: 2, message: /targets\[1\]\.name: .*"app"/ },
  },
  {
    id: 'config-target-name-not-a-label',
    group: 'config',
    title: 'a target name that cannot be a metric label value (path-like)',
    build: (dir) => ({ args: ['validate', '--config', configWith(dir, (t) => (t.name = '../etc/passwd'))] }),
    expect: { exit: 2, message: /targets\[0\]\.name: use 1-64 letters/ },
  },
  {
    id: 'config-schema-missing',
    group: 'config',
    title: "a target's schema file does not exist",
    build: (dir) => ({ args: ['validate', '--config', configWith(dir, (t) => (t.schema = 'missing.sql'))] }),
    expect: { exit: 2, message: /targets\[0\]\.schema: SCHEMA_NOT_FOUND: .*missing\.sql/ },
  },
  {
    id: 'config-token-too-short',
    group: 'config',
    title: 'an HTTP token shorter than 16 characters',
    build: (dir) => ({ args: ['validate', '--config', configWith(dir, (_t, c) => (c.http = { port: 0, token: 'short' }))] }),
    expect: { exit: 2, message: /http\.token.*16 characters/ },
  },
  {
    id: 'config-token-env-unset',
    group: 'config',
    title: 'a token read from an unset environment variable',
    build: (dir) => ({ args: ['validate', '--config', configWith(dir, (_t, c) => (c.http = { port: 0, token: { fromEnv: 'DRIFTD_CORPUS_UNSET_TOKEN' } }))] }),
    expect: { exit: 2, message: /DRIFTD_CORPUS_UNSET_TOKEN/ },
  },
  {
    id: 'config-port-out-of-range',
    group: 'config',
    title: 'an HTTP port above 65535',
    build: (dir) => ({ args: ['validate', '--config', configWith(dir, (_t, c) => (c.http = { port: 70000 }))] }),
    expect: { exit: 2, message: /http\.port/ },
  },
  {
    id: 'config-bad-cron',
    group: 'config',
    title: 'a schedule that is not a cron expression',
    build: (dir) => ({ args: ['validate', '--config', configWith(dir, (_t, c) => (c.schedule = 'every minute'))] }),
    expect: { exit: 2, message: /schedule/ },
  },
  {
    id: 'config-reconcile-unknown-column',
    group: 'config',
    title: 'a reconcile rule maps a column the table does not declare',
    build: (dir) => ({ args: ['validate', '--config', configWith(dir, (t) => (t.reconcile = [modelforgeRule({ size_bytes: { from: 'constant', value: 1 } })]))] }),
    expect: { exit: 2, message: /size_bytes/ },
  },
  {
    id: 'config-reconcile-template-cycle',
    group: 'config',
    title: 'templates that refer to each other (a cycle)',
    build: (dir) => ({
      args: [
        'validate',
        '--config',
        configWith(dir, (t) => (t.reconcile = [modelforgeRule({ description: { from: 'template', template: '{task}' }, task: { from: 'template', template: '{description}' } })])),
      ],
    }),
    expect: { exit: 2, message: /cycle|circular/i },
  },
  {
    id: 'config-reconcile-template-unknown-reference',
    group: 'config',
    title: 'a template refers to a column that is not mapped',
    build: (dir) => ({ args: ['validate', '--config', configWith(dir, (t) => (t.reconcile = [modelforgeRule({ description: { from: 'template', template: 'made by {author}' } })]))] }),
    expect: { exit: 2, message: /author/ },
  },
  {
    id: 'config-reconcile-required-column-unmapped',
    group: 'config',
    title: 'a NOT NULL column without default is not mapped',
    build: (dir) => {
      const rule = modelforgeRule();
      delete (rule.columns as Record<string, unknown>).base_model;
      return { args: ['validate', '--config', configWith(dir, (t) => (t.reconcile = [rule]))] };
    },
    expect: { exit: 2, message: /base_model/ },
  },
  {
    id: 'config-reconcile-bad-regex',
    group: 'config',
    title: 'a regex source that does not compile',
    build: (dir) => ({ args: ['validate', '--config', configWith(dir, (t) => (t.reconcile = [modelforgeRule({ model_name: { from: 'regex', pattern: '([a-z', group: 1 } })]))] }),
    expect: { exit: 2, message: /model_name/ },
  },
  {
    id: 'config-reconcile-bad-json-pointer',
    group: 'config',
    title: 'a JSON pointer without its leading slash',
    build: (dir) => ({ args: ['validate', '--config', configWith(dir, (t) => (t.reconcile = [modelforgeRule({ base_model: { from: 'json', file: 'adapter_config.json', pointer: 'base_model_name_or_path' } })]))] }),
    expect: { exit: 2, message: /pointer/ },
  },
  {
    id: 'config-reconcile-marker-escapes',
    group: 'config',
    title: 'a marker file name that climbs out of the directory',
    build: (dir) => ({ args: ['validate', '--config', configWith(dir, (t) => (t.reconcile = [modelforgeRule({}, { markers: ['../adapter_config.json'] })]))] }),
    expect: { exit: 2, message: /markers/ },
  },
  {
    id: 'config-unknown-target-selected',
    group: 'config',
    title: '--target names no target of the config',
    build: (dir) => {
      legacyDb(join(dir, 'app.db'));
      return { args: ['check', '--config', configWith(dir), '--target', 'nosuch'] };
    },
    expect: { exit: 2, code: 'CONFIG_TARGET_UNKNOWN', message: /no target "nosuch".*known targets: app/ },
  },
  {
    id: 'config-deeply-nested-json',
    group: 'config',
    title: 'a config nested 200,000 levels deep',
    build: (dir) => ({ args: ['validate', '--config', write(join(dir, 'c.json'), '['.repeat(200_000) + ']'.repeat(200_000))] }),
    expect: { exit: 2, message: /c\.json/ },
  },
  {
    id: 'config-invalid-utf8',
    group: 'config',
    title: 'a config with invalid UTF-8 in a path',
    build: (dir) => {
      legacyDb(join(dir, 'app.db'));
      const text = Buffer.concat([Buffer.from('{"http":{"port":0},"targets":[{"name":"app","database":"app'), Buffer.from([0xff, 0xfe]), Buffer.from(`.db","schema":${JSON.stringify(MODELFORGE_SQL)}}]}`)]);
      return { args: ['check', '--config', write(join(dir, 'c.json'), text)] };
    },
    expect: { exit: 2, code: 'DB_NOT_FOUND', message: /app\uFFFD\uFFFD\.db/ },
  },
  {
    id: 'config-run-invalid',
    group: 'config',
    title: '`driftd run` on an invalid config exits 2 listing every problem',
    build: (dir) => ({ args: ['run', '--config', configWith(dir, (t, c) => ((c.busyTimeoutMs = -1), (t.repair = 'sometimes')))] }),
    expect: { exit: 2, message: /busyTimeoutMs[\s\S]*targets\[0\]\.repair/ },
  },

  {
    id: 'config-fifo-validate',
    group: 'config',
    title: '`driftd validate` on a config path that is a FIFO (must not block)',
    build: (dir) => ({ args: ['validate', '--config', fifo(join(dir, 'driftd.json'))] }),
    expect: { exit: 2, code: 'CONFIG_NOT_A_FILE', message: /driftd\.json" is a FIFO/ },
  },
  {
    id: 'config-fifo-run',
    group: 'config',
    title: '`driftd run` on a config path that is a FIFO (must not block)',
    build: (dir) => ({ args: ['run', '--config', fifo(join(dir, 'driftd.json'))] }),
    expect: { exit: 2, code: 'CONFIG_NOT_A_FILE', message: /driftd\.json" is a FIFO/ },
  },
  {
    id: 'config-dev-zero',
    group: 'config',
    title: '`driftd check --config /dev/zero` (endless bytes: never read)',
    build: () => ({ args: ['check', '--config', '/dev/zero'] }),
    expect: { exit: 2, code: 'CONFIG_NOT_A_FILE', message: /\/dev\/zero" is a character device/ },
  },
  {
    id: 'config-dev-urandom',
    group: 'config',
    title: '`driftd reconcile --config /dev/urandom` (endless bytes: never read)',
    build: () => ({ args: ['reconcile', '--config', '/dev/urandom', '--dry-run'] }),
    expect: { exit: 2, code: 'CONFIG_NOT_A_FILE', message: /\/dev\/urandom" is a character device/ },
  },
  {
    id: 'config-socket',
    group: 'config',
    title: 'the config path is a Unix socket',
    build: (dir) => ({ args: ['validate', '--config', socket(join(dir, 'driftd.json'))] }),
    expect: { exit: 2, code: 'CONFIG_NOT_A_FILE', message: /driftd\.json" is a socket/ },
  },
  {
    id: 'config-oversized',
    group: 'config',
    title: 'a config file over the 4 MiB limit is not read',
    build: (dir) => ({ args: ['validate', '--config', sparse(join(dir, 'driftd.json'), 4 * 1024 * 1024 + 1)] }),
    expect: { exit: 2, code: 'CONFIG_TOO_LARGE', message: /driftd\.json" is 4194305 bytes or more, over the 4194304-byte limit/ },
  },

  // ---------------------------------------------------------------- schemas
  {
    id: 'schema-missing',
    group: 'schema',
    title: 'the schema file does not exist',
    build: (dir) => ({ args: check(legacyDb(join(dir, 'app.db')), join(dir, 'nope.sql')) }),
    expect: { exit: 2, code: 'SCHEMA_NOT_FOUND', message: /nope\.sql/ },
  },
  {
    id: 'schema-sql-syntax-error',
    group: 'schema',
    title: 'a CREATE TABLE with a syntax error',
    build: (dir) => ({ args: check(legacyDb(join(dir, 'app.db')), write(join(dir, 's.sql'), 'CREATE TABLE t (id INTEGER PRIMARY KEY,, name TEXT);')) }),
    expect: { exit: 2, code: 'SCHEMA_SQL_ERROR', message: /s\.sql.*syntax error/ },
  },
  {
    id: 'schema-sql-drop-table',
    group: 'schema',
    title: 'a schema that drops a table',
    build: (dir) => ({ args: repair(legacyDb(join(dir, 'app.db')), write(join(dir, 's.sql'), `${LEGACY_SQL};\nDROP TABLE fine_tuned_models;`)) }),
    expect: { exit: 2, code: 'SCHEMA_SQL_FORBIDDEN', message: /s\.sql.*DROP/ },
  },
  {
    id: 'schema-sql-insert',
    group: 'schema',
    title: 'a schema with an INSERT (data, not declaration)',
    build: (dir) => ({ args: repair(legacyDb(join(dir, 'app.db')), write(join(dir, 's.sql'), `${LEGACY_SQL};\nINSERT INTO fine_tuned_models VALUES (1,'a','b','c','d','e','f');`)) }),
    expect: { exit: 2, code: 'SCHEMA_SQL_FORBIDDEN', message: /INSERT/ },
  },
  {
    id: 'schema-sql-attach',
    group: 'schema',
    title: 'a schema that ATTACHes another file',
    build: (dir) => ({ args: check(legacyDb(join(dir, 'app.db')), write(join(dir, 's.sql'), `ATTACH DATABASE '${join(dir, 'other.db')}' AS other;\n${LEGACY_SQL};`)) }),
    expect: { exit: 2, code: 'SCHEMA_SQL_FORBIDDEN', message: /ATTACH/ },
  },
  {
    id: 'schema-sql-empty',
    group: 'schema',
    title: 'an empty .sql schema',
    build: (dir) => ({ args: check(legacyDb(join(dir, 'app.db')), write(join(dir, 's.sql'), '-- nothing here\n')) }),
    expect: { exit: 2, code: 'SCHEMA_EMPTY', message: /s\.sql/ },
  },
  {
    id: 'schema-sql-non-constant-default',
    group: 'schema',
    title: 'an impossible default (refers to another column)',
    build: (dir) => ({ args: check(legacyDb(join(dir, 'app.db')), write(join(dir, 's.sql'), 'CREATE TABLE t (a INTEGER, b INTEGER DEFAULT (a + 1));')) }),
    expect: { exit: 2, code: 'SCHEMA_SQL_ERROR', message: /not constant/ },
  },
  {
    id: 'schema-sql-index-on-missing-table',
    group: 'schema',
    title: 'an index on a table the schema does not declare',
    build: (dir) => ({ args: check(legacyDb(join(dir, 'app.db')), write(join(dir, 's.sql'), `${LEGACY_SQL};\nCREATE INDEX i ON nosuch (x);`)) }),
    expect: { exit: 2, code: 'SCHEMA_SQL_ERROR', message: /nosuch/ },
  },
  {
    id: 'schema-unsupported-extension',
    group: 'schema',
    title: 'a schema file that is neither .sql nor .json',
    build: (dir) => ({ args: check(legacyDb(join(dir, 'app.db')), write(join(dir, 'schema.yaml'), 'tables: {}')) }),
    expect: { exit: 2, code: 'SCHEMA_UNSUPPORTED_FORMAT', message: /schema\.yaml/ },
  },
  {
    id: 'schema-is-directory',
    group: 'schema',
    title: 'the schema path is a directory',
    build: (dir) => {
      mkdirSync(join(dir, 'schema.sql'));
      return { args: check(legacyDb(join(dir, 'app.db')), join(dir, 'schema.sql')) };
    },
    expect: { exit: 2, code: 'SCHEMA_UNREADABLE', message: /schema\.sql/ },
  },
  {
    id: 'schema-json-syntax',
    group: 'schema',
    title: 'a .json schema that does not parse',
    build: (dir) => ({ args: check(legacyDb(join(dir, 'app.db')), write(join(dir, 's.json'), '{"tables": {')) }),
    expect: { exit: 2, code: 'SCHEMA_JSON_SYNTAX', message: /s\.json/ },
  },
  {
    id: 'schema-json-unknown-field',
    group: 'schema',
    title: 'a .json schema with an unknown column field',
    build: (dir) => ({
      args: check(legacyDb(join(dir, 'app.db')), json(join(dir, 's.json'), { tables: { t: { columns: { id: { type: 'INTEGER', primaryKey: true, autoincrement: true, colour: 'red' } } } } })),
    }),
    expect: { exit: 2, code: 'SCHEMA_JSON_INVALID', message: /colour/ },
  },
  {
    id: 'schema-json-wrong-type',
    group: 'schema',
    title: 'a .json schema where notNull is a string',
    build: (dir) => ({ args: check(legacyDb(join(dir, 'app.db')), json(join(dir, 's.json'), { tables: { t: { columns: { id: { type: 'INTEGER', notNull: 'yes' } } } } })) }),
    expect: { exit: 2, code: 'SCHEMA_JSON_INVALID', message: /notNull/ },
  },
  {
    id: 'schema-json-unknown-type',
    group: 'schema',
    title: 'a .json schema whose column type is an object',
    build: (dir) => ({ args: check(legacyDb(join(dir, 'app.db')), json(join(dir, 's.json'), { tables: { t: { columns: { id: { type: { name: 'uuid' } } } } } })) }),
    expect: { exit: 2, code: 'SCHEMA_JSON_INVALID', message: /type/ },
  },

  {
    id: 'schema-fifo',
    group: 'schema',
    title: '`driftd check` with a schema path that is a FIFO (must not block)',
    build: (dir) => ({ args: check(legacyDb(join(dir, 'app.db')), fifo(join(dir, 'schema.sql'))) }),
    expect: { exit: 2, code: 'SCHEMA_NOT_A_FILE', message: /schema\.sql" is a FIFO/ },
  },
  {
    id: 'schema-fifo-validate',
    group: 'schema',
    title: '`driftd validate` on a config whose schema is a FIFO (must not block)',
    build: (dir) => ({ args: ['validate', '--config', configWith(dir, (target) => (target.schema = fifo(join(dir, 'schema.sql'))))] }),
    expect: { exit: 2, code: 'SCHEMA_NOT_A_FILE', message: /targets\[0\]\.schema[\s\S]*schema\.sql" is a FIFO/ },
  },
  {
    id: 'schema-dev-zero-validate',
    group: 'schema',
    title: '`driftd validate` on a config whose schema is /dev/zero (endless bytes: never read)',
    build: (dir) => ({ args: ['validate', '--config', configWith(dir, (target) => (target.schema = '/dev/zero'))] }),
    expect: { exit: 2, code: 'SCHEMA_NOT_A_FILE', message: /\/dev\/zero" is a character device/ },
  },
  {
    id: 'schema-dev-urandom',
    group: 'schema',
    title: '`driftd repair` with the schema /dev/urandom (never read)',
    build: (dir) => ({ args: repair(legacyDb(join(dir, 'app.db')), '/dev/urandom') }),
    expect: { exit: 2, code: 'SCHEMA_NOT_A_FILE', message: /\/dev\/urandom" is a character device/ },
  },
  {
    id: 'schema-device-node',
    group: 'schema',
    title: 'a schema.sql that is a device node in the config\'s directory (run as root)',
    build: (dir) => ({ args: ['check', '--config', configWith(dir, (target) => (target.schema = zeroDevice(join(dir, 'schema.sql'))))] }),
    expect: { exit: 2, code: 'SCHEMA_NOT_A_FILE', message: /schema\.sql" is a character device/ },
  },
  {
    id: 'schema-socket',
    group: 'schema',
    title: 'the schema path is a Unix socket',
    build: (dir) => ({ args: check(legacyDb(join(dir, 'app.db')), socket(join(dir, 'schema.sql'))) }),
    expect: { exit: 2, code: 'SCHEMA_NOT_A_FILE', message: /schema\.sql" is a socket/ },
  },
  {
    id: 'schema-oversized',
    group: 'schema',
    title: 'a schema file over the 64 MiB limit is not read',
    build: (dir) => ({ args: check(legacyDb(join(dir, 'app.db')), sparse(join(dir, 'schema.sql'), 64 * 1024 * 1024 + 1)) }),
    expect: { exit: 2, code: 'SCHEMA_TOO_LARGE', message: /schema\.sql" is 67108865 bytes or more, over the 67108864-byte limit/ },
  },

  // ---------------------------------------------------------------- database files
  {
    id: 'db-missing',
    group: 'database',
    title: 'the database file does not exist',
    build: (dir) => ({ args: repair(join(dir, 'nope.db')), daemonTarget: dbTarget(join(dir, 'nope.db')) }),
    expect: { exit: 2, code: 'DB_NOT_FOUND', message: /nope\.db" does not exist/ },
    daemon: { code: 'DB_NOT_FOUND' },
  },
  {
    id: 'db-empty-file',
    group: 'database',
    title: 'a zero-byte file (SQLite reads it as an empty database): check reports, nothing is created',
    build: (dir) => ({ args: check(write(join(dir, 'empty.db'), '')) }),
    expect: { exit: 1, message: /missing_table\s+fine_tuned_models/ },
  },
  {
    id: 'db-truncated',
    group: 'database',
    title: 'a database cut after its first page',
    build: (dir) => {
      const path = legacyDb(join(dir, 'app.db'));
      const db = new Database(path);
      db.exec(`CREATE TABLE filler (x TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) INSERT INTO filler SELECT hex(randomblob(500)) FROM n;`);
      db.close();
      truncateSync(path, 4096 + 100);
      return { args: repair(path), daemonTarget: dbTarget(path) };
    },
    expect: { exit: 2, code: 'DB_CORRUPT', message: /app\.db" is corrupt/ },
    daemon: { code: 'DB_CORRUPT' },
  },
  {
    id: 'db-random-bytes',
    group: 'database',
    title: 'a file of random bytes',
    build: (dir) => {
      const bytes = Buffer.alloc(8192);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 251;
      const path = write(join(dir, 'random.db'), bytes);
      return { args: repair(path), daemonTarget: dbTarget(path) };
    },
    expect: { exit: 2, code: 'DB_NOT_SQLITE', message: /random\.db" is not an SQLite database/ },
    daemon: { code: 'DB_NOT_SQLITE' },
  },
  {
    id: 'db-text-file',
    group: 'database',
    title: 'the schema passed as the database (a text file)',
    build: (dir) => {
      const path = join(dir, 'schema-as-db.sql');
      copyFileSync(MODELFORGE_SQL, path);
      return { args: check(path), daemonTarget: dbTarget(path) };
    },
    expect: { exit: 2, code: 'DB_NOT_SQLITE', message: /schema-as-db\.sql/ },
    daemon: { code: 'DB_NOT_SQLITE' },
  },
  {
    id: 'db-corrupt-page',
    group: 'database',
    title: 'a valid header but a garbage schema page',
    build: (dir) => {
      const path = legacyDb(join(dir, 'app.db'));
      const bytes = Buffer.from(readFileSync(path));
      bytes.fill(0xa5, 100, 4096); // page 1 after the 100-byte header: sqlite_schema's b-tree
      write(path, bytes);
      return { args: check(path), daemonTarget: dbTarget(path) };
    },
    expect: { exit: 2, message: /app\.db" (is corrupt|is not an SQLite database)/ },
    daemon: {},
  },
  {
    id: 'db-directory',
    group: 'database',
    title: 'the database path is a directory',
    build: (dir) => {
      mkdirSync(join(dir, 'app.db'));
      return { args: repair(join(dir, 'app.db')), daemonTarget: dbTarget(join(dir, 'app.db')) };
    },
    expect: { exit: 2, code: 'DB_IS_DIRECTORY', message: /app\.db" is a directory/ },
    daemon: { code: 'DB_IS_DIRECTORY' },
  },
  {
    id: 'db-fifo',
    group: 'database',
    title: 'the database path is a FIFO (must not block)',
    build: (dir) => {
      execFileSync('mkfifo', [join(dir, 'app.db')]);
      return { args: check(join(dir, 'app.db')), daemonTarget: dbTarget(join(dir, 'app.db')) };
    },
    expect: { exit: 2, code: 'DB_NOT_A_FILE', message: /app\.db" is not a regular file/ },
    daemon: { code: 'DB_NOT_A_FILE' },
  },
  {
    id: 'db-device',
    group: 'database',
    title: 'the database path is /dev/null (a character device)',
    build: () => ({ args: repair('/dev/null') }),
    expect: { exit: 2, code: 'DB_NOT_A_FILE', message: /\/dev\/null/ },
  },
  {
    id: 'db-socket',
    group: 'database',
    title: 'the database path is a Unix socket',
    build: (dir) => {
      const path = socket(join(dir, 'app.db'));
      return { args: check(path), daemonTarget: dbTarget(path) };
    },
    expect: { exit: 2, code: 'DB_NOT_A_FILE', message: /app\.db" is not a regular file/ },
    daemon: { code: 'DB_NOT_A_FILE' },
  },
  {
    id: 'db-dev-zero',
    group: 'database',
    title: 'the database path is /dev/zero (never read)',
    build: () => ({ args: check('/dev/zero') }),
    expect: { exit: 2, code: 'DB_NOT_A_FILE', message: /\/dev\/zero/ },
  },
  {
    id: 'db-dangling-symlink',
    group: 'database',
    title: 'a symlink to a database that is gone',
    build: (dir) => {
      symlinkSync(join(dir, 'gone.db'), join(dir, 'app.db'));
      return { args: repair(join(dir, 'app.db')), daemonTarget: dbTarget(join(dir, 'app.db')) };
    },
    expect: { exit: 2, code: 'DB_NOT_FOUND', message: /app\.db" does not exist/ },
    daemon: { code: 'DB_NOT_FOUND' },
  },
  {
    id: 'db-symlink-loop',
    group: 'database',
    title: 'a database path that is a symlink loop',
    build: (dir) => {
      symlinkSync(join(dir, 'b.db'), join(dir, 'a.db'));
      symlinkSync(join(dir, 'a.db'), join(dir, 'b.db'));
      return { args: check(join(dir, 'a.db')), daemonTarget: dbTarget(join(dir, 'a.db')) };
    },
    expect: { exit: 2, message: /a\.db/ },
    daemon: {},
  },
  {
    id: 'db-wal-without-database',
    group: 'database',
    title: 'a -wal file whose database is missing (nothing may be created)',
    build: (dir) => {
      write(join(dir, 'app.db-wal'), Buffer.alloc(32, 7));
      return { args: repair(join(dir, 'app.db')), daemonTarget: dbTarget(join(dir, 'app.db')) };
    },
    expect: { exit: 2, code: 'DB_NOT_FOUND', message: /app\.db" does not exist/ },
    daemon: { code: 'DB_NOT_FOUND' },
  },
  {
    id: 'db-no-permission',
    group: 'database',
    title: 'a database the user may not read (mode 000, run as nobody)',
    asNobody: true,
    build: (dir) => {
      const path = legacyDb(join(dir, 'app.db'));
      chmodSync(path, 0o000);
      return { args: check(path) };
    },
    expect: { exit: 2, code: 'DB_PERMISSION', message: /app\.db/ },
  },
  {
    id: 'db-read-only-file-on-repair',
    group: 'database',
    title: 'repair of a database the user may only read (run as nobody)',
    asNobody: true,
    build: (dir) => {
      const path = legacyDb(join(dir, 'app.db'));
      chmodSync(path, 0o644);
      return { args: repair(path) };
    },
    expect: { exit: 2, code: 'DB_READONLY', message: /app\.db" is not writable by this user/ },
  },
  {
    id: 'db-read-only-directory-on-repair',
    group: 'database',
    title: 'repair when the directory forbids the -journal file (run as nobody)',
    asNobody: true,
    build: (dir) => {
      mkdirSync(join(dir, 'ro'));
      const path = legacyDb(join(dir, 'ro', 'app.db'));
      chmodSync(path, 0o666);
      chmodSync(join(dir, 'ro'), 0o555);
      return { args: repair(path) };
    },
    expect: { exit: 2, code: 'DB_READONLY', message: /app\.db" cannot be written \(repairing\)/ },
  },
  {
    id: 'db-locked',
    group: 'database',
    title: 'a database held EXCLUSIVE by another process (waits the busy timeout, then says so)',
    build: (dir) => {
      const path = legacyDb(join(dir, 'app.db'));
      return { args: ['repair', '--db', path, '--schema', MODELFORGE_SQL, '--busy-timeout', '300'], lockPath: path };
    },
    expect: { exit: 2, code: 'DB_BUSY', message: /app\.db" stayed locked/ },
  },

  // ---------------------------------------------------------------- directory trees (reconcile)
  {
    id: 'tree-root-missing',
    group: 'tree',
    title: 'the reconcile root does not exist',
    build: (dir) => {
      currentDb(join(dir, 'app.db'));
      return { args: ['reconcile', '--config', configWith(dir, (t) => (t.reconcile = [modelforgeRule({}, { root: 'no-models' })]))] };
    },
    expect: { exit: 2, code: 'RECONCILE_ROOT_MISSING', message: /no-models/ },
  },
  {
    id: 'tree-symlink-loop',
    group: 'tree',
    title: 'symlinks in a loop under the root, and one to the root itself',
    build: (dir) =>
      tree(dir, (root) => {
        symlinkSync(join(root, 'loop-b'), join(root, 'loop-a'));
        symlinkSync(join(root, 'loop-a'), join(root, 'loop-b'));
        symlinkSync('.', join(root, 'self'));
      }),
    // the loop is not a directory (ELOOP) and is passed over; the link to the root is reported, not followed
    expect: { exit: 1, message: /"orphans":\[\].*"directory":"self".*"reason":"symlink-outside-root"/ },
    daemon: { skipped: 'symlink-outside-root' },
  },
  {
    id: 'tree-symlink-out-of-root',
    group: 'tree',
    title: 'a model directory symlinked from outside the root',
    build: (dir) =>
      tree(dir, (root) => {
        modelDir(join(dir, 'outside'), 'stolen_0001');
        symlinkSync(join(dir, 'outside', 'stolen_0001'), join(root, 'stolen_0001'));
      }),
    expect: { exit: 1, message: /"reason":"symlink-outside-root"/ },
    daemon: { skipped: 'symlink-outside-root' },
  },
  {
    id: 'tree-marker-symlink-out-of-root',
    group: 'tree',
    title: "a model's adapter_config.json is a symlink to a file outside the root",
    build: (dir) =>
      tree(dir, (root) => {
        write(join(dir, 'secret.json'), JSON.stringify({ base_model_name_or_path: 'leaked' }));
        const model = modelDir(root, 'sneaky_0002');
        rmSync(join(model, 'adapter_config.json'));
        symlinkSync(join(dir, 'secret.json'), join(model, 'adapter_config.json'));
      }),
    expect: { exit: 1, message: /"reason":"(symlink-outside-root|metadata-not-a-file|unreadable)"/ },
    daemon: {},
  },
  {
    id: 'tree-name-with-newline',
    group: 'tree',
    title: 'a directory name with a newline is kept literally',
    build: (dir) => tree(dir, (root) => modelDir(root, 'two\nlines_0003')),
    expect: { exit: 1, message: /"model_name":"two\\nlines_0003"/ },
  },
  {
    id: 'tree-name-with-quotes',
    group: 'tree',
    title: 'a directory named like an SQL injection is kept literally',
    build: (dir) => tree(dir, (root) => modelDir(root, `x'); DROP TABLE fine_tuned_models;--_0004`)),
    expect: { exit: 1, message: /"model_name":"x'\); DROP TABLE fine_tuned_models;--_0004"/ },
  },
  {
    id: 'tree-name-invalid-utf8',
    group: 'tree',
    title: 'a directory name that is not valid UTF-8',
    build: (dir) =>
      tree(dir, (root) => {
        const name = Buffer.concat([Buffer.from(root + '/bad-'), Buffer.from([0xc3, 0x28]), Buffer.from('_0005')]);
        mkdirSync(name);
        writeFileSync(Buffer.concat([name, Buffer.from('/adapter_config.json')]), '{"base_model_name_or_path":"x"}');
        writeFileSync(Buffer.concat([name, Buffer.from('/modelforge_config.json')]), '{"pipeline_task":"text-generation"}');
      }),
    expect: { exit: 1, message: /"directory":"bad-/ },
  },
  {
    id: 'tree-malformed-json',
    group: 'tree',
    title: 'adapter_config.json is not JSON',
    build: (dir) => tree(dir, (root) => modelDir(root, 'broken_0006', '{"base_model_name_or_path": ')),
    expect: { exit: 1, message: /"reason":"malformed-json"/ },
    daemon: { skipped: 'malformed-json' },
  },
  {
    id: 'tree-empty-json',
    group: 'tree',
    title: 'adapter_config.json is empty',
    build: (dir) => tree(dir, (root) => modelDir(root, 'empty_0007', '')),
    expect: { exit: 1, message: /"reason":"malformed-json"/ },
    daemon: { skipped: 'malformed-json' },
  },
  {
    id: 'tree-huge-json',
    group: 'tree',
    title: 'adapter_config.json over 1 MiB is not read',
    build: (dir) => tree(dir, (root) => modelDir(root, 'huge_0008', JSON.stringify({ base_model_name_or_path: 'x', pad: 'y'.repeat(2 * 1024 * 1024) }))),
    expect: { exit: 1, message: /"reason":"metadata-too-large"/ },
    daemon: { skipped: 'metadata-too-large' },
  },
  {
    id: 'tree-deeply-nested-json',
    group: 'tree',
    title: 'adapter_config.json nested 100,000 levels deep (under 1 MiB)',
    build: (dir) => tree(dir, (root) => modelDir(root, 'deep_0009', '['.repeat(100_000) + ']'.repeat(100_000))),
    expect: { exit: 1, message: /"reason":"(malformed-json|unresolved-column)"/ },
    daemon: {},
  },
  {
    id: 'tree-metadata-is-directory',
    group: 'tree',
    title: 'adapter_config.json is a directory',
    build: (dir) =>
      tree(dir, (root) => {
        const model = modelDir(root, 'dir_0010');
        rmSync(join(model, 'adapter_config.json'));
        mkdirSync(join(model, 'adapter_config.json'));
      }),
    expect: { exit: 1, message: /"reason":"metadata-not-a-file"/ },
    daemon: { skipped: 'metadata-not-a-file' },
  },
  {
    id: 'tree-metadata-is-fifo',
    group: 'tree',
    title: 'adapter_config.json is a FIFO (must not block)',
    build: (dir) =>
      tree(dir, (root) => {
        const model = modelDir(root, 'fifo_0011');
        rmSync(join(model, 'adapter_config.json'));
        execFileSync('mkfifo', [join(model, 'adapter_config.json')]);
      }),
    expect: { exit: 1, message: /"reason":"metadata-not-a-file"/ },
    daemon: { skipped: 'metadata-not-a-file' },
  },
  {
    id: 'tree-metadata-is-socket',
    group: 'tree',
    title: 'adapter_config.json is a Unix socket',
    build: (dir) =>
      tree(dir, (root) => {
        const model = modelDir(root, 'socket_0013');
        rmSync(join(model, 'adapter_config.json'));
        socket(join(model, 'adapter_config.json'));
      }),
    expect: { exit: 1, message: /"reason":"metadata-not-a-file"/ },
    daemon: { skipped: 'metadata-not-a-file' },
  },
  {
    id: 'tree-metadata-is-device',
    group: 'tree',
    title: 'adapter_config.json is a /dev/zero device node (never read; run as root)',
    build: (dir) =>
      tree(dir, (root) => {
        const model = modelDir(root, 'device_0014');
        rmSync(join(model, 'adapter_config.json'));
        zeroDevice(join(model, 'adapter_config.json'));
      }),
    expect: { exit: 1, message: /"reason":"metadata-not-a-file"/ },
    daemon: { skipped: 'metadata-not-a-file' },
  },
  {
    id: 'tree-metadata-oversized-sparse',
    group: 'tree',
    title: 'modelforge_config.json is a 16 MiB sparse file (never read)',
    build: (dir) =>
      tree(dir, (root) => {
        const model = modelDir(root, 'sparse_0015');
        sparse(join(model, 'modelforge_config.json'), 16 * 1024 * 1024);
      }),
    expect: { exit: 1, message: /"reason":"metadata-too-large"/ },
    daemon: { skipped: 'metadata-too-large' },
  },
  {
    id: 'tree-unreadable-directory',
    group: 'tree',
    title: 'a model directory the user may not enter (run as nobody)',
    asNobody: true,
    build: (dir) =>
      tree(dir, (root) => {
        const model = modelDir(root, 'locked_0012');
        chmodSync(model, 0o000);
      }),
    expect: { exit: 1, message: /"reason":"unreadable"/ },
  },
];
