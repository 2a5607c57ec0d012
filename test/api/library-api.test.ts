// The public API, imported through the package name as an application does (package.json
// `exports`, self-reference): the built dist/ — `npm test` builds first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { check, DriftdError, ensureSchema, reconcile, repair, SchemaPolicyError, type DriftReport } from 'driftd';
import { runCli } from '../support/run-cli.js';
import { modelforgeRuleInput } from '../support/modelforge-rule.js';
import { createDatabase, tempDir } from '../support/temp-db.js';

const ROOT = resolve(__dirname, '../..');
const MODELFORGE_SQL = join(ROOT, 'schemas/modelforge.sql');
const dir = tempDir('driftd-api-');

/** ModelForge's table before 0.2.1: no is_custom_base_model; two rows. */
const LEGACY = `CREATE TABLE fine_tuned_models (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model_name TEXT NOT NULL,
    base_model TEXT NOT NULL,
    task TEXT NOT NULL,
    description TEXT,
    creation_date TEXT NOT NULL,
    model_path TEXT NOT NULL
);
INSERT INTO fine_tuned_models (model_name, base_model, task, description, creation_date, model_path)
VALUES ('a', 'llama', 'chat', NULL, '2026-01-01', '/models/a'), ('b', 'llama', 'chat', 'x', '2026-01-02', '/models/b');`;

const columnsOf = (path: string): string[] => {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT name FROM pragma_table_info(?)').all('fine_tuned_models') as { name: string }[]).map((row) => row.name);
  } finally {
    db.close();
  }
};

const withoutTimings = (report: object): object => ({ ...report, timings: null });

/** The calls rejection of `promise`, which must be a DriftdError. */
async function rejection(promise: Promise<unknown>): Promise<DriftdError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DriftdError);
    return error as DriftdError;
  }
  throw new Error('expected the call to reject');
}

/** Every setting of a connection the library could disturb, as the application sees it. */
function connectionState(db: Database.Database): Record<string, unknown> {
  const pragmas = ['foreign_keys', 'busy_timeout', 'journal_mode', 'synchronous', 'recursive_triggers', 'legacy_alter_table', 'defer_foreign_keys', 'query_only', 'trusted_schema', 'cache_size', 'temp_store', 'automatic_index', 'ignore_check_constraints', 'reverse_unordered_selects', 'cell_size_check', 'writable_schema', 'count_changes'];
  let dqs: string;
  try {
    // With SQLITE_DQS=0 (better-sqlite3's build) "x" is an identifier: the probe fails. driftd's extension would make it pass.
    db.prepare('SELECT "driftd_dqs_probe"').get();
    dqs = 'double-quoted strings accepted';
  } catch (error) {
    dqs = (error as Error).message;
  }
  return {
    ...Object.fromEntries(pragmas.map((name) => [name, db.pragma(name, { simple: true })])),
    dqs,
    open: db.open,
    inTransaction: db.inTransaction,
    tempObjects: db.prepare('SELECT count(*) AS n FROM temp.sqlite_schema').get(),
    functionList: db.prepare('SELECT count(*) AS n FROM pragma_function_list').get(),
    // pragma_* eponymous tables appear in the list once first used (by anyone's SELECT): not a change of settings.
    moduleList: db.prepare("SELECT group_concat(name) AS names FROM (SELECT name FROM pragma_module_list WHERE name NOT LIKE 'pragma\\_%' ESCAPE '\\' ORDER BY name)").get(),
  };
}

describe('check and repair through the package name', () => {
  it('check returns the report `driftd check --json` prints', async () => {
    const path = createDatabase(dir, LEGACY);
    const report = await check({ database: path, schema: MODELFORGE_SQL });
    const cli = runCli(['check', '--db', path, '--schema', MODELFORGE_SQL, '--json']);
    expect(cli.status).toBe(1);
    expect(withoutTimings(report)).toEqual(withoutTimings(JSON.parse(cli.stdout) as object));
    expect(report.drift.map((item) => [item.kind, item.column, item.safe])).toEqual([['missing_column', 'is_custom_base_model', true]]);
    expect(columnsOf(path)).not.toContain('is_custom_base_model');
  });

  it('repair (dry run, then for real) returns the report `driftd repair --json` prints', async () => {
    const path = createDatabase(dir, LEGACY);
    const copy = createDatabase(dir, LEGACY);
    const dry = await repair({ database: path, schema: MODELFORGE_SQL, dryRun: true });
    expect(withoutTimings(dry)).toEqual(withoutTimings(JSON.parse(runCli(['repair', '--db', path, '--schema', MODELFORGE_SQL, '--dry-run', '--json']).stdout) as object));
    expect(columnsOf(path)).not.toContain('is_custom_base_model');
    const real = await repair({ database: path, schema: MODELFORGE_SQL });
    const cli = JSON.parse(runCli(['repair', '--db', copy, '--schema', MODELFORGE_SQL, '--json'], { HOME: dir }).stdout) as DriftReport;
    expect(withoutTimings({ ...real, database: '' })).toEqual(withoutTimings({ ...cli, database: '' }));
    expect(real.applied?.map((step) => step.sql)).toEqual(['ALTER TABLE "fine_tuned_models" ADD COLUMN is_custom_base_model BOOLEAN DEFAULT 0;']);
    expect(columnsOf(path)).toContain('is_custom_base_model');
  });

  it('takes the declaration as SQL text or as a JSON object', async () => {
    const path = createDatabase(dir, LEGACY);
    const fromText = await check({ database: path, schema: { sql: readFileSync(MODELFORGE_SQL, 'utf8') } });
    const fromJson = await check({ database: path, schema: { json: JSON.parse(readFileSync(join(ROOT, 'schemas/modelforge.json'), 'utf8')) as unknown } });
    expect(fromText.drift.map((item) => item.column)).toEqual(['is_custom_base_model']);
    expect(fromJson.drift.map((item) => item.column)).toEqual(['is_custom_base_model']);
  });

  it('bad input is a coded error that changes nothing', async () => {
    const path = createDatabase(dir, LEGACY);
    expect((await rejection(check({ database: join(dir, 'none.sqlite'), schema: MODELFORGE_SQL }))).code).toBe('DB_NOT_FOUND');
    expect((await rejection(check({ database: path, schema: { sql: 'CREATE TABLE t (' } }))).code).toBe('SCHEMA_SQL_ERROR');
    expect((await rejection(check({ database: path, schema: 42 as never }))).code).toBe('OPTIONS_INVALID');
    expect((await rejection(repair({ database: path, schema: MODELFORGE_SQL, busyTimeoutMs: -1 }))).code).toBe('OPTIONS_INVALID');
    expect(columnsOf(path)).not.toContain('is_custom_base_model');
  });
});

describe("ensureSchema on the application's own connection", () => {
  it('repairs in one transaction on that connection, returns the report, and the ModelForge insert then works', async () => {
    const path = createDatabase(dir, LEGACY);
    const db = new Database(path);
    try {
      const report = await ensureSchema({ database: db, schema: MODELFORGE_SQL });
      expect(report.inSync).toBe(true);
      expect(report.applied?.map((step) => step.column)).toEqual(['is_custom_base_model']);
      db.prepare('INSERT INTO fine_tuned_models (model_name, base_model, task, description, creation_date, model_path, is_custom_base_model) VALUES (?, ?, ?, ?, ?, ?, ?)').run('c', 'llama', 'chat', null, '2026-02-01', '/models/c', 1);
      expect(db.prepare('SELECT model_name, is_custom_base_model FROM fine_tuned_models ORDER BY id').all()).toEqual([
        { model_name: 'a', is_custom_base_model: 0 },
        { model_name: 'b', is_custom_base_model: 0 },
        { model_name: 'c', is_custom_base_model: 1 },
      ]);
      // A second start finds nothing to do.
      expect((await ensureSchema({ database: db, schema: MODELFORGE_SQL })).applied).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('leaves the connection as it found it: pragmas, DQS setting, no extension, no temp objects, no transaction', async () => {
    const path = createDatabase(dir, LEGACY);
    const db = new Database(path);
    try {
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 1234');
      db.pragma('recursive_triggers = ON');
      db.pragma('cache_size = -4096');
      const before = connectionState(db);
      expect(before.dqs).toMatch(/no such column/);
      await ensureSchema({ database: db, schema: MODELFORGE_SQL });
      expect(columnsOf(path)).toContain('is_custom_base_model');
      expect(connectionState(db)).toEqual(before);
    } finally {
      db.close();
    }
  });

  it('refuses inside a transaction the application opened, and leaves that transaction open', async () => {
    const path = createDatabase(dir, LEGACY);
    const db = new Database(path);
    try {
      db.exec('BEGIN');
      db.prepare("INSERT INTO fine_tuned_models (model_name, base_model, task, creation_date, model_path) VALUES ('t', 'x', 'y', 'z', '/m/t')").run();
      const error = await rejection(ensureSchema({ database: db, schema: MODELFORGE_SQL }));
      expect(error.code).toBe('CONNECTION_IN_TRANSACTION');
      expect(error.hint).toMatch(/before the application begins a transaction/);
      expect(db.inTransaction).toBe(true);
      db.exec('COMMIT');
      expect(columnsOf(path)).not.toContain('is_custom_base_model');
      expect(db.prepare('SELECT count(*) AS n FROM fine_tuned_models').get()).toEqual({ n: 3 });
    } finally {
      db.close();
    }
  });

  it('a closed or read-only connection is a coded error naming what it needs', async () => {
    const path = createDatabase(dir, LEGACY);
    const closed = new Database(path);
    closed.close();
    expect((await rejection(ensureSchema({ database: closed, schema: MODELFORGE_SQL }))).code).toBe('CONNECTION_NOT_USABLE');
    const readonly = new Database(path, { readonly: true });
    try {
      const error = await rejection(ensureSchema({ database: readonly, schema: MODELFORGE_SQL }));
      expect(error.code).toBe('CONNECTION_NOT_USABLE');
      expect(error.message).toMatch(/read-only and 1 repair step must write/);
    } finally {
      readonly.close();
    }
    expect(columnsOf(path)).not.toContain('is_custom_base_model');
  });

  it('a repair that needs double-quoted string literals is refused with what it needs; the path form repairs it', async () => {
    const declaration = { sql: `CREATE TABLE jobs (id INTEGER PRIMARY KEY, state TEXT NOT NULL CHECK (state IN ("queued", "done")));\n${readFileSync(MODELFORGE_SQL, 'utf8')}` };
    const path = createDatabase(dir, LEGACY);
    const db = new Database(path);
    try {
      const before = connectionState(db);
      const error = await rejection(ensureSchema({ database: db, schema: declaration }));
      expect(error.code).toBe('CONNECTION_NEEDS_DQS');
      expect(error.hint).toMatch(/single quotes/);
      // The whole transaction rolled back: not even the safe ADD COLUMN was kept.
      expect(columnsOf(path)).not.toContain('is_custom_base_model');
      expect(connectionState(db)).toEqual(before);
    } finally {
      db.close();
    }
    const report = await ensureSchema({ database: path, schema: declaration });
    expect(report.applied?.map((step) => step.kind)).toEqual(['missing_table', 'missing_column']);
  });

  it('policy: unsafe drift throws SCHEMA_UNSAFE_DRIFT with the report (the safe steps applied); "report" returns it', async () => {
    const unsafe = LEGACY.replace('task TEXT NOT NULL', 'task INTEGER NOT NULL');
    const path = createDatabase(dir, unsafe);
    const db = new Database(path);
    try {
      const error = await rejection(ensureSchema({ database: db, schema: MODELFORGE_SQL }));
      expect(error).toBeInstanceOf(SchemaPolicyError);
      expect(error.code).toBe('SCHEMA_UNSAFE_DRIFT');
      const report = (error as SchemaPolicyError).report;
      expect(report.applied?.map((step) => step.column)).toEqual(['is_custom_base_model']);
      expect(report.remaining?.map((item) => [item.kind, item.column])).toEqual([['column_type', 'task']]);
      expect(error.message).toMatch(/task/);
      const reported = await ensureSchema({ database: db, schema: MODELFORGE_SQL, policy: { unsafeDrift: 'report' } });
      expect(reported.remaining?.map((item) => item.column)).toEqual(['task']);
    } finally {
      db.close();
    }
  });

  it('policy: a migration tool holding the repair throws SCHEMA_REPAIR_HELD and changes nothing; "repair" repairs', async () => {
    const path = createDatabase(dir, `${LEGACY}\nCREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);`);
    const db = new Database(path);
    try {
      const error = await rejection(ensureSchema({ database: db, schema: MODELFORGE_SQL, ignoreTables: ['alembic_version'] }));
      expect(error.code).toBe('SCHEMA_REPAIR_HELD');
      expect((error as SchemaPolicyError).report.repairHeld).toMatch(/Alembic/);
      expect(columnsOf(path)).not.toContain('is_custom_base_model');
      const held = await ensureSchema({ database: db, schema: MODELFORGE_SQL, policy: { migrationTool: 'report' } });
      expect(held.applied).toEqual([]);
      const repaired = await ensureSchema({ database: db, schema: MODELFORGE_SQL, policy: { migrationTool: 'repair' } });
      expect(repaired.applied?.map((step) => step.column)).toEqual(['is_custom_base_model']);
    } finally {
      db.close();
    }
  });

  it('two calls on two databases at once are independent: one repairs, the other fails, neither sees the other', async () => {
    const good = createDatabase(dir, LEGACY);
    const bad = createDatabase(dir, LEGACY.replace('task TEXT NOT NULL', 'task INTEGER NOT NULL'));
    const goodDb = new Database(good);
    try {
      const results = await Promise.allSettled([
        ensureSchema({ database: goodDb, schema: MODELFORGE_SQL }),
        ensureSchema({ database: bad, schema: { sql: readFileSync(MODELFORGE_SQL, 'utf8'), label: 'other.sql' } }),
        check({ database: good, schema: { json: JSON.parse(readFileSync(join(ROOT, 'schemas/modelforge.json'), 'utf8')) as unknown } }),
      ]);
      expect(results[0].status).toBe('fulfilled');
      expect((results[0] as PromiseFulfilledResult<DriftReport>).value.database).toBe(good);
      expect(results[1].status).toBe('rejected');
      expect(((results[1] as PromiseRejectedResult).reason as DriftdError).code).toBe('SCHEMA_UNSAFE_DRIFT');
      expect(((results[1] as PromiseRejectedResult).reason as SchemaPolicyError).report.database).toBe(bad);
      expect(results[2].status).toBe('fulfilled');
      expect(columnsOf(good)).toContain('is_custom_base_model');
      expect(columnsOf(bad)).toContain('is_custom_base_model');
    } finally {
      goodDb.close();
    }
  });

  it('logs only to the logger it is given', async () => {
    const lines: string[] = [];
    const logger = { info: (message: string) => lines.push(`info ${message}`), warn: (message: string) => lines.push(`warn ${message}`) };
    await ensureSchema({ database: createDatabase(dir, LEGACY), schema: MODELFORGE_SQL, logger });
    expect(lines).toEqual([expect.stringMatching(/^info driftd: repaired ".*" \(1 step\)$/)]);
  });
});

describe('columnOrder: "ignore" for an application that names its columns', () => {
  // ModelForge's INSERT has a column list; this database got `description` by ALTER TABLE after `model_path`.
  const REORDERED = LEGACY.replace('    description TEXT,\n', '').replace('    model_path TEXT NOT NULL\n', '    model_path TEXT NOT NULL,\n    description TEXT\n');

  it('check and repair: the default reports column_order (unsafe), "ignore" leaves it out and nothing else', async () => {
    const path = createDatabase(dir, REORDERED);
    expect(columnsOf(path)).toEqual(['id', 'model_name', 'base_model', 'task', 'creation_date', 'model_path', 'description']);
    expect((await check({ database: path, schema: MODELFORGE_SQL })).drift.map((item) => item.kind)).toEqual(['missing_column', 'column_order']);
    expect((await check({ database: path, schema: MODELFORGE_SQL, columnOrder: 'report' })).drift.map((item) => item.kind)).toEqual(['missing_column', 'column_order']);
    expect((await check({ database: path, schema: MODELFORGE_SQL, columnOrder: 'ignore' })).drift.map((item) => item.kind)).toEqual(['missing_column']);
    const repaired = await repair({ database: path, schema: MODELFORGE_SQL, columnOrder: 'ignore' });
    expect(repaired.applied?.map((step) => step.kind)).toEqual(['missing_column']);
    expect(repaired.remaining).toEqual([]);
    expect((await check({ database: path, schema: MODELFORGE_SQL, columnOrder: 'ignore' })).inSync).toBe(true);
    expect((await check({ database: path, schema: MODELFORGE_SQL })).drift.map((item) => item.kind)).toEqual(['column_order']);
  });

  it('ensureSchema: the default policy throws SCHEMA_UNSAFE_DRIFT for the order; "ignore" repairs and returns in sync', async () => {
    const path = createDatabase(dir, REORDERED);
    const db = new Database(path);
    try {
      const error = await rejection(ensureSchema({ database: db, schema: MODELFORGE_SQL }));
      expect(error.code).toBe('SCHEMA_UNSAFE_DRIFT');
      expect((error as SchemaPolicyError).report.remaining?.map((item) => item.kind)).toEqual(['column_order']);
      const report = await ensureSchema({ database: db, schema: MODELFORGE_SQL, columnOrder: 'ignore' });
      expect(report.remaining).toEqual([]);
      expect(report.drift).toEqual([]);
    } finally {
      db.close();
    }
  });

  it.each([['off'], ['IGNORE'], [false]])('columnOrder %j is OPTIONS_INVALID, naming the option', async (value) => {
    const path = createDatabase(dir, REORDERED);
    for (const call of [check, repair, ensureSchema]) {
      const error = await rejection(call({ database: path, schema: MODELFORGE_SQL, columnOrder: value as never }));
      expect(error.code).toBe('OPTIONS_INVALID');
      expect(error.message).toBe(`columnOrder must be "report" or "ignore", got ${JSON.stringify(value)}`);
    }
  });
});

describe('what the library does not do unless told', () => {
  /** Runs `script` (an ES module importing 'driftd') in a fresh process with HOME and the XDG directories in `home`. */
  function inChild(script: string, home: string): { status: number | null; stdout: string; stderr: string } {
    const file = join(ROOT, 'test/api', `.child-${process.pid}-${Math.random().toString(36).slice(2)}.mjs`);
    writeFileSync(file, script);
    try {
      const run = spawnSync(process.execPath, [file], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: home, XDG_STATE_HOME: join(home, 'state'), XDG_CACHE_HOME: join(home, 'cache') } });
      return { status: run.status, stdout: run.stdout, stderr: run.stderr };
    } finally {
      spawnSync('rm', ['-f', file]);
    }
  }

  it('writes nothing to stdout or stderr and no journal, backup or cache file anywhere', () => {
    const home = join(dir, 'home-quiet');
    mkdirSync(home);
    const path = createDatabase(dir, LEGACY);
    const unsafe = createDatabase(dir, LEGACY.replace('task TEXT NOT NULL', 'task INTEGER NOT NULL'));
    const result = inChild(
      `import { ensureSchema, repair, check } from 'driftd';
       await ensureSchema({ database: ${JSON.stringify(path)}, schema: ${JSON.stringify(MODELFORGE_SQL)} });
       await repair({ database: ${JSON.stringify(path)}, schema: ${JSON.stringify(MODELFORGE_SQL)} });
       await check({ database: ${JSON.stringify(path)}, schema: ${JSON.stringify(MODELFORGE_SQL)} });
       await ensureSchema({ database: ${JSON.stringify(unsafe)}, schema: ${JSON.stringify(MODELFORGE_SQL)} }).catch((error) => { if (error.code !== 'SCHEMA_UNSAFE_DRIFT') throw error; });`,
      home,
    );
    expect(result).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(readdirSync(home)).toEqual([]);
    expect(readdirSync(dir).filter((name) => name.includes('.bak'))).toEqual([]);
  });

  it('with audit and backup configured, records each change and takes the copy', async () => {
    const path = createDatabase(dir, LEGACY);
    const state = join(dir, 'state');
    const audit = join(state, 'audit');
    const backups = join(dir, 'backups');
    const db = new Database(path);
    try {
      const report = await ensureSchema({ database: db, schema: MODELFORGE_SQL, audit: { dir: audit, target: 'modelforge' }, backup: { dir: backups } });
      expect(report.backup).toMatch(/\.bak$/);
      expect(existsSync(report.backup!)).toBe(true);
    } finally {
      db.close();
    }
    const records = readFileSync(join(audit, 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; source?: string; target?: string; change?: { kind: string } });
    expect(records.map((record) => [record.type, record.change?.kind ?? null])).toEqual([
      ['intent', 'backup'],
      ['outcome', null],
      ['intent', 'repair'],
      ['outcome', null],
    ]);
    expect(records[0]).toMatchObject({ source: 'library', target: 'modelforge' });
    // `driftd history` reads the library's journal like its own.
    const history = runCli(['history', '--json'], { STATE_DIRECTORY: state });
    expect(history.status).toBe(0);
    expect(history.stdout).toMatch(/"source":"library"/);
  });
});

describe('reconcile through the package name', () => {
  it('recovers a lost row from its model directory (dry run first), with rules in the config format', async () => {
    const path = createDatabase(dir, LEGACY.replace('model_path TEXT NOT NULL\n', 'model_path TEXT NOT NULL,\n    is_custom_base_model BOOLEAN DEFAULT 0\n'));
    const models = join(dir, 'models');
    mkdirSync(join(models, 'lost-model'), { recursive: true });
    const rule = modelforgeRuleInput({ root: 'models', settleSeconds: 0 });
    writeFileSync(join(models, 'lost-model', 'adapter_config.json'), JSON.stringify({ base_model_name_or_path: 'llama', task_type: 'CAUSAL_LM' }));
    const relative = await rejection(reconcile({ database: path, schema: MODELFORGE_SQL, rules: [rule] }));
    expect(relative.code).toBe('OPTIONS_INVALID');
    expect(relative.message).toMatch(/relative/);
    const dry = await reconcile({ database: path, schema: MODELFORGE_SQL, rules: [rule], baseDir: dir, dryRun: true });
    expect(dry[0]!.orphans.map((orphan) => orphan.directory)).toEqual(['lost-model']);
    expect(dry[0]!.recovered).toEqual([]);
    const applied = await reconcile({ database: path, schema: MODELFORGE_SQL, rules: [rule], baseDir: dir });
    expect(applied[0]!.error).toBeNull();
    expect(applied[0]!.recovered.map((orphan) => orphan.directory)).toEqual(['lost-model']);
    const wrong = await rejection(reconcile({ database: path, schema: MODELFORGE_SQL, rules: [{ ...rule, table: 'nope' }], baseDir: dir }));
    expect(wrong.code).toBe('OPTIONS_INVALID');
  });
});
