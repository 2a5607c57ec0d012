import { byNameKey, nameKey, type Schema, type Trigger } from '../schema/schema-model.js';
import { definitionParts, ftsContentTable } from '../sql/definition-body.js';
import { namesIn, normalizeSqlText, type IsIdentifier } from '../sql/normalize-sql-text.js';
import { quoteIdentifier } from '../sql/quote.js';
import type { Drift, Extra } from './drift.js';
import { matchesAnyPattern } from './like-pattern.js';

/**
 * Views and triggers: missing ones, ones whose definition means something else,
 * undeclared ones (extras, unless a name matches `ignore`), and external-content
 * FTS indexes that missed rows while their sync triggers were gone. Pure.
 *
 * Definitions compare by meaning: the text after the object's name, through
 * normalizeSqlText (case, quoting, white space, comments, `"x"` read as the
 * string it is in stock SQLite). Most definitions are identical text, so the
 * normaliser only runs when the stored texts differ.
 */
export function diffViewsAndTriggers(declared: Schema, actual: Schema, ignore: readonly string[], drift: Drift[], extras: Extra[]): void {
  if (declared.views.length === 0 && declared.triggers.length === 0 && actual.views.length === 0 && actual.triggers.length === 0) {
    drift.push(...staleFtsIndexes(declared, actual, []));
    return;
  }
  const sameMeaning = meaningComparer(declared, actual);
  const liveViews = byNameKey(actual.views);
  for (const view of declared.views) {
    const live = liveViews.get(nameKey(view.name));
    if (!live) {
      drift.push({ kind: 'missing_view', table: view.name, view: view.name, declaredView: view, detail: `view "${view.name}" is declared but missing` });
      continue;
    }
    const [declaredText, liveText] = sameMeaning(view.sql, live.sql);
    if (declaredText !== liveText) {
      drift.push({
        kind: 'view_definition',
        table: view.name,
        view: view.name,
        declared: declaredText,
        actual: liveText,
        declaredSql: view.sql,
        detail: `view "${view.name}" differs from its declaration by meaning (see the line-by-line diff)`,
      });
    }
  }

  const liveTriggers = byNameKey(actual.triggers);
  const missingTriggers: Trigger[] = [];
  for (const trigger of declared.triggers) {
    const live = liveTriggers.get(nameKey(trigger.name));
    if (!live) {
      missingTriggers.push(trigger);
      drift.push({
        kind: 'missing_trigger',
        table: trigger.table,
        trigger: trigger.name,
        declaredTrigger: trigger,
        detail: `trigger "${trigger.name}" on "${trigger.table}" is declared but missing`,
      });
      continue;
    }
    const [declaredText, liveText] = sameMeaning(trigger.sql, live.sql);
    if (declaredText !== liveText) {
      drift.push({
        kind: 'trigger_definition',
        table: trigger.table,
        trigger: trigger.name,
        declared: declaredText,
        actual: liveText,
        declaredSql: trigger.sql,
        detail: `trigger "${trigger.name}" on "${trigger.table}" differs from its declaration by meaning (see the line-by-line diff)`,
      });
    }
  }
  drift.push(...staleFtsIndexes(declared, actual, missingTriggers));

  const declaredViews = byNameKey(declared.views);
  for (const view of actual.views) {
    if (declaredViews.has(nameKey(view.name)) || matchesAnyPattern(view.name, ignore)) continue;
    extras.push({ kind: 'extra_view', table: view.name, view: view.name, detail: `view "${view.name}" is not declared (left alone)` });
  }
  const declaredTriggers = byNameKey(declared.triggers);
  for (const trigger of actual.triggers) {
    if (declaredTriggers.has(nameKey(trigger.name)) || matchesAnyPattern(trigger.name, ignore) || matchesAnyPattern(trigger.table, ignore)) continue;
    extras.push({
      kind: 'extra_trigger',
      table: trigger.table,
      trigger: trigger.name,
      detail: `trigger "${trigger.name}" on "${trigger.table}" is not declared (left alone)`,
    });
  }
}

/**
 * Returns both definitions as the diff shows them: the same string when they
 * mean the same, else each side's normalised text. The names that make a
 * double-quoted token an identifier are every table, column and view of both
 * sides, and a trigger's `new`/`old`; built once, on the first texts that differ.
 */
function meaningComparer(declared: Schema, actual: Schema): (declaredSql: string, liveSql: string) => [string, string] {
  let isIdentifier: IsIdentifier | null = null;
  return (declaredSql, liveSql) => {
    const declaredBody = definitionParts(declaredSql).body;
    const liveBody = definitionParts(liveSql).body;
    if (declaredBody === liveBody) return ['', ''];
    isIdentifier ??= namesIn(schemaNames(declared, actual));
    return [normalizeSqlText(declaredBody, isIdentifier), normalizeSqlText(liveBody, isIdentifier)];
  };
}

function* schemaNames(...schemas: Schema[]): Iterable<string> {
  yield 'new';
  yield 'old';
  for (const schema of schemas) {
    for (const table of schema.tables) {
      yield table.name;
      for (const column of table.columns) yield column.name;
    }
    for (const view of schema.views) yield view.name;
  }
}

/**
 * One item per external-content FTS table whose index misses rows of its content table: a
 * missing declared trigger writes into it (the sync pattern of fts5.html#external_content_tables),
 * or the FTS table itself is missing while its content table is there (created from the
 * declaration, it starts empty). The rebuild command re-reads the content table
 * (`INSERT INTO fts(fts) VALUES('rebuild')`).
 */
function staleFtsIndexes(declared: Schema, actual: Schema, missingTriggers: readonly Trigger[]): Drift[] {
  // Runs on every check: only virtual tables can be FTS tables, and the prefix test is cheap.
  const virtualTables = declared.tables.filter((table) => VIRTUAL_TABLE.test(table.sql));
  if (virtualTables.length === 0) return [];
  const ftsTables = new Map<string, { name: string; content: string }>();
  for (const table of virtualTables) {
    const content = ftsContentTable(table.sql);
    if (content !== null) ftsTables.set(nameKey(table.name), { name: table.name, content });
  }
  if (ftsTables.size === 0) return [];
  const triggersByFts = new Map<string, string[]>();
  for (const trigger of missingTriggers) {
    for (const written of definitionParts(trigger.sql).writes) {
      if (!ftsTables.has(written)) continue;
      triggersByFts.set(written, [...(triggersByFts.get(written) ?? []), trigger.name]);
    }
  }
  const liveTables = byNameKey(actual.tables);
  const items: Drift[] = [];
  for (const [key, fts] of ftsTables) {
    const triggers = triggersByFts.get(key) ?? [];
    const indexMissing = !liveTables.has(key) && liveTables.has(fts.content);
    if (triggers.length === 0 && !indexMissing) continue;
    const contentTable = liveTables.get(fts.content)?.name ?? declared.tables.find((table) => nameKey(table.name) === fts.content)?.name ?? fts.content;
    const quoted = quoteIdentifier(fts.name);
    const causes = [
      ...(indexMissing ? [`it is missing, and created from the declaration it starts empty`] : []),
      ...(triggers.length > 0
        ? [`its sync trigger${triggers.length === 1 ? '' : 's'} ${triggers.map((name) => `"${name}"`).join(', ')} ${triggers.length === 1 ? 'was' : 'were'} missing`]
        : []),
    ];
    items.push({
      kind: 'stale_fts_index',
      table: fts.name,
      contentTable,
      triggers,
      indexMissing,
      rebuild: `INSERT INTO ${quoted}(${quoted}) VALUES('rebuild');`,
      detail: `full-text index "${fts.name}" misses rows of "${contentTable}": ${causes.join(', and ')}`,
    });
  }
  return items;
}

const VIRTUAL_TABLE = /^\s*CREATE\s+VIRTUAL\s/i;
