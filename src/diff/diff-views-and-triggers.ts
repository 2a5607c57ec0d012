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
  if (declared.views.length === 0 && declared.triggers.length === 0 && actual.views.length === 0 && actual.triggers.length === 0) return;
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
        detail: `view "${view.name}" differs: declared ${declaredText}, actual ${liveText}`,
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
        detail: `trigger "${trigger.name}" on "${trigger.table}" differs: declared ${declaredText}, actual ${liveText}`,
      });
    }
  }
  drift.push(...staleFtsIndexes(declared, missingTriggers));

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
 * One item per external-content FTS table that a missing declared trigger
 * writes into (the sync pattern of fts5.html#external_content_tables): the
 * rows written meanwhile are not in its index. The rebuild command re-reads
 * the content table (`INSERT INTO fts(fts) VALUES('rebuild')`).
 */
function staleFtsIndexes(declared: Schema, missingTriggers: readonly Trigger[]): Drift[] {
  if (missingTriggers.length === 0) return [];
  const ftsTables = new Map<string, { name: string; content: string }>();
  for (const table of declared.tables) {
    const content = ftsContentTable(table.sql);
    if (content !== null) ftsTables.set(nameKey(table.name), { name: table.name, content });
  }
  const triggersByFts = new Map<string, string[]>();
  for (const trigger of missingTriggers) {
    for (const written of definitionParts(trigger.sql).writes) {
      if (!ftsTables.has(written)) continue;
      triggersByFts.set(written, [...(triggersByFts.get(written) ?? []), trigger.name]);
    }
  }
  return [...triggersByFts].map(([key, triggers]) => {
    const fts = ftsTables.get(key)!;
    const contentTable = declared.tables.find((table) => nameKey(table.name) === fts.content)?.name ?? fts.content;
    const quoted = quoteIdentifier(fts.name);
    const rebuild = `INSERT INTO ${quoted}(${quoted}) VALUES('rebuild');`;
    return {
      kind: 'stale_fts_index' as const,
      table: fts.name,
      contentTable,
      triggers,
      rebuild,
      detail: `full-text index "${fts.name}" misses rows written to "${contentTable}" while its sync trigger${triggers.length === 1 ? '' : 's'} ${triggers.map((name) => `"${name}"`).join(', ')} ${triggers.length === 1 ? 'was' : 'were'} missing`,
    };
  });
}
