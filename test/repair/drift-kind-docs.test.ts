import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DRIFT_KIND_RULES, DRIFT_KINDS, PLAN_HINT } from '../../src/repair/drift-kind-rules.js';

/** The rules table is the one list of kinds: the reference page must carry each (issue 15 item 5). */
describe('docs/drift-kinds.md', () => {
  const page = readFileSync(new URL('../../docs/drift-kinds.md', import.meta.url), 'utf8');

  it('has a row for every drift kind of DRIFT_KIND_RULES', () => {
    expect(DRIFT_KINDS.filter((kind) => !page.includes(`| \`${kind}\` |`))).toEqual([]);
  });

  it('names the plan hint for every report-only kind whose fixed reason is a rebuild', () => {
    const rebuilds = Object.entries(DRIFT_KIND_RULES).filter(([, rule]) => rule.repair === 'never' && typeof rule.reason === 'string' && rule.reason.includes(PLAN_HINT));
    expect(rebuilds.length).toBeGreaterThan(5);
    for (const [kind] of rebuilds) expect(page, kind).toMatch(new RegExp(`\\| \`${kind}\` \\|[^\\n]*needs a table rebuild: driftd plan`));
  });
});
