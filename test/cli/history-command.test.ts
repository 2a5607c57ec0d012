import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { sinceOption as parseSince } from '../../src/cli/history-command.js';
import { LEGACY_TABLE, makeWorkspace, modelforgeRule, rowsOf, writeModel, type Workspace } from '../reconcile/modelforge-fixture.js';

const SCHEMA = resolve(__dirname, '../../schemas/modelforge.sql');

let workspace: Workspace | null = null;
afterEach(() => {
  workspace?.cleanup();
  workspace = null;
});

const driftd = runCli;

function writeConfig(w: Workspace, extra: Record<string, unknown> = {}): string {
  const { relativeTo: _relativeTo, ...rule } = modelforgeRule('models');
  const path = join(w.dir, 'driftd.json');
  writeFileSync(path, JSON.stringify({ ...extra, targets: [{ name: 'modelforge', database: 'database/modelforge.sqlite', schema: SCHEMA, repair: 'auto', reconcile: [rule] }] }));
  return path;
}

describe('audit trail through the CLI: repair, reconcile, history', () => {
  it('repair records its backup and each statement, reconcile each recovered row with key and values; history prints them', () => {
    const w = (workspace = makeWorkspace(LEGACY_TABLE));
    writeModel(w.models, 'poetry_1', { base: 'EleutherAI/gpt-neo-125m' });
    const config = writeConfig(w, { backup: { enabled: true, dir: 'backups' }, audit: { dir: 'state/audit' } });
    expect(driftd(['history', '--config', config]).stdout).toContain('no audit entries');
    const repair = driftd(['repair', '--config', config]);
    expect(repair.status, repair.stderr).toBe(0);
    const reconcile = driftd(['reconcile', '--config', config]);
    expect(reconcile.status, reconcile.stderr).toBe(0);
    expect(rowsOf(w.dbPath)).toHaveLength(1);

    const json = driftd(['history', '--config', config, '--json']);
    expect(json.status).toBe(0);
    const { journal, entries } = JSON.parse(json.stdout);
    expect(journal).toBe(join(w.dir, 'state/audit/audit.jsonl'));
    expect(entries.map((entry: { kind: string; outcome: string }) => `${entry.kind}:${entry.outcome}`)).toEqual(['backup:applied', 'repair:applied', 'recover:applied']);
    const [backup, statement, row] = entries;
    expect(existsSync(backup.path)).toBe(true);
    expect(readdirSync(join(w.dir, 'backups'))).toEqual([backup.path.split('/').at(-1)]);
    expect(statement).toMatchObject({ target: 'modelforge', database: w.dbPath, cycle: null, source: 'cli', table: 'fine_tuned_models', column: 'is_custom_base_model' });
    expect(statement.sql).toMatch(/^ALTER TABLE "fine_tuned_models" ADD COLUMN is_custom_base_model/);
    const modelPath = join(w.models, 'poetry_1');
    expect(row).toMatchObject({ rule: 'models', table: 'fine_tuned_models', keyColumn: 'model_path', key: modelPath, directory: 'poetry_1' });
    expect(row.values).toMatchObject({ model_name: 'poetry_1', base_model: 'EleutherAI/gpt-neo-125m', model_path: modelPath, is_custom_base_model: 0 });

    const text = driftd(['history', '--config', config]);
    expect(text.stdout).toContain('modelforge  cli  repair  applied');
    expect(text.stdout).toContain('ADD COLUMN is_custom_base_model');
    expect(text.stdout).toContain(`model_path=${JSON.stringify(modelPath)} (directory "poetry_1")`);
    expect(text.stdout).toContain(`copy ${backup.path}`);
    // Filters: an unknown target and a future time select nothing; a past duration selects all.
    expect(JSON.parse(driftd(['history', '--config', config, '--json', '--target', 'other']).stdout).entries).toEqual([]);
    expect(JSON.parse(driftd(['history', '--config', config, '--json', '--since', '2999-01-01T00:00:00Z']).stdout).entries).toEqual([]);
    expect(JSON.parse(driftd(['history', '--config', config, '--json', '--since', '1h']).stdout).entries).toHaveLength(3);
    // Dry runs change nothing and record nothing.
    writeModel(w.models, 'poetry_2');
    expect(driftd(['reconcile', '--config', config, '--dry-run']).status).toBe(1);
    expect(JSON.parse(driftd(['history', '--config', config, '--json']).stdout).entries).toHaveLength(3);
  });

  it('repair --db/--schema records into the user state directory; history without --config reads it', () => {
    const w = (workspace = makeWorkspace(LEGACY_TABLE));
    const state = mkdtempSync(join(tmpdir(), 'driftd-xdg-state-'));
    const env = { XDG_STATE_HOME: state };
    expect(driftd(['repair', '--db', w.dbPath, '--schema', SCHEMA], env).status).toBe(0);
    const { journal, entries } = JSON.parse(driftd(['history', '--json'], env).stdout);
    expect(journal).toBe(join(state, 'driftd/audit/audit.jsonl'));
    expect(entries).toEqual([expect.objectContaining({ kind: 'repair', outcome: 'applied', target: 'cli', database: w.dbPath })]);
    // The text says what ran it once, not "cli  cli" (issue 17).
    const text = driftd(['history'], env).stdout;
    expect(text).toMatch(/Z {2}\(--db run\) {2}cli {2}repair {2}applied\n/);
    expect(text).not.toContain('cli  cli');
  });

  it('an audit journal that cannot be used stops the repair before anything changes (AUDIT_* error, exit 2)', () => {
    const w = (workspace = makeWorkspace(LEGACY_TABLE));
    writeFileSync(join(w.dir, 'not-a-dir'), 'a file where the audit directory should be');
    const config = writeConfig(w, { audit: { dir: 'not-a-dir' } });
    const result = driftd(['repair', '--config', config]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/AUDIT_(WRITE_FAILED|UNREADABLE): .*not-a-dir/);
    expect(rowsOf(w.dbPath)).toEqual([]);
    const check = driftd(['check', '--config', config]);
    expect(check.status).toBe(1);
  });

  it('a fleet target: each file\'s repair is recorded with its own database', () => {
    const w = (workspace = makeWorkspace(LEGACY_TABLE));
    const files = ['a', 'b'].map((tenant) => {
      mkdirSync(join(w.dir, 'tenants', tenant), { recursive: true });
      const path = join(w.dir, 'tenants', tenant, 'app.sqlite');
      copyFileSync(w.dbPath, path);
      return path;
    });
    const config = join(w.dir, 'fleet.json');
    writeFileSync(config, JSON.stringify({ audit: { dir: 'state/audit' }, targets: [{ name: 'tenants', databases: 'tenants/*/app.sqlite', schema: SCHEMA, repair: 'auto' }] }));
    const repair = driftd(['repair', '--config', config]);
    expect(repair.status, repair.stderr + repair.stdout).toBe(0);
    const { entries } = JSON.parse(driftd(['history', '--config', config, '--json']).stdout);
    expect(entries.map((entry: { target: string; kind: string; outcome: string; database: string }) => `${entry.target} ${entry.kind} ${entry.outcome} ${entry.database}`).sort()).toEqual(files.map((file) => `tenants repair applied ${file}`));
  });

  it('bad --since and --limit are usage errors', () => {
    expect(driftd(['history', '--since', 'yesterday']).stderr).toContain('USAGE');
    expect(driftd(['history', '--limit', '0']).stderr).toContain('USAGE');
    expect(parseSince('30m', new Date('2026-01-01T01:00:00Z')).toISOString()).toBe('2026-01-01T00:30:00.000Z');
    expect(parseSince('2026-01-02T03:04:05Z', new Date()).toISOString()).toBe('2026-01-02T03:04:05.000Z');
  });
});
