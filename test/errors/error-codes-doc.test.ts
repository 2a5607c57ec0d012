import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors/driftd-error.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface Entry { code: string; meaning: string; group: string }
const script = (await import(pathToFileURL(join(ROOT, 'scripts/gen-error-codes.mjs')).href)) as {
  readCatalogue: (source?: string) => Entry[];
  errorCodesPage: (entries?: Entry[]) => string;
};

describe('docs/error-codes.md', () => {
  it('reads exactly the catalogue: every key of ERROR_CODES with its meaning, in order', () => {
    const entries = script.readCatalogue();
    expect(entries.map((entry) => [entry.code, entry.meaning])).toEqual(Object.entries(ERROR_CODES));
  });

  it('is current (run `npm run gen:error-codes` when this fails)', () => {
    expect(readFileSync(join(ROOT, 'docs/error-codes.md'), 'utf8')).toBe(script.errorCodesPage());
  });

  it('reads entries written on two lines, with double quotes or escaped quotes, under their group', () => {
    const source = `export const ERROR_CODES = {
  // databases
  DB_A: 'a\\'s meaning',
  DB_B:
    "b | pipe",
  // usage
  USAGE: 'the command line is not valid',
} as const;`;
    expect(script.readCatalogue(source)).toEqual([
      { code: 'DB_A', meaning: "a's meaning", group: 'databases' },
      { code: 'DB_B', meaning: 'b | pipe', group: 'databases' },
      { code: 'USAGE', meaning: 'the command line is not valid', group: 'usage' },
    ]);
    expect(script.errorCodesPage(script.readCatalogue(source))).toContain('| `DB_B` | b \\| pipe |');
  });
});
