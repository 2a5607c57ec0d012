// Issue 16, one check step: a single file and a fleet's files are judged by the same step (inspectDatabase +
// judgeCheck). A fleet's check used to plan without counting the rows, so a CHECK the rows violate was called
// safe there (and repair mode attempted it); now both kinds pretest it, and a fleet never shares a verdict
// that the rows decide between two files of the same schema text.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-db.js';

const LIVE = 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL)';
const DECLARED = 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL, CHECK (qty > 0));\n';

interface Item { readonly kind: string; readonly safe: boolean; readonly reason: string }

function database(path: string, quantities: readonly number[]): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const db = new Database(path);
  db.exec(LIVE);
  for (const qty of quantities) db.prepare('INSERT INTO orders (qty) VALUES (?)').run(qty);
  db.close();
}

/** Each database's drift items as `check --json` reports them, by path. */
function checked(kind: 'file' | 'fleet', config: string, paths: readonly string[], command: 'check' | 'repair' = 'check'): Map<string, readonly Item[]> {
  const result = runCli([command, '--config', config, '--json'], { XDG_STATE_HOME: join(config, '..', 'state') });
  expect(result.stderr).toBe('');
  const json = JSON.parse(result.stdout) as { drift?: Item[]; remaining?: Item[]; results?: Array<{ path: string; drift: Item[] }> };
  if (kind === 'file') return new Map([[paths[0]!, (command === 'check' ? json.drift : json.remaining)!]]);
  return new Map(json.results!.map((file) => [file.path, file.drift]));
}

describe.each(['file', 'fleet'] as const)('the check step of a %s target', (kind) => {
  const dir = tempDir('driftd-check-step-');
  const root = join(dir, 'tenants');
  // Same schema text in both files: only their rows differ.
  const violating = kind === 'file' ? join(dir, 'app.db') : join(root, 'a', 'app.db');
  const clean = join(root, 'b', 'app.db');
  database(violating, [3, 0, -1]);
  if (kind === 'fleet') database(clean, [1, 2]);
  const paths = kind === 'file' ? [violating] : [violating, clean];
  writeFileSync(join(dir, 'schema.sql'), DECLARED);
  const target = kind === 'file' ? { name: 'app', database: violating, schema: 'schema.sql', repair: 'auto' } : { name: 'app', databases: `${root}/*/app.db`, schema: 'schema.sql', repair: 'auto' };
  const config = join(dir, 'driftd.json');
  writeFileSync(config, JSON.stringify({ targets: [target] }));

  it('pretests a CHECK against the rows: unsafe with the count where rows violate it, safe where none does', () => {
    const items = checked(kind, config, paths);
    const unsafe = items.get(violating)!.find((item) => item.kind === 'missing_check')!;
    expect(unsafe.safe).toBe(false);
    expect(unsafe.reason).toMatch(/^2 existing rows of "orders" violate CHECK \(qty > 0\)/);
    if (kind === 'fleet') expect(items.get(clean)!.find((item) => item.kind === 'missing_check')!.safe).toBe(true);
  });

  it('repair leaves the violating file untouched (nothing to attempt) and repairs the clean one', () => {
    const before = readFileSync(violating);
    const items = checked(kind, config, paths, 'repair');
    expect(items.get(violating)!.map((item) => [item.kind, item.safe])).toEqual([['missing_check', false]]);
    expect(readFileSync(violating).equals(before)).toBe(true);
    if (kind === 'fleet') expect(items.get(clean)).toEqual([]);
  });
});
