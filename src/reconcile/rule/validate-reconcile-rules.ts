import { findColumn, findTable, nameKey, type Column, type Schema, type Table } from '../../schema/schema-model.js';
import { parseTemplate, templateColumns } from '../mapping/parse-template.js';
import type { ColumnSource, ReconcileRule } from './reconcile-rule-format.js';

/** A problem with one rule, at its config path (`targets[0].reconcile[1].columns.task`). */
export interface RuleProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Checks a target's rules against its DECLARED schema: the table is declared;
 * every mapped column exists, is not generated, and is mapped once; every NOT
 * NULL column without a default is mapped (an INTEGER PRIMARY KEY, the rowid
 * alias, fills itself); the key column takes the directory path; templates
 * name mapped columns and form no cycle; regexes compile and have the group.
 * Returns every problem, each naming the rule and the column. Pure.
 */
export function validateReconcileRules(rules: readonly ReconcileRule[], declared: Schema, at: string, schemaLabel: string): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const names = new Map<string, number>();
  rules.forEach((rule, index) => {
    const path = `${at}[${index}]`;
    const first = names.get(rule.name);
    if (first !== undefined) problems.push({ path: `${path}.name`, message: `duplicate rule name "${rule.name}" (also ${at}[${first}]); give each rule a distinct "name"` });
    else names.set(rule.name, index);
    problems.push(...validateRule(rule, declared, path, schemaLabel));
  });
  return problems;
}

function validateRule(rule: ReconcileRule, declared: Schema, path: string, schemaLabel: string): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const say = (where: string, message: string): void => {
    problems.push({ path: where, message: `rule "${rule.name}": ${message}` });
  };
  const table = findTable(declared, rule.table);
  if (!table) {
    say(`${path}.table`, `table "${rule.table}" is not declared in "${schemaLabel}" (declared: ${declared.tables.map((t) => t.name).join(', ')})`);
    return problems;
  }
  const mapped = new Map<string, string>();
  for (const [name, source] of Object.entries(rule.columns)) {
    const where = `${path}.columns.${name}`;
    const column = findColumn(table, name);
    if (!column) {
      say(where, `column "${name}" is not a column of table "${table.name}" (columns: ${insertableColumns(table).map((c) => c.name).join(', ')})`);
      continue;
    }
    if (column.hidden !== 0) {
      say(where, `column "${name}" of table "${table.name}" is ${column.hidden === 1 ? 'hidden' : 'generated'} and cannot be inserted`);
      continue;
    }
    const again = mapped.get(nameKey(column.name));
    if (again !== undefined) say(where, `column "${name}" is mapped twice (also as "${again}"; SQLite names are case-insensitive)`);
    mapped.set(nameKey(column.name), name);
    problems.push(...validateSource(source, `${where}`, `column "${name}"`, rule).map((message) => ({ path: message.path, message: `rule "${rule.name}": ${message.message}` })));
  }
  const key = findColumn(table, rule.keyColumn);
  if (!key) {
    say(`${path}.keyColumn`, `key column "${rule.keyColumn}" is not a column of table "${table.name}"`);
  } else {
    const entry = Object.entries(rule.columns).find(([name]) => nameKey(name) === nameKey(key.name));
    if (entry && entry[1].from !== 'path') say(`${path}.columns.${entry[0]}`, `column "${entry[0]}" is the key column and must map {"from": "path"}, not "${entry[1].from}"`);
  }
  for (const column of table.columns) {
    if (column.hidden !== 0 || !column.notNull || column.default !== null || isRowidAlias(table, column)) continue;
    if (!mapped.has(nameKey(column.name))) say(`${path}.columns`, `column "${column.name}" of table "${table.name}" is NOT NULL without a default and must be mapped`);
  }
  problems.push(...templateCycles(rule, path));
  return problems;
}

function validateSource(source: ColumnSource, where: string, what: string, rule: ReconcileRule): RuleProblem[] {
  switch (source.from) {
    case 'directoryName':
    case 'path':
    case 'mtime':
    case 'constant':
      return [];
    case 'regex': {
      const problems: RuleProblem[] = [];
      let groups: { count: number; names: readonly string[] } | null = null;
      try {
        // Matching the empty alternative reveals how many groups the pattern has.
        const probe = new RegExp(`${source.pattern}|`, 'u').exec('')!;
        groups = { count: probe.length - 1, names: Object.keys(probe.groups ?? {}) };
      } catch (error) {
        problems.push({ path: `${where}.pattern`, message: `${what}: pattern is not a valid regular expression: ${(error as Error).message}` });
      }
      if (groups && typeof source.group === 'number' && source.group > groups.count) {
        problems.push({ path: `${where}.group`, message: `${what}: pattern has ${groups.count} capture group${groups.count === 1 ? '' : 's'}, group ${source.group} does not exist` });
      }
      if (groups && typeof source.group === 'string' && !groups.names.includes(source.group)) {
        problems.push({ path: `${where}.group`, message: `${what}: pattern has no named group "${source.group}"` });
      }
      if (source.fallback) problems.push(...validateSource(source.fallback, `${where}.fallback`, what, rule));
      return problems;
    }
    case 'json':
      return source.fallback ? validateSource(source.fallback, `${where}.fallback`, what, rule) : [];
    case 'template': {
      const parsed = parseTemplate(source.template);
      if (!parsed.ok) return [{ path: `${where}.template`, message: `${what}: template ${parsed.message}` }];
      const known = new Set(Object.keys(rule.columns));
      return templateColumns(parsed.parts)
        .filter((name) => !known.has(name))
        .map((name) => ({ path: `${where}.template`, message: `${what}: template refers to "{${name}}", which is not a mapped column of this rule` }));
    }
    default: {
      const unreachable: never = source;
      return unreachable;
    }
  }
}

/** Columns a source's templates refer to, fallbacks included. */
function sourceDependencies(source: ColumnSource): string[] {
  switch (source.from) {
    case 'template': {
      const parsed = parseTemplate(source.template);
      return parsed.ok ? templateColumns(parsed.parts) : [];
    }
    case 'regex':
    case 'json':
      return source.fallback ? sourceDependencies(source.fallback) : [];
    case 'directoryName':
    case 'path':
    case 'mtime':
    case 'constant':
      return [];
    default: {
      const unreachable: never = source;
      return unreachable;
    }
  }
}

function templateCycles(rule: ReconcileRule, path: string): RuleProblem[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const problems: RuleProblem[] = [];
  const visit = (name: string, trail: string[]): void => {
    const mark = state.get(name);
    if (mark === 'done') return;
    if (mark === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(name)), name];
      problems.push({ path: `${path}.columns.${name}.template`, message: `rule "${rule.name}": column "${name}": templates form a cycle: ${cycle.join(' → ')}` });
      return;
    }
    const source = rule.columns[name];
    if (!source) return;
    state.set(name, 'visiting');
    for (const dependency of sourceDependencies(source)) visit(dependency, [...trail, name]);
    state.set(name, 'done');
  };
  for (const name of Object.keys(rule.columns)) visit(name, []);
  return problems;
}

/** lang_createtable.html#rowid: an INTEGER PRIMARY KEY in a rowid table is the rowid and fills itself. */
export function isRowidAlias(table: Table, column: Column): boolean {
  return table.rowidAlias && column.primaryKey > 0;
}

function insertableColumns(table: Table): Column[] {
  return table.columns.filter((column) => column.hidden === 0);
}
