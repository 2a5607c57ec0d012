import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse-config.js';
import { cronStepProblems } from '../../src/config/cron-steps.js';
import { declaredSchemaFromJson } from '../../src/declared/declared-schema-from-json.js';
import { closestName, jsonSyntaxMessage } from '../../src/errors/json-syntax.js';

/** Config and declaration messages a newcomer meets first (issue 17 item 9). */
const OPTIONS = { baseDir: '/etc/driftd', env: {}, source: 'c.json' };
const problems = (text: string): string[] => {
  const result = parseConfig(text, OPTIONS);
  return result.ok ? [] : result.problems.map((problem) => `${problem.path}: ${problem.message}`);
};

describe('did you mean', () => {
  it.each([
    ['databse', 'database', { targets: [{ name: 'a', databse: 'a.db', schema: 's.sql' }] }, 'targets[0]'],
    ['shedule', 'schedule', { shedule: '* * * * * *', targets: [{ name: 'a', database: 'a.db', schema: 's.sql' }] }, '(root)'],
    ['reconcle', 'reconcile', { targets: [{ name: 'a', database: 'a.db', schema: 's.sql', reconcle: [] }] }, 'targets[0]'],
    ['keyColum', 'keyColumn', { targets: [{ name: 'a', database: 'a.db', schema: 's.sql', reconcile: [{ table: 't', root: 'r', keyColum: 'p', columns: {} }] }] }, 'targets[0].reconcile[0]'],
  ])('Unrecognized key "%s" → did you mean "%s"', (typo, meant, config, path) => {
    expect(problems(JSON.stringify(config))).toContain(`${path}: Unrecognized key: "${typo}" (did you mean "${meant}"?)`);
  });

  it('no suggestion when nothing is close', () => {
    const found = problems(JSON.stringify({ targets: [{ name: 'a', database: 'a.db', schema: 's.sql', colour: 'red' }] }));
    expect(found).toContain('targets[0]: Unrecognized key: "colour"');
  });

  it('closestName takes a swap of two letters as one edit and refuses far names', () => {
    expect(closestName('databsae', ['database', 'databases'])).toBe('database');
    expect(closestName('x', ['database'])).toBeNull();
  });
});

describe('JSON syntax errors say line and column', () => {
  const text = '{\n  "targets": [\n    { "name": "a" }\n    { "name": "b" }\n  ]\n}\n';

  it('in a config', () => {
    expect(parseConfig(text, OPTIONS)).toEqual({
      ok: false,
      problems: [{ path: '(file)', code: 'CONFIG_JSON_SYNTAX', message: "not valid JSON at line 4, column 5: Expected ',' or ']' after array element" }],
    });
  });

  it('in a JSON declaration', () => {
    expect(() => declaredSchemaFromJson('{"tables": {\n  "t": {"columns": {"a": {"type": "TEXT"}}\n}', 's.json')).toThrow(/not valid JSON at line 3, column 2: /);
  });

  it('a message without a position is kept as it is', () => {
    expect(jsonSyntaxMessage('', new SyntaxError('Unexpected end of JSON input'))).toBe('Unexpected end of JSON input');
  });
});

describe('cron steps larger than their field are refused', () => {
  it.each([
    ['*/61 * * * * *', ['step /61 in the second field: seconds run 0–59, so a step must be 1–59']],
    ['0 */60 * * * *', ['step /60 in the minute field: minutes run 0–59, so a step must be 1–59']],
    ['0 0 */24 * * *', ['step /24 in the hour field: hours run 0–23, so a step must be 1–23']],
    ['*/0 * * * * *', ['step /0 in the second field: seconds run 0–59, so a step must be 1–59']],
    ['*/59 * * * * *', []],
    ['*/30 * * * * *', []],
    ['*/15 * * * *', []],
    ['0-30/10,45 * * * * *', []],
  ])('%s', (expression, expected) => {
    expect(cronStepProblems(expression)).toEqual(expected);
  });

  it('a config with */61 in the seconds field is invalid, with the reason', () => {
    expect(problems(JSON.stringify({ schedule: '*/61 * * * * *', targets: [{ name: 'a', database: 'a.db', schema: 's.sql' }] }))).toEqual([
      'schedule: "*/61 * * * * *": step /61 in the second field: seconds run 0–59, so a step must be 1–59',
    ]);
  });
});
