import type { BoundValue, SkipReason } from '../reconcile-report.js';
import { formatTimestamp } from './format-timestamp.js';
import type { ColumnSource, ReconcileRule } from '../rule/reconcile-rule-format.js';
import { evaluatePointer } from './json-pointer.js';
import { parseTemplate } from './parse-template.js';

/** What the scanner read for one file a mapping names. */
export type FileRead =
  | { readonly kind: 'absent' }
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'failed'; readonly reason: SkipReason; readonly detail: string };

/** Everything the mapping may need about one directory, read by the scanner. */
export interface DirectoryFacts {
  readonly name: string;
  /** Absolute path under the configured root. */
  readonly path: string;
  /** The directory's own modification time; null when the mapping does not need it. */
  readonly mtimeMs: number | null;
  /** Each JSON file the mapping names, by file name. */
  readonly files: ReadonlyMap<string, FileRead>;
}

export type MappedRow =
  | { readonly ok: true; readonly values: Readonly<Record<string, BoundValue>> }
  | { readonly ok: false; readonly reason: SkipReason; readonly detail: string };

type Resolved = { readonly kind: 'value'; readonly value: BoundValue } | { readonly kind: 'absent'; readonly why: string } | { readonly kind: 'failed'; readonly reason: SkipReason; readonly detail: string };

/**
 * Computes the row for one directory. A column whose sources all come up
 * empty is left out of the row (its default applies) unless it is in
 * `required` (NOT NULL without a default), which skips the directory with the
 * reason. A JSON file that failed to read (malformed, too large, a symlink out
 * of the root) skips the directory as soon as a column consults it. Pure.
 */
export function mapColumns(rule: ReconcileRule, facts: DirectoryFacts, required: ReadonlySet<string>): MappedRow {
  const results = new Map<string, Resolved>();
  const resolveColumn = (column: string, depth: number): Resolved => {
    const known = results.get(column);
    if (known) return known;
    const source = rule.columns[column];
    // Cycles are rejected when the config loads; the depth guard keeps this total anyway.
    const result: Resolved = source === undefined || depth > 64 ? { kind: 'absent', why: `"${column}" is not mapped` } : resolveSource(source, facts, (name) => resolveColumn(name, depth + 1));
    results.set(column, result);
    return result;
  };
  const values: Record<string, BoundValue> = {};
  for (const column of Object.keys(rule.columns)) {
    const result = resolveColumn(column, 0);
    switch (result.kind) {
      case 'value':
        values[column] = result.value;
        break;
      case 'failed':
        return { ok: false, reason: result.reason, detail: result.detail };
      case 'absent':
        if (required.has(column)) return { ok: false, reason: 'unresolved-column', detail: `column "${column}" is NOT NULL and has no value: ${result.why}` };
        break;
      default: {
        const unreachable: never = result;
        return unreachable;
      }
    }
  }
  return { ok: true, values };
}

function resolveSource(source: ColumnSource, facts: DirectoryFacts, column: (name: string) => Resolved): Resolved {
  switch (source.from) {
    case 'directoryName':
      return { kind: 'value', value: facts.name };
    case 'path':
      return { kind: 'value', value: facts.path };
    case 'constant':
      return { kind: 'value', value: bindable(source.value) };
    case 'mtime':
      if (facts.mtimeMs === null) return { kind: 'absent', why: 'modification time not read' };
      return { kind: 'value', value: formatTimestamp(facts.mtimeMs, source.format) };
    case 'regex': {
      const match = new RegExp(source.pattern, 'u').exec(facts.name);
      const captured = match === null ? undefined : typeof source.group === 'number' ? match[source.group] : match.groups?.[source.group];
      if (captured !== undefined) return { kind: 'value', value: captured };
      return orFallback(source.fallback, `directory name does not match /${source.pattern}/ (group ${String(source.group)})`, facts, column);
    }
    case 'json': {
      const file = facts.files.get(source.file) ?? { kind: 'absent' };
      if (file.kind === 'failed') return file;
      if (file.kind === 'absent') return orFallback(source.fallback, `${source.file} is absent`, facts, column);
      const found = evaluatePointer(file.value, source.pointer);
      if (!found.found || found.value === null) return orFallback(source.fallback, `${source.file} has no value at "${source.pointer}"`, facts, column);
      if (typeof found.value === 'object') return orFallback(source.fallback, `${source.file} "${source.pointer}" is an ${Array.isArray(found.value) ? 'array' : 'object'}, not a value`, facts, column);
      const raw = found.value as string | number | boolean;
      if (source.map) {
        const key = String(raw);
        if (Object.prototype.hasOwnProperty.call(source.map, key)) return { kind: 'value', value: bindable(source.map[key]!) };
        if (source.unmapped === 'fallback') return orFallback(source.fallback, `${source.file} "${source.pointer}" is "${key}", which the map does not know`, facts, column);
      }
      return { kind: 'value', value: bindable(raw) };
    }
    case 'template': {
      const parsed = parseTemplate(source.template);
      if (!parsed.ok) return { kind: 'absent', why: parsed.message };
      let text = '';
      for (const part of parsed.parts) {
        if (part.kind === 'text') {
          text += part.text;
          continue;
        }
        const value = column(part.column);
        if (value.kind !== 'value') return value.kind === 'failed' ? value : { kind: 'absent', why: `template needs "${part.column}": ${value.why}` };
        if (value.value === null) return { kind: 'absent', why: `template needs "${part.column}", which is null` };
        text += String(value.value);
      }
      return { kind: 'value', value: text };
    }
    default: {
      const unreachable: never = source;
      return unreachable;
    }
  }
}

function orFallback(fallback: ColumnSource | undefined, why: string, facts: DirectoryFacts, column: (name: string) => Resolved): Resolved {
  if (!fallback) return { kind: 'absent', why };
  const result = resolveSource(fallback, facts, column);
  return result.kind === 'absent' ? { kind: 'absent', why: `${why}; fallback: ${result.why}` } : result;
}

/** SQLite has no boolean: store true/false as 1/0 (datatype3.html#boolean_datatype). */
function bindable(value: string | number | boolean | null): BoundValue {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

/** Every JSON file a rule's columns may read, fallbacks included. */
export function filesRead(rule: ReconcileRule): string[] {
  const files = new Set<string>();
  const walk = (source: ColumnSource | undefined): void => {
    if (!source) return;
    if (source.from === 'json') files.add(source.file);
    if (source.from === 'json' || source.from === 'regex') walk(source.fallback);
  };
  for (const source of Object.values(rule.columns)) walk(source);
  return [...files];
}

/** True when a column maps the modification time (so the scanner must stat the directory). */
export function needsMtime(rule: ReconcileRule): boolean {
  const walk = (source: ColumnSource | undefined): boolean => {
    if (!source) return false;
    if (source.from === 'mtime') return true;
    return (source.from === 'json' || source.from === 'regex') && walk(source.fallback);
  };
  return Object.values(rule.columns).some(walk);
}
