import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/run-cli.js';
import { createDatabase, introspectFile, tempDir } from '../support/temp-db.js';

const dir = tempDir('driftd-check-command-');
const SCHEMA = join(ROOT, 'schemas/modelforge.sql');
/** ModelForge before 0.2.1: `is_custom_base_model` is missing, a safe repair. */
const LEGACY = `CREATE TABLE fine_tuned_models (id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, base_model TEXT NOT NULL,
  task TEXT NOT NULL, description TEXT, creation_date TEXT NOT NULL, model_path TEXT NOT NULL);`;

let counter = 0;

/** A config with the given targets (each on a fresh legacy database unless `database` is given) and its path. */
function config(targets: ReadonlyArray<{ name: string; repair?: 'auto' | 'report'; missing?: boolean }>): { path: string; databases: Record<string, string> } {
  const databases: Record<string, string> = {};
  const entries = targets.map((target) => {
    const database = target.missing ? join(dir, `missing-${++counter}.sqlite`) : createDatabase(dir, LEGACY);
    databases[target.name] = database;
    return { name: target.name, database, schema: SCHEMA, repair: target.repair ?? 'auto' };
  });
  const path = join(dir, `driftd-${++counter}.json`);
  writeFileSync(path, JSON.stringify({ targets: entries }));
  return { path, databases };
}

const hasCustomColumn = (database: string): boolean =>
  introspectFile(database).tables.find((table) => table.name === 'fine_tuned_models')!.columns.some((column) => column.name === 'is_custom_base_model');

describe('a failing config target never hides what the others did', () => {
  it.each([
    ['broken second', [{ name: 'good' }, { name: 'broken', missing: true }]],
    ['broken first', [{ name: 'broken', missing: true }, { name: 'good' }]],
  ])('repair --config (%s): the good target is repaired and printed, the broken one named, exit 2 at the end', (_order, targets) => {
    const { path, databases } = config(targets);
    const result = runCli(['repair', '--config', path]);
    expect(result.status).toBe(2);
    expect(hasCustomColumn(databases.good!)).toBe(true);
    expect(result.stdout).toContain(`good: ${databases.good}`);
    expect(result.stdout).toContain('applied: ALTER TABLE "fine_tuned_models" ADD COLUMN is_custom_base_model');
    expect(result.stdout).toContain(`broken: ${databases.broken}\n  error: DB_NOT_FOUND: `);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^driftd repair: DB_NOT_FOUND: target "broken": /);
  });

  it('repair --config --json: every target, the failed one with its error object', () => {
    const { path, databases } = config([{ name: 'good' }, { name: 'broken', missing: true }]);
    const result = runCli(['repair', '--config', path, '--json']);
    expect(result.status).toBe(2);
    const output = JSON.parse(result.stdout);
    expect(output.targets).toHaveLength(2);
    expect(output.targets[0]).toMatchObject({ target: 'good', inSync: true, applied: [{ kind: 'missing_column', column: 'is_custom_base_model' }] });
    expect(output.targets[1]).toMatchObject({ target: 'broken', database: databases.broken, error: { code: 'DB_NOT_FOUND', message: expect.stringContaining(databases.broken!) } });
    expect(output.targets[1].error.message).not.toContain('target "broken"');
  });

  it('check --config: the good target is reported, exit 2', () => {
    const { path } = config([{ name: 'good' }, { name: 'broken', missing: true }]);
    const result = runCli(['check', '--config', path]);
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('missing_column');
    expect(result.stdout).toContain('broken: ');
    expect(result.stderr).toMatch(/^driftd check: DB_NOT_FOUND: target "broken": /);
  });
});

describe('repair --config on a repair: "report" target', () => {
  it('says it is report-only, shows the plan as a dry run and changes nothing (exit 1)', () => {
    const { path, databases } = config([{ name: 'watched', repair: 'report' }]);
    const result = runCli(['repair', '--config', path]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('watched: ');
    expect(result.stdout).toContain('report-only target: not repaired (repair: "report")');
    expect(result.stdout).toContain('would run: ALTER TABLE "fine_tuned_models" ADD COLUMN is_custom_base_model');
    expect(hasCustomColumn(databases.watched!)).toBe(false);
    const json = JSON.parse(runCli(['repair', '--config', path, '--json']).stdout);
    expect(json).toMatchObject({ target: 'watched', reportOnly: true, inSync: false, applied: [] });
  });

  it('an auto target in the same config is repaired and not called report-only', () => {
    const { path, databases } = config([{ name: 'auto' }, { name: 'watched', repair: 'report' }]);
    const result = runCli(['repair', '--config', path]);
    expect(result.status).toBe(1);
    expect(hasCustomColumn(databases.auto!)).toBe(true);
    expect(hasCustomColumn(databases.watched!)).toBe(false);
    expect(result.stdout.split('report-only target').length).toBe(2);
  });
});
