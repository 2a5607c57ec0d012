import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DRIFT_KIND_RULES, DRIFT_KINDS } from '../../src/repair/drift-kind-rules.js';

const ROOT = join(import.meta.dirname, '..', '..');

type Rules = Readonly<Record<string, { readonly doc: { readonly meaning: string; readonly repaired: string } }>>;
const script = (await import(pathToFileURL(join(ROOT, 'scripts/gen-drift-kinds.mjs')).href)) as {
  BEGIN: string;
  END: string;
  driftKindsTable: (rules: Rules) => string;
  driftKindsPage: (rules: Rules, page?: string) => string;
};

describe('docs/drift-kinds.md', () => {
  it('is current: its kinds table is generated from DRIFT_KIND_RULES (run `npm run docs:drift-kinds` when this fails)', () => {
    const page = readFileSync(join(ROOT, 'docs/drift-kinds.md'), 'utf8');
    expect(page).toBe(script.driftKindsPage(DRIFT_KIND_RULES, page));
  });

  it('lists every kind once, in the table order, with its row text', () => {
    const table = script.driftKindsTable(DRIFT_KIND_RULES);
    const kinds = [...table.matchAll(/^\| `([a-z_]+)` \|/gm)].map((match) => match[1]);
    expect(kinds).toEqual([...DRIFT_KINDS]);
    expect(table).toContain(`| \`missing_table\` | ${DRIFT_KIND_RULES.missing_table.doc.meaning} | ${DRIFT_KIND_RULES.missing_table.doc.repaired} |`);
  });

  it('replaces only the text between the markers, and says so when they are missing', () => {
    const page = `# before\n\n${script.BEGIN}\nold table\n${script.END}\n\nafter\n`;
    const rules: Rules = { some_kind: { doc: { meaning: 'a meaning', repaired: 'never' } } };
    expect(script.driftKindsPage(rules, page)).toBe(`# before\n\n${script.BEGIN}\n| kind | meaning | repaired automatically |\n|---|---|---|\n| \`some_kind\` | a meaning | never |\n${script.END}\n\nafter\n`);
    expect(() => script.driftKindsPage(rules, '# no markers\n')).toThrow(/markers/);
  });
});
