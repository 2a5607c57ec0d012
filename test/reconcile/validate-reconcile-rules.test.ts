import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse-config.js';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { CURRENT_TABLE } from './modelforge-fixture.js';

const declared = declaredSchemaFromSql(CURRENT_TABLE, 'modelforge.sql');

const GOOD_COLUMNS = {
  model_name: { from: 'directoryName' },
  base_model: { from: 'json', file: 'adapter_config.json', pointer: '/base_model_name_or_path' },
  task: { from: 'json', file: 'modelforge_config.json', pointer: '/pipeline_task' },
  description: { from: 'template', template: 'Fine-tuned {base_model} for {task}' },
  creation_date: { from: 'mtime' },
  model_path: { from: 'path' },
};

function configWith(rule: Record<string, unknown>): string {
  return JSON.stringify({
    targets: [
      {
        name: 'modelforge',
        database: 'db.sqlite',
        schema: 'modelforge.sql',
        reconcile: [{ name: 'models', table: 'fine_tuned_models', root: 'models', keyColumn: 'model_path', columns: GOOD_COLUMNS, ...rule }],
      },
    ],
  });
}

function problems(rule: Record<string, unknown>): Array<{ path: string; message: string }> {
  const result = parseConfig(configWith(rule), { baseDir: '/srv/driftd', env: {}, source: 'driftd.json', declaredSchema: () => declared });
  return result.ok ? [] : [...result.problems];
}

describe('reconcile rules are validated against the declared schema when the config loads', () => {
  it('accepts ModelForge\'s mapping and resolves its paths against the config directory', () => {
    const result = parseConfig(configWith({}), { baseDir: '/srv/driftd', env: {}, source: 'driftd.json', declaredSchema: () => declared });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const rule = result.config.targets[0]!.reconcile[0]!;
    expect(rule).toMatchObject({ name: 'models', root: '/srv/driftd/models', relativeTo: '/srv/driftd', settleSeconds: 60, markers: [] });
    expect(rule.columns.creation_date).toEqual({ from: 'mtime', format: 'iso8601' });
  });

  it('a target without rules gets an empty list', () => {
    const result = parseConfig(JSON.stringify({ targets: [{ name: 't', database: 'd', schema: 's.sql' }] }), { baseDir: '/x', env: {}, source: 'c.json' });
    expect(result.ok && result.config.targets[0]!.reconcile).toEqual([]);
  });

  it.each([
    ['an undeclared table', { table: 'models_v2' }, 'targets[0].reconcile[0].table', 'table "models_v2" is not declared'],
    ['an unknown column', { columns: { ...GOOD_COLUMNS, colour: { from: 'constant', value: 'red' } } }, 'targets[0].reconcile[0].columns.colour', 'column "colour" is not a column of table "fine_tuned_models"'],
    [
      'a NOT NULL column without default left unmapped',
      { columns: { ...GOOD_COLUMNS, task: undefined } },
      'targets[0].reconcile[0].columns',
      'column "task" of table "fine_tuned_models" is NOT NULL without a default and must be mapped',
    ],
    ['an unknown key column', { keyColumn: 'dir' }, 'targets[0].reconcile[0].keyColumn', 'key column "dir" is not a column'],
    ['a key column mapped from something else', { columns: { ...GOOD_COLUMNS, model_path: { from: 'directoryName' } } }, 'targets[0].reconcile[0].columns.model_path', 'must map {"from": "path"}'],
    [
      'a template naming an unmapped column',
      { columns: { ...GOOD_COLUMNS, description: { from: 'template', template: 'about {colour}' } } },
      'targets[0].reconcile[0].columns.description.template',
      'column "description": template refers to "{colour}"',
    ],
    [
      'templates forming a cycle',
      { columns: { ...GOOD_COLUMNS, task: { from: 'template', template: '{description}' }, description: { from: 'template', template: 'for {task}' } } },
      'targets[0].reconcile[0].columns.task.template',
      'templates form a cycle: task → description → task',
    ],
    ['a template with an unclosed brace', { columns: { ...GOOD_COLUMNS, description: { from: 'template', template: 'for {task' } } }, 'targets[0].reconcile[0].columns.description.template', 'unclosed "{"'],
    [
      'a regex with a group it lacks',
      { columns: { ...GOOD_COLUMNS, model_name: { from: 'regex', pattern: '^(.*)_[0-9a-f-]{36}$', group: 2 } } },
      'targets[0].reconcile[0].columns.model_name.group',
      'column "model_name": pattern has 1 capture group, group 2 does not exist',
    ],
    [
      'a regex that does not compile',
      { columns: { ...GOOD_COLUMNS, model_name: { from: 'regex', pattern: '([a-z' } } },
      'targets[0].reconcile[0].columns.model_name.pattern',
      'pattern is not a valid regular expression',
    ],
    [
      'a fallback with a bad regex',
      { columns: { ...GOOD_COLUMNS, task: { from: 'json', file: 'a.json', pointer: '/t', fallback: { from: 'regex', pattern: '(?<kind>x)', group: 'type' } } } },
      'targets[0].reconcile[0].columns.task.fallback.group',
      'pattern has no named group "type"',
    ],
  ])('rejects %s, naming the rule and the column', (_label, rule, path, message) => {
    const found = problems(rule);
    const match = found.find((problem) => problem.path === path);
    expect(match, JSON.stringify(found)).toBeDefined();
    expect(match!.message).toContain('rule "models"');
    expect(match!.message).toContain(message);
  });

  it.each([
    ['a JSON pointer without a leading slash', { columns: { ...GOOD_COLUMNS, task: { from: 'json', file: 'a.json', pointer: 'task' } } }, 'targets[0].reconcile[0].columns.task.pointer'],
    ['a bad ~ escape', { columns: { ...GOOD_COLUMNS, task: { from: 'json', file: 'a.json', pointer: '/a~2b' } } }, 'targets[0].reconcile[0].columns.task.pointer'],
    ['a file path leaving the directory', { columns: { ...GOOD_COLUMNS, task: { from: 'json', file: '../secrets.json', pointer: '/t' } } }, 'targets[0].reconcile[0].columns.task.file'],
    ['an unknown source', { columns: { ...GOOD_COLUMNS, task: { from: 'env', name: 'TASK' } } }, 'targets[0].reconcile[0].columns.task.from'],
    ['an unknown rule field', { rooot: 'x' }, 'targets[0].reconcile[0]'],
    ['a negative settle time', { settleSeconds: -1 }, 'targets[0].reconcile[0].settleSeconds'],
  ])('rejects %s by structure, at its config path', (_label, rule, path) => {
    expect(problems(rule).map((problem) => problem.path)).toContain(path);
  });

  it('rejects two rules with the same name', () => {
    const text = configWith({});
    const config = JSON.parse(text);
    config.targets[0].reconcile.push(config.targets[0].reconcile[0]);
    const result = parseConfig(JSON.stringify(config), { baseDir: '/x', env: {}, source: 'c.json', declaredSchema: () => declared });
    expect(result.ok ? [] : result.problems.map((problem) => problem.path)).toContain('targets[0].reconcile[1].name');
  });

  it('a schema that cannot be loaded is a problem at the target\'s schema path', () => {
    const result = parseConfig(configWith({}), {
      baseDir: '/x',
      env: {},
      source: 'c.json',
      declaredSchema: () => {
        throw new Error('schema file "/x/modelforge.sql" does not exist');
      },
    });
    expect(result.ok ? [] : result.problems).toEqual([{ path: 'targets[0].schema', message: expect.stringContaining('does not exist') }]);
  });
});
