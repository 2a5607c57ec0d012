import { z } from 'zod';

/**
 * The `reconcile` rules of a config target: which directories under a root are
 * rows of which table, and where each column's value comes from. This file is
 * the format (zod, structural checks only); `validateReconcileRules` checks a
 * rule against the declared schema. Pure: paths are resolved by the caller.
 */

/** One path segment inside a model directory: no separators, no `..`. */
const fileNameFormat = z
  .string()
  .min(1)
  .refine((name) => !name.includes('/') && !name.includes('\\') && name !== '.' && name !== '..' && !name.includes('\0'), {
    message: 'must be a file name inside the directory (no "/", "\\", "." or "..")',
  });

/** RFC 6901: empty (the whole document) or `/`-separated tokens where `~` is only `~0` or `~1`. */
const jsonPointerFormat = z.string().refine((pointer) => pointer === '' || (pointer.startsWith('/') && !/~(?![01])/.test(pointer)), {
  message: 'must be an RFC 6901 JSON pointer: "" or "/a/b", with "~" only as "~0" or "~1"',
});

/** A value SQLite can store as given: TEXT, INTEGER/REAL or NULL. Booleans are stored as 1/0. */
export const scalarFormat = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type Scalar = z.output<typeof scalarFormat>;

/**
 * Where one column's value comes from, discriminated on `from`.
 * `regex` and `json` may fail for a directory (no match, file or key absent, a
 * value outside the map with `unmapped: "fallback"`); then `fallback`, another
 * source, is tried. A column with nothing to fall back on is left out of the
 * INSERT (the column's default or NULL applies); when that column is NOT NULL
 * without a default, the directory is skipped with the reason.
 */
export type ColumnSource =
  | { readonly from: 'directoryName' }
  | { readonly from: 'regex'; readonly pattern: string; readonly group: number | string; readonly fallback?: ColumnSource | undefined }
  | { readonly from: 'path' }
  | { readonly from: 'mtime'; readonly format: 'iso8601' | 'unixSeconds' | { readonly template: string; readonly timeZone: 'utc' | 'local' } }
  | {
      readonly from: 'json';
      readonly file: string;
      readonly pointer: string;
      readonly map?: Readonly<Record<string, Scalar>> | undefined;
      readonly unmapped: 'keep' | 'fallback';
      readonly fallback?: ColumnSource | undefined;
    }
  | { readonly from: 'constant'; readonly value: Scalar }
  | { readonly from: 'template'; readonly template: string };

export const columnSourceFormat: z.ZodType<ColumnSource, unknown> = z.lazy(() =>
  z.discriminatedUnion('from', [
    z.strictObject({ from: z.literal('directoryName') }),
    z.strictObject({
      from: z.literal('regex'),
      pattern: z.string().min(1).describe('JavaScript regular expression applied to the directory name'),
      group: z.union([z.number().int().min(0), z.string().min(1)]).default(1).describe('capture group number or name'),
      fallback: columnSourceFormat.optional(),
    }),
    z.strictObject({ from: z.literal('path').describe('the absolute path of the directory under the configured root') }),
    z.strictObject({
      from: z.literal('mtime'),
      format: z
        .union([
          z.enum(['iso8601', 'unixSeconds']),
          z.strictObject({
            template: z.string().min(1).regex(/YYYY|MM|DD|HH|mm|ss/, 'the template names no date or time field').describe('YYYY MM DD HH mm ss SSS SSSSSS ZZ; other characters are copied'),
            timeZone: z.enum(['utc', 'local']).default('utc'),
          }),
        ])
        .default('iso8601')
        .describe('how the time is written: as the application writes its own rows (docs/reconcile.md#column-sources)'),
    }),
    z.strictObject({
      from: z.literal('json'),
      file: fileNameFormat,
      pointer: jsonPointerFormat,
      map: z.record(z.string(), scalarFormat).optional().describe('replaces a value found in the file (compared as text)'),
      unmapped: z.enum(['keep', 'fallback']).default('keep').describe('a value not in `map`: keep it, or treat it as absent'),
      fallback: columnSourceFormat.optional(),
    }),
    z.strictObject({ from: z.literal('constant'), value: scalarFormat }),
    z.strictObject({ from: z.literal('template'), template: z.string().describe('text with {column} references to other mapped columns; {{ and }} are literal braces') }),
  ]),
);

export const reconcileRuleFormat = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'use 1-64 letters, digits, ".", "_" or "-"')
    .optional()
    .describe('defaults to the table name'),
  table: z.string().min(1),
  root: z.string().min(1).describe('directory whose subdirectories are rows (relative to the config file)'),
  markers: z.array(fileNameFormat).default([]).describe('files that must all exist for a subdirectory to count'),
  keyColumn: z.string().min(1).describe('the column that stores the directory path; rows match directories by canonical real path'),
  relativeTo: z.string().min(1).optional().describe('directory stored relative paths are resolved against (default: the config file directory)'),
  settleSeconds: z.number().min(0).max(86_400).default(60).describe('skip a directory whose newest entry is younger than this'),
  columns: z.record(z.string().min(1), columnSourceFormat),
});

export type ReconcileRuleInput = z.input<typeof reconcileRuleFormat>;
type ParsedRuleFormat = z.output<typeof reconcileRuleFormat>;

/** A validated rule with absolute paths: what `reconcileTarget` takes. */
export interface ReconcileRule {
  readonly name: string;
  readonly table: string;
  /** Absolute path, as configured (not resolved through symlinks). */
  readonly root: string;
  readonly markers: readonly string[];
  readonly keyColumn: string;
  /** Absolute directory a stored relative key path is resolved against. */
  readonly relativeTo: string;
  readonly settleSeconds: number;
  /** Column name → source, in config order. The key column maps to `{from: "path"}` when not given. */
  readonly columns: Readonly<Record<string, ColumnSource>>;
}

/**
 * Turns a parsed rule into a `ReconcileRule`; `at` resolves a config path
 * against the config file's directory.
 */
export function resolveRule(parsed: ParsedRuleFormat, at: (path: string) => string, configDir: string): ReconcileRule {
  const columns: Record<string, ColumnSource> = { ...(parsed.columns as Record<string, ColumnSource>) };
  if (!Object.keys(columns).some((name) => name.toLowerCase() === parsed.keyColumn.toLowerCase())) columns[parsed.keyColumn] = { from: 'path' };
  return {
    name: parsed.name ?? parsed.table,
    table: parsed.table,
    root: at(parsed.root),
    markers: parsed.markers,
    keyColumn: parsed.keyColumn,
    relativeTo: parsed.relativeTo === undefined ? configDir : at(parsed.relativeTo),
    settleSeconds: parsed.settleSeconds,
    columns,
  };
}
