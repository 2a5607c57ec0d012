import { describe, expect, it } from 'vitest';
import { bindRules } from '../../src/fleet/bind-rules.js';
import { escapeGlob, matchesFleetPattern, parseFleetPattern, type FleetPattern } from '../../src/fleet/fleet-pattern.js';

function pattern(text: string): FleetPattern {
  const result = parseFleetPattern(text);
  if (!result.ok) throw new Error(result.message);
  return result.pattern;
}

describe('parseFleetPattern', () => {
  it.each([
    ['/srv/t/*/app.sqlite', '/srv/t'],
    ['/srv//t/*/app.sqlite', '/srv/t'],
    ['/*.db', '/'.slice(0, 1)],
    ['/srv/t/a?c/x[0-9].db', '/srv/t'],
    ['/srv/t/**/*.db', '/srv/t'],
  ])('%s has root %s', (text, root) => {
    expect(pattern(text).root).toBe(root === '' ? '/' : root);
  });
});

describe('quoted pattern characters (what $VAR, ~ and the config directory expand to)', () => {
  it('a quoted class is literal: part of the root, never a wildcard (issue 14)', () => {
    const parsed = pattern(`${escapeGlob('/srv/data[1]')}/t/*/app.sqlite`);
    expect(parsed.root).toBe('/srv/data[1]/t');
    expect(pattern(`/srv/t/${escapeGlob('a[1]')}*/app.sqlite`).segments[0]).toMatchObject({ kind: 'name', literal: false });
    expect(matchesFleetPattern(pattern(`/srv/t/${escapeGlob('a[1]')}*/app.sqlite`), 'a[1]x/app.sqlite')).toBe(true);
    expect(matchesFleetPattern(pattern(`/srv/t/${escapeGlob('a[1]')}*/app.sqlite`), 'a1x/app.sqlite')).toBe(false);
    expect(pattern(`/srv/${escapeGlob('{x}')}/*.db`).root).toBe('/srv/{x}');
  });

  it.each(['/srv/a\\b/*.db', '/srv/t/*.db\\', '/srv/{a,b}/*.db'])('%s is refused: a "\\" must quote a pattern character, braces stay unsupported', (text) => {
    expect(parseFleetPattern(text).ok).toBe(false);
  });
});

describe('matchesFleetPattern (relative to the root)', () => {
  it.each([
    ['/r/*/app.sqlite', 'acme/app.sqlite', true],
    ['/r/*/app.sqlite', 'acme/other.sqlite', false],
    ['/r/*/app.sqlite', 'acme/x/app.sqlite', false],
    ['/r/*/app.sqlite', '.hidden/app.sqlite', false],
    ['/r/*.db', 'a.db', true],
    ['/r/*.db', '.a.db', false],
    ['/r/t?/x.db', 't1/x.db', true],
    ['/r/t?/x.db', 't12/x.db', false],
    ['/r/[ab]*/x.db', 'bob/x.db', true],
    ['/r/[ab]*/x.db', 'cat/x.db', false],
    ['/r/**/*.db', 'a.db', true],
    ['/r/**/*.db', 'a/b/c/d.db', true],
    ['/r/**/*.db', 'a/.git/d.db', false],
    ['/r/**/data/*.db', 'data/x.db', true],
    ['/r/**/data/*.db', 'a/b/data/x.db', true],
    ['/r/**/data/*.db', 'a/b/x.db', false],
    ['/r/**/**/*.db', 'a/x.db', true],
    ['/r/*/app.sqlite', 'a/../app.sqlite', false],
  ])('%s ~ %s → %s', (text, relative, expected) => {
    expect(matchesFleetPattern(pattern(text), relative)).toBe(expected);
  });
});

describe('bindRules', () => {
  it('puts the database directory where {databaseDir} stands, and nowhere else', () => {
    const base = { name: 'r', table: 't', markers: [], keyColumn: 'path', settleSeconds: 0, columns: {} };
    const bound = bindRules(
      [
        { ...base, root: '{databaseDir}/models', relativeTo: '{databaseDir}' },
        { ...base, root: '/abs/models', relativeTo: '/etc/driftd' },
      ],
      '/srv/t/acme',
    );
    expect(bound.map((rule) => [rule.root, rule.relativeTo])).toEqual([
      ['/srv/t/acme/models', '/srv/t/acme'],
      ['/abs/models', '/etc/driftd'],
    ]);
  });
});
