import { describe, expect, it } from 'vitest';
import { diffDirectories, type ListedDirectory, type StoredRow } from '../../../src/reconcile/diff/diff-directories.js';

const ROOT = '/real/models';
const dir = (name: string, aliasOf?: string): ListedDirectory => ({
  name,
  path: `/data/models/${name}`,
  canonicalPath: aliasOf ? `${ROOT}/${aliasOf}` : `${ROOT}/${name}`,
  aliasPath: aliasOf ? `${ROOT}/${name}` : null,
  nameInRoot: aliasOf ?? name,
  aliasName: aliasOf ? name : null,
});
const row = (rowid: number, canonicalPath: string): StoredRow => {
  const inRoot = canonicalPath.startsWith(`${ROOT}/`) && !canonicalPath.slice(ROOT.length + 1).includes('/');
  return { rowid, storedPath: canonicalPath, canonicalPath, nameInRoot: inRoot ? canonicalPath.slice(ROOT.length + 1) : null };
};

describe('diffDirectories', () => {
  it.each<[string, ListedDirectory[], StoredRow[], { orphans: string[]; dangling: number[]; matched: number; elsewhere: number }]>([
    ['nothing on either side', [], [], { orphans: [], dangling: [], matched: 0, elsewhere: 0 }],
    ['a directory without a row is an orphan', [dir('a')], [], { orphans: ['a'], dangling: [], matched: 0, elsewhere: 0 }],
    ['a row with its directory matches', [dir('a')], [row(1, `${ROOT}/a`)], { orphans: [], dangling: [], matched: 1, elsewhere: 0 }],
    ['a row without its directory dangles', [], [row(7, `${ROOT}/gone`)], { orphans: [], dangling: [7], matched: 0, elsewhere: 0 }],
    ['a row outside the root is not judged', [], [row(1, '/other/x'), row(2, `${ROOT}/a/nested`)], { orphans: [], dangling: [], matched: 0, elsewhere: 2 }],
    ['a row storing a symlink inside the root matches its target', [dir('real'), dir('link', 'real')], [row(1, `${ROOT}/link`)], { orphans: [], dangling: [], matched: 1, elsewhere: 0 }],
    ['a symlink and its target are one orphan, under the real name', [dir('link', 'real'), dir('real')], [], { orphans: ['real'], dangling: [], matched: 0, elsewhere: 0 }],
    ['a root prefix is not a parent', [], [row(1, `${ROOT}-old/a`)], { orphans: [], dangling: [], matched: 0, elsewhere: 1 }],
  ])('%s', (_label, directories, rows, expected) => {
    const found = diffDirectories(directories, rows);
    expect({ orphans: found.orphans.map((o) => o.name), dangling: found.dangling.map((d) => d.rowid), matched: found.matched, elsewhere: found.elsewhere }).toEqual(expected);
  });
});
