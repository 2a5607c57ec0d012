import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/run-cli.js';
import { LEGACY_TABLE, makeWorkspace, modelforgeRule, rowsOf, writeModel, type Workspace } from '../reconcile/modelforge-fixture.js';

const SCHEMA = resolve(__dirname, '../../schemas/modelforge.sql');

let workspace: Workspace | null = null;
afterEach(() => {
  workspace?.cleanup();
  workspace = null;
});

const driftd = (...args: string[]): CliResult => runCli(args);

/** A config in the workspace with ModelForge's rule; paths relative to it. */
function writeConfig(w: Workspace, ruleOverrides: Record<string, unknown> = {}): string {
  const { relativeTo: _relativeTo, ...rule } = modelforgeRule('models');
  const path = join(w.dir, 'driftd.json');
  writeFileSync(path, JSON.stringify({ targets: [{ name: 'modelforge', database: 'database/modelforge.sqlite', schema: SCHEMA, repair: 'auto', reconcile: [{ ...rule, ...ruleOverrides }] }] }));
  return path;
}

describe('driftd reconcile', () => {
  it('dry-run lists the row it would insert (exit 1), apply inserts it (exit 0), then nothing is left (exit 0)', () => {
    const w = (workspace = makeWorkspace());
    writeModel(w.models, 'poetry_1', { base: 'EleutherAI/gpt-neo-125m' });
    const config = writeConfig(w);
    const dry = driftd('reconcile', '--config', config, '--dry-run');
    expect(dry.status).toBe(1);
    expect(dry.stdout).toContain('would insert poetry_1');
    expect(dry.stdout).toContain('description="Fine-tuned EleutherAI/gpt-neo-125m for text-generation"');
    expect(rowsOf(w.dbPath)).toEqual([]);
    const applied = driftd('reconcile', '--config', config);
    expect(applied.status).toBe(0);
    expect(applied.stdout).toContain('recovered    poetry_1');
    expect(rowsOf(w.dbPath)).toHaveLength(1);
    const json = driftd('reconcile', '--config', config, '--json');
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ mode: 'apply', targets: [{ target: 'modelforge', reports: [{ rule: 'models', blockedBy: null, orphans: [], counts: { matched: 1 } }] }] });
  });

  it('a repair: "report" target only reports: nothing inserted, exit 1, said so', () => {
    const w = (workspace = makeWorkspace());
    writeModel(w.models, 'poetry_1');
    const config = writeConfig(w);
    const parsed = JSON.parse(readFileSync(config, 'utf8')) as { targets: Array<Record<string, unknown>> };
    writeFileSync(config, JSON.stringify({ ...parsed, targets: parsed.targets.map((target) => ({ ...target, repair: 'report' })) }));
    const result = driftd('reconcile', '--config', config);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('report-only target');
    expect(result.stdout).toContain('would insert poetry_1');
    expect(rowsOf(w.dbPath)).toEqual([]);
  });

  it('exit 1 while blocked by drift, with the order to follow', () => {
    const w = (workspace = makeWorkspace(LEGACY_TABLE));
    writeModel(w.models, 'poetry_1');
    const result = driftd('reconcile', '--config', writeConfig(w));
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('blocked by drift: missing_column fine_tuned_models.is_custom_base_model');
    expect(driftd('repair', '--config', writeConfig(w)).status).toBe(0);
    expect(driftd('reconcile', '--config', writeConfig(w)).status).toBe(0);
  });

  it('a skipped directory is reported with its reason and, known and unchanged, does not fail every run (exit 0); --strict exits 1', () => {
    const w = (workspace = makeWorkspace());
    writeModel(w.models, 'broken_1', { adapterText: '{"base_model_name_or_path": ' });
    writeModel(w.models, 'good_2');
    const config = writeConfig(w);
    const first = driftd('reconcile', '--config', config);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/skipped\s+broken_1: malformed-json: adapter_config.json is not valid JSON/);
    expect(first.stdout).toContain('recovered    good_2');
    const again = driftd('reconcile', '--config', config);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/skipped\s+broken_1: malformed-json/);
    expect(driftd('reconcile', '--config', config, '--strict').status).toBe(1);
    expect(driftd('reconcile', '--config', config, '--dry-run').status).toBe(0);
  });

  it.each([
    ['a rule naming an unknown column', { columns: { ...modelforgeRule('models').columns, colour: { from: 'constant', value: 1 } } }, [], /CONFIG_INVALID: .*targets\[0\]\.reconcile\[0\]\.columns\.colour: rule "models": column "colour"/],
    ['a missing root', { root: 'nowhere' }, [], /RECONCILE_ROOT_MISSING: target "modelforge": rule "models": root ".*nowhere" does not exist/],
    ['an unknown target', {}, ['--target', 'other'], /CONFIG_TARGET_UNKNOWN/],
  ])('exit 2 on %s', (_label, overrides, extra, stderr) => {
    const w = (workspace = makeWorkspace());
    const result = driftd('reconcile', '--config', writeConfig(w, overrides), ...extra);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(stderr);
  });

  it('exit 2 without --config', () => {
    expect(driftd('reconcile').status).toBe(2);
  });
});

describe('a failing target or rule never hides the rows already inserted', () => {
  /** Two targets: the workspace's ModelForge one, then one whose database is missing. */
  function twoTargets(w: Workspace): string {
    const { relativeTo: _relativeTo, ...rule } = modelforgeRule('models');
    const path = join(w.dir, 'driftd.json');
    writeFileSync(
      path,
      JSON.stringify({
        targets: [
          { name: 'modelforge', database: 'database/modelforge.sqlite', schema: SCHEMA, repair: 'auto', reconcile: [rule] },
          { name: 'broken', database: 'database/missing.sqlite', schema: SCHEMA, repair: 'auto', reconcile: [rule] },
        ],
      }),
    );
    return path;
  }

  it('a second target whose database is missing: the first target\'s recovered row is printed, exit 2 at the end', () => {
    const w = (workspace = makeWorkspace());
    writeModel(w.models, 'poetry_1');
    const result = driftd('reconcile', '--config', twoTargets(w));
    expect(result.status).toBe(2);
    expect(rowsOf(w.dbPath)).toHaveLength(1);
    expect(result.stdout).toContain('recovered    poetry_1');
    expect(result.stdout).toMatch(/broken: .*missing\.sqlite\n  error: DB_NOT_FOUND: /);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^driftd reconcile: DB_NOT_FOUND: target "broken": /);
  });

  it('--json: every target, the failed one with its error object', () => {
    const w = (workspace = makeWorkspace());
    writeModel(w.models, 'poetry_1');
    const result = driftd('reconcile', '--config', twoTargets(w), '--json');
    expect(result.status).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({
      mode: 'apply',
      targets: [
        { target: 'modelforge', error: null, reports: [{ rule: 'models', error: null, recovered: [{ directory: 'poetry_1' }] }] },
        { target: 'broken', reports: [], error: { code: 'DB_NOT_FOUND' } },
      ],
    });
  });

  it('a second rule whose root is missing: the first rule\'s recovered row is printed, the rule\'s error named, exit 2', () => {
    const w = (workspace = makeWorkspace());
    writeModel(w.models, 'poetry_1');
    const { relativeTo: _relativeTo, ...rule } = modelforgeRule('models');
    const path = join(w.dir, 'driftd.json');
    writeFileSync(path, JSON.stringify({ targets: [{ name: 'modelforge', database: 'database/modelforge.sqlite', schema: SCHEMA, repair: 'auto', reconcile: [rule, { ...rule, name: 'archived', root: 'archive' }] }] }));
    const result = driftd('reconcile', '--config', path);
    expect(result.status).toBe(2);
    expect(rowsOf(w.dbPath)).toHaveLength(1);
    expect(result.stdout).toContain('recovered    poetry_1');
    expect(result.stdout).toMatch(/rule "archived" .*\n  error: RECONCILE_ROOT_MISSING: rule "archived": root ".*archive" does not exist/);
    expect(result.stderr).toMatch(/^driftd reconcile: RECONCILE_ROOT_MISSING: target "modelforge": rule "archived": /);
    const json = JSON.parse(driftd('reconcile', '--config', path, '--json').stdout);
    expect(json.targets[0].reports.map((report: { rule: string; error: { code: string } | null }) => [report.rule, report.error?.code ?? null])).toEqual([
      ['models', null],
      ['archived', 'RECONCILE_ROOT_MISSING'],
    ]);
  });
});
