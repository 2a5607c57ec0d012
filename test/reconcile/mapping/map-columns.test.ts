import { describe, expect, it } from 'vitest';
import { mapColumns, type DirectoryFacts, type FileRead } from '../../../src/reconcile/mapping/map-columns.js';
import type { ColumnSource, ReconcileRule } from '../../../src/reconcile/rule/reconcile-rule-format.js';

const MTIME = Date.parse('2025-06-03T11:02:00.000Z');

function facts(files: Record<string, FileRead> = {}): DirectoryFacts {
  return { name: 'legal-sum_8e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b', path: '/data/models/legal-sum_8e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b', mtimeMs: MTIME, files: new Map(Object.entries(files)) };
}
function rule(columns: Record<string, ColumnSource>): ReconcileRule {
  return { name: 'r', table: 't', root: '/data/models', markers: [], keyColumn: 'p', relativeTo: '/', settleSeconds: 0, columns };
}
const json = (value: unknown): FileRead => ({ kind: 'json', value });
const one = (source: ColumnSource, files: Record<string, FileRead> = {}) => mapColumns(rule({ c: source }), facts(files), new Set());

describe('mapColumns: each source', () => {
  it.each<[string, ColumnSource, Record<string, FileRead>, unknown]>([
    ['directory name', { from: 'directoryName' }, {}, 'legal-sum_8e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b'],
    ['regex capture by number', { from: 'regex', pattern: '^(.+)_[0-9a-f-]{36}$', group: 1 }, {}, 'legal-sum'],
    ['regex capture by name', { from: 'regex', pattern: '_(?<uuid>[0-9a-f-]{36})$', group: 'uuid' }, {}, '8e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b'],
    ['absolute path', { from: 'path' }, {}, '/data/models/legal-sum_8e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b'],
    ['mtime as ISO-8601', { from: 'mtime', format: 'iso8601' }, {}, '2025-06-03T11:02:00.000Z'],
    ['mtime as Unix seconds', { from: 'mtime', format: 'unixSeconds' }, {}, 1748948520],
    // As the application writes its own rows (issue 17): the demo's rows carry no zone letter.
    ['mtime by a template, UTC', { from: 'mtime', format: { template: 'YYYY-MM-DDTHH:mm:ss.SSS', timeZone: 'utc' } }, {}, '2025-06-03T11:02:00.000'],
    ['mtime as Python isoformat() with microseconds and offset', { from: 'mtime', format: { template: 'YYYY-MM-DDTHH:mm:ss.SSSSSSZZ', timeZone: 'utc' } }, {}, '2025-06-03T11:02:00.000000+00:00'],
    ['mtime as a date and time with a space', { from: 'mtime', format: { template: 'YYYY-MM-DD HH:mm:ss', timeZone: 'utc' } }, {}, '2025-06-03 11:02:00'],
    ['constant', { from: 'constant', value: 0 }, {}, 0],
    ['constant true is stored as 1', { from: 'constant', value: true }, {}, 1],
    ['JSON value', { from: 'json', file: 'a.json', pointer: '/base', unmapped: 'keep' }, { 'a.json': json({ base: 'gpt2' }) }, 'gpt2'],
    ['JSON number', { from: 'json', file: 'a.json', pointer: '/r', unmapped: 'keep' }, { 'a.json': json({ r: 16 }) }, 16],
    ['JSON value through the map', { from: 'json', file: 'a.json', pointer: '/t', map: { 'question-answering': 'extractive-question-answering' }, unmapped: 'keep' }, { 'a.json': json({ t: 'question-answering' }) }, 'extractive-question-answering'],
    ['JSON value outside the map, kept', { from: 'json', file: 'a.json', pointer: '/t', map: { x: 'y' }, unmapped: 'keep' }, { 'a.json': json({ t: 'summarization' }) }, 'summarization'],
    [
      'fallback when the file is absent',
      { from: 'json', file: 'a.json', pointer: '/t', unmapped: 'keep', fallback: { from: 'json', file: 'b.json', pointer: '/task_type', map: { CAUSAL_LM: 'text-generation' }, unmapped: 'fallback' } },
      { 'a.json': { kind: 'absent' }, 'b.json': json({ task_type: 'CAUSAL_LM' }) },
      'text-generation',
    ],
    [
      'fallback when the key is null',
      { from: 'json', file: 'a.json', pointer: '/t', unmapped: 'keep', fallback: { from: 'constant', value: 'unknown' } },
      { 'a.json': json({ t: null }) },
      'unknown',
    ],
    ['fallback when the regex does not match', { from: 'regex', pattern: '^zzz(.*)$', group: 1, fallback: { from: 'directoryName' } }, {}, 'legal-sum_8e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b'],
  ])('%s', (_label, source, files, value) => {
    expect(one(source, files)).toEqual({ ok: true, values: { c: value } });
  });

  it('a template fills in other columns, with literal braces', () => {
    const mapped = mapColumns(
      rule({ d: { from: 'template', template: '{{Fine-tuned}} {b} for {t}' }, b: { from: 'constant', value: 'gpt2' }, t: { from: 'constant', value: 'summarization' } }),
      facts(),
      new Set(),
    );
    expect(mapped).toEqual({ ok: true, values: { d: '{Fine-tuned} gpt2 for summarization', b: 'gpt2', t: 'summarization' } });
  });

  it('an optional column without a value is left out; a template over it too', () => {
    const mapped = mapColumns(rule({ b: { from: 'json', file: 'a.json', pointer: '/b', unmapped: 'keep' }, d: { from: 'template', template: 'for {b}' } }), facts(), new Set());
    expect(mapped).toEqual({ ok: true, values: {} });
  });

  it('a required column without a value skips the directory, saying why', () => {
    const mapped = mapColumns(rule({ t: { from: 'json', file: 'a.json', pointer: '/t', map: { A: 'a' }, unmapped: 'fallback' } }), facts({ 'a.json': json({ t: 'B' }) }), new Set(['t']));
    expect(mapped).toEqual({ ok: false, reason: 'unresolved-column', detail: expect.stringContaining('column "t" is NOT NULL and has no value: a.json "/t" is "B", which the map does not know') });
  });

  it('a file that failed to read skips the directory when a column consults it', () => {
    const failed: FileRead = { kind: 'failed', reason: 'malformed-json', detail: 'a.json is not valid JSON' };
    expect(one({ from: 'json', file: 'a.json', pointer: '/t', unmapped: 'keep', fallback: { from: 'constant', value: 'x' } }, { 'a.json': failed })).toEqual({ ok: false, reason: 'malformed-json', detail: 'a.json is not valid JSON' });
  });

  it('an object at the pointer is not a value', () => {
    expect(one({ from: 'json', file: 'a.json', pointer: '/o', unmapped: 'keep' }, { 'a.json': json({ o: { nested: 1 } }) })).toEqual({ ok: true, values: {} });
  });
});
